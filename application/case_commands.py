"""The case use cases every edge calls: who is acting, open a case, record a step, and read
where cases stand. The CLI and the dashboard parse and render; the rules live here and below.

Each returns its result or a typed ``Refusal`` (with its HTTP status); nothing is raised for a
move the rules refuse. Writes commit before the pathway flow runs, through the ``EventRunner``
the edge passes in, so this layer never imports Prefect.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final, Literal, Protocol, get_args

from pydantic import BaseModel

from application import case_views
from application.audit_coverage import covers_records
from application.cases import (
    Applied,
    CaseNotFoundError,
    load_case,
    open_case,
    shared_with,
    submit_event,
    with_happened_at,
)
from application.principals import Acting, acting, audit_refusal
from infrastructure import audit, clock
from infrastructure.db import get_engine, session_scope
from models import Authority, CaseShare
from pathways.definitions import UnknownPathwayError, get_definition
from pathways.engine.definition import PathwayDefinition
from pathways.principal import may_act_on
from pathways.refusal import Refusal


class EventRunner(Protocol):
    """Runs a recorded event's pathway flow, then any event it created on a linked case, and
    reports what applying it did (the Prefect layer provides one)."""

    def __call__(self, pathway: str, case_ref: str, event_id: int) -> Applied: ...


def act_as(
    username: str,
    role: str | None,
    *,
    attempted: str,
    case_reference: str | None = None,
) -> Acting | Refusal:
    """The named member of staff acting in one of their roles; a refusal is audited."""
    engine = get_engine()
    with session_scope(engine) as session:
        return acting(
            session,
            username,
            role,
            attempted=attempted,
            case_reference=case_reference,
            at=clock.now(engine),
        )


def _definition(pathway: str) -> PathwayDefinition | Refusal:
    try:
        return get_definition(pathway)
    except UnknownPathwayError as unknown:
        return Refusal("not_found", f"pathway: {unknown}", "pathway")


def _opening_model(definition: PathwayDefinition) -> type[BaseModel] | None:
    opening = definition.transition(definition.opening_transition)
    return opening.input_model if opening else None


def start_case(
    *,
    acting: Acting,
    pathway: str,
    authority_id: str,
    payload: Mapping[str, Any],
    runner: EventRunner,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Applied | Refusal:
    definition = _definition(pathway)
    if isinstance(definition, Refusal):
        return definition
    engine = get_engine()
    at = now or clock.now(engine)
    with session_scope(engine) as session:
        submitted = open_case(
            session,
            pathway=definition.name,
            authority_id=authority_id,
            payload=with_happened_at(_opening_model(definition), payload, at),
            acting=acting,
            now=at,
            idempotency_key=idempotency_key or uuid.uuid4().hex,
        )
    if isinstance(submitted, Refusal):
        return submitted
    return runner(submitted.pathway, submitted.case_reference, submitted.event_id)


def record_step(
    *,
    acting: Acting,
    case_reference: str,
    transition: str,
    payload: Mapping[str, Any],
    runner: EventRunner,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Applied | Refusal:
    engine = get_engine()
    with session_scope(engine) as session:
        try:
            submitted = submit_event(
                session,
                case_reference=case_reference,
                transition=transition,
                payload=payload,
                acting=acting,
                now=now or clock.now(engine),
                idempotency_key=idempotency_key or uuid.uuid4().hex,
            )
        except CaseNotFoundError as missing:
            return missing.refusal()
    if isinstance(submitted, Refusal):
        return submitted
    return runner(submitted.pathway, submitted.case_reference, submitted.event_id)


ShareReason = Literal["cross_district_referral", "placement", "duty_to_refer"]
"""``duty_to_refer``: a care leaver referred to another district's housing authority (s.213B),
whose staff then act on the case (acknowledge the referral, open the LHA duty)."""
SHARE_BASIS = "seed 002, cross-district moves; spec §4"
SHARE_BASES: Final[Mapping[str, str]] = {
    "cross_district_referral": SHARE_BASIS,
    "placement": SHARE_BASIS,
    "duty_to_refer": "Housing Act 1996 s.213B (duty to refer); seed 004 §2.10; spec errata 16",
}
SHARE_REASON_WORDS: Final[Mapping[str, str]] = {
    "cross_district_referral": "a cross-district referral",
    "placement": "a placement in its district",
    "duty_to_refer": "a care leaver referred to its housing authority (duty to refer)",
}


def share_case(
    *,
    acting: Acting,
    case_reference: str,
    authority_id: str,
    reason: ShareReason,
    now: datetime | None = None,
) -> Refusal | None:
    """Shares a case with another authority under the protocol, so its staff may act on it.
    Only staff of the authority the case belongs to may share it."""
    if reason not in SHARE_BASES:
        return Refusal(
            "invalid_input", f"reason: must be one of {', '.join(get_args(ShareReason))}", "reason"
        )
    engine = get_engine()
    at = now or clock.now(engine)
    with session_scope(engine) as session:
        try:
            case = load_case(session, case_reference)
        except CaseNotFoundError as missing:
            return missing.refusal()
        owner = may_act_on(acting.principal, case.authority_id)
        if owner is not None:
            return audit_refusal(
                session, acting, owner, attempted="case.share", case_reference=case.reference, at=at
            )
        if session.get(Authority, authority_id) is None:
            return Refusal("invalid_input", f"with: unknown authority '{authority_id}'", "with")
        if authority_id == case.authority_id:
            return Refusal(
                "invalid_input", f"with: the case already belongs to {authority_id}", "with"
            )
        if authority_id in shared_with(session, case):
            return None
        share = CaseShare(
            case_id=case.id or 0,
            authority_id=authority_id,
            reason=reason,
            shared_by=acting.username,
            shared_at=at,
        )
        session.add(share)
        session.flush()
        audit.record(
            session,
            actor=acting.username,
            role=acting.role,
            action="case.shared",
            case_reference=case.reference,
            after={"with": authority_id, "reason": reason},
            basis=SHARE_BASES[reason],
            at=at,
            covers=covers_records(case, share),
        )
    return None


def audit_refused(
    acting_as: Acting, reference: str, refusal: Refusal, *, attempted: str
) -> Refusal:
    """Records, and returns, a refusal an edge found before any use case ran (e.g. a page for a
    move by a role the viewer does not hold)."""
    engine = get_engine()
    with session_scope(engine) as session:
        return audit_refusal(
            session,
            acting_as,
            refusal,
            attempted=attempted,
            case_reference=reference,
            at=clock.now(engine),
        )


def show_case(viewer: Acting, reference: str) -> case_views.CaseView | Refusal:
    engine = get_engine()
    with session_scope(engine) as session:
        try:
            return case_views.case_view(session, viewer, reference, clock.now(engine))
        except CaseNotFoundError as missing:
            return missing.refusal()


def show_case_and_moves(
    viewer: Acting, reference: str
) -> tuple[case_views.CaseView, list[case_views.TransitionView], datetime] | Refusal:
    """The case, the moves open to it now as the viewer sees them, and the moment judged at."""
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        try:
            found = case_views.case_page(session, viewer, reference, now)
        except CaseNotFoundError as missing:
            return missing.refusal()
    return found if isinstance(found, Refusal) else (*found, now)


def steps_now(
    viewer: Acting, reference: str
) -> tuple[str, str, list[case_views.TransitionView]] | Refusal:
    """(the case's step, its status, the moves open to it now as the viewer sees them)."""
    engine = get_engine()
    with session_scope(engine) as session:
        try:
            found = case_views.case_transitions_now(session, viewer, reference, clock.now(engine))
        except CaseNotFoundError as missing:
            return missing.refusal()
        if isinstance(found, Refusal):
            return found
        case, views = found
        return case.state, case.status, views


def list_cases(
    viewer: Acting,
    *,
    status: str | None = None,
    authority_id: str | None = None,
    overdue_only: bool = False,
) -> tuple[datetime, list[case_views.CaseRow]]:
    """(as of when, one row per case the viewer may see)."""
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        rows = case_views.case_rows(
            session,
            viewer,
            now,
            status=status,
            authority_id=authority_id,
            overdue_only=overdue_only,
        )
    return now, rows
