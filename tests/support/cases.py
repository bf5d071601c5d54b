"""Opening cases and recording steps in integration tests, through the real use cases.

A test names who acts by username and role, as the old dispatcher API did. The directory is
the test's own set-up, so a member of staff it names is added on first use (at the case's
authority, holding that role) before the real principal resolution runs; everything after that
is the product's code: principal, pathway rules, flows. A refusal raises ``EventRefusedError``
so a test can ``pytest.raises`` it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import select

from application.case_commands import act_as
from application.case_commands import record_step as record_step_use_case
from application.case_commands import start_case as start_case_use_case
from application.cases import Applied, apply_event, load_case
from application.principals import SYSTEM_ACTING, Acting
from application.staff import add_staff, staff_by_username
from flows.dispatch import run_pathway_event
from infrastructure.db import get_engine, session_scope
from models import StaffRole
from pathways.refusal import Refusal
from pathways.roles import SYSTEM_ROLE, team_of_role


class EventRefusedError(Exception):
    """A move the rules (or the principal check) refused; ``refusal`` says which and why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


def ensure_staff(username: str, role: str, authority_id: str) -> None:
    """The member of staff, holding ``role``, added to the directory if the test has not."""
    with session_scope(get_engine()) as session:
        staff = staff_by_username(session, username)
        if staff is None:
            add_staff(
                session,
                username=username,
                display_name=f"Test {username}",
                email=f"{username.replace(' ', '.')}@test.example",
                roles=[role],
                team="ics" if team_of_role(role) in ("ics", "ifd") else "lha",
                authority_id=authority_id,
                actor="test",
                actor_role=SYSTEM_ROLE,
                basis="test set-up",
            )
            return
        held = session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff.id)).all()
        if role not in held:
            session.add(StaffRole(staff_id=staff.id or 0, role=role))


def acting_for(username: str, role: str, authority_id: str) -> Acting:
    if role == SYSTEM_ROLE:
        return SYSTEM_ACTING
    ensure_staff(username, role, authority_id)
    found = act_as(username, role, attempted="test")
    if isinstance(found, Refusal):
        raise EventRefusedError(found)
    return found


def apply_now(pathway: str, case_ref: str, event_id: int) -> Applied:
    """An ``EventRunner`` without Prefect: applies the event (and those it creates on linked
    cases) as the flow would, for tests of what the use cases write rather than of the flow."""
    with session_scope() as session:
        applied = apply_event(session, case_ref, event_id)
    for follow_up in applied.follow_ups:
        apply_now(*follow_up)
    return applied


def _ensure(outcome: Applied | Refusal) -> Applied:
    if isinstance(outcome, Refusal):
        raise EventRefusedError(outcome)
    return outcome


def start_case(
    *,
    pathway: str,
    authority_id: str,
    payload: Mapping[str, Any],
    actor: str,
    role: str,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Applied:
    return _ensure(
        start_case_use_case(
            acting=acting_for(actor, role, authority_id),
            pathway=pathway,
            authority_id=authority_id,
            payload=payload,
            runner=run_pathway_event,
            now=now,
            idempotency_key=idempotency_key,
        )
    )


def record_step(
    *,
    case_reference: str,
    transition: str,
    payload: Mapping[str, Any],
    actor: str,
    role: str,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Applied:
    with session_scope(get_engine()) as session:
        authority_id = load_case(session, case_reference).authority_id
    return _ensure(
        record_step_use_case(
            acting=acting_for(actor, role, authority_id),
            case_reference=case_reference,
            transition=transition,
            payload=payload,
            runner=run_pathway_event,
            now=now,
            idempotency_key=idempotency_key,
        )
    )
