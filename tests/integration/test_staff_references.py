"""A step naming a member of staff names a real one, in the right role, for the case's
authority (issue #9 point 11: "the B&B authoriser is a real staff member holding a manager
role"), checked against the directory on SQLite and PostgreSQL.

A tiny pathway of this test's own carries the marker, so the check is tested apart from the
16/17 definition. The opening event is applied by ``apply_now`` in one transaction, as a flow
would, without the Prefect server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Final

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from application.case_commands import record_step, start_case
from application.cases import Applied, apply_event
from application.principals import Acting
from application.staff import add_staff, disable_staff
from infrastructure.db import session_scope
from models import AuditEvent, CaseEvent
from pathways.definitions import register
from pathways.engine.definition import PathwayDefinition, StepSpec, TransitionSpec
from pathways.engine.inputs import StaffReference, StrictInput
from pathways.refusal import Refusal
from pathways.roles import MANAGER_ROLES, SYSTEM_ROLE, Role
from pathways.text import Text
from tests.support.authority_config_file import use_authority_config
from tests.support.cases import acting_for

PATHWAY: Final = "staff-reference-test"
AUTHORITY: Final = "dartford"
HO: Final[Role] = "lha-housing-officer"


class Placement(StrictInput):
    bb_authorised_by: Annotated[
        str | None, Text(80), StaffReference(MANAGER_ROLES, "a manager")
    ] = None


DEFINITION: Final = PathwayDefinition(
    name=PATHWAY,
    version="1.0",
    title="Staff reference test",
    citation="test fixture",
    initial_step="new",
    opening_transition="open",
    steps={"new": StepSpec(title="New"), "open": StepSpec(title="Open")},
    timers={},
    transitions=(
        TransitionSpec(
            name="open", title="Opened", from_steps=("new",), to_step="open", roles=(HO,)
        ),
        TransitionSpec(
            name="place",
            title="Placed",
            from_steps=("open",),
            to_step="open",
            roles=(HO,),
            input_model=Placement,
        ),
    ),
)


@pytest.fixture(autouse=True, scope="module")
def _registered() -> None:
    register(DEFINITION)


def apply_now(pathway: str, case_ref: str, event_id: int) -> Applied:
    with session_scope() as session:
        return apply_event(session, case_ref, event_id)


def staff(
    username: str, role: Role, *, authority_id: str = AUTHORITY, team_name: str | None = None
) -> None:
    with session_scope() as session:
        add_staff(
            session,
            username=username,
            display_name=f"Test {username}",
            email=f"{username}@test.example",
            roles=[role],
            team="lha" if role.startswith("lha-") or role == "housing-director" else "ics",
            authority_id=authority_id,
            actor="test",
            actor_role=SYSTEM_ROLE,
            basis="test set-up",
            team_name=team_name,
        )


@pytest.fixture
def officer(app_engine: Engine) -> Acting:
    return acting_for("ho.dartford", HO, AUTHORITY)


@pytest.fixture
def case_reference(officer: Acting) -> str:
    opened = start_case(
        acting=officer, pathway=PATHWAY, authority_id=AUTHORITY, payload={}, runner=apply_now
    )
    assert isinstance(opened, Applied) and opened.status == "applied", opened
    return opened.case_reference


def place(officer: Acting, case_reference: str, authorised_by: str) -> Applied | Refusal:
    return record_step(
        acting=officer,
        case_reference=case_reference,
        transition="place",
        payload={"bb_authorised_by": authorised_by},
        runner=apply_now,
    )


def events() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(CaseEvent)).one()


def refusals_audited(case_reference: str) -> list[AuditEvent]:
    with session_scope() as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.case_reference == case_reference,
                    col(AuditEvent.action) == f"{PATHWAY}.place.refused",
                )
            ).all()
        )


def assert_refused(
    officer: Acting, case_reference: str, authorised_by: str, *, says: str
) -> Refusal:
    before = events()
    outcome = place(officer, case_reference, authorised_by)

    assert isinstance(outcome, Refusal), outcome
    assert outcome.code == "invalid_input"
    assert outcome.field == "bb_authorised_by"
    assert outcome.reason.startswith("bb_authorised_by: ")
    assert says in outcome.reason
    assert "allowed: " in outcome.reason and "lha-senior-officer" in outcome.reason
    assert events() == before, "a refused step writes no event"
    [audited] = refusals_audited(case_reference)
    assert audited.after == {"reason": outcome.reason, "code": "invalid_input"}
    return outcome


def test_an_unknown_username_is_refused_naming_the_field_not_echoing_it(
    officer: Acting, case_reference: str
) -> None:
    refusal = assert_refused(
        officer, case_reference, "Zanzibar Quokkaflint", says="no member of staff has"
    )

    assert "Zanzibar" not in refusal.reason


def test_an_active_senior_officer_of_the_authority_is_accepted(
    officer: Acting, case_reference: str
) -> None:
    staff("so.dartford", "lha-senior-officer")
    before = events()

    outcome = place(officer, case_reference, "so.dartford")

    assert isinstance(outcome, Applied) and outcome.status == "applied", outcome
    assert events() == before + 1
    assert refusals_audited(case_reference) == []


def test_a_childrens_services_manager_covering_the_authority_is_accepted(
    officer: Acting, case_reference: str
) -> None:
    staff("tm.dartford", "ics-team-manager")

    outcome = place(officer, case_reference, "tm.dartford")

    assert isinstance(outcome, Applied) and outcome.status == "applied", outcome


def test_a_childrens_services_manager_whose_team_covers_the_authority_is_accepted(
    officer: Acting, case_reference: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_authority_config(
        tmp_path,
        monkeypatch,
        lambda raw: (
            raw["children_services"]["kcc"]
            .setdefault("teams", {})
            .update({"north-kent": {"covers": ["dartford", "gravesham"]}})
        ),
    )
    staff("sm.north-kent", "ics-service-manager", authority_id="gravesham", team_name="north-kent")

    outcome = place(officer, case_reference, "sm.north-kent")

    assert isinstance(outcome, Applied) and outcome.status == "applied", outcome


def test_a_housing_officer_is_not_a_manager(officer: Acting, case_reference: str) -> None:
    staff("ho2.dartford", HO)

    assert_refused(
        officer, case_reference, "ho2.dartford", says="'ho2.dartford' holds lha-housing-officer"
    )


def test_an_inactive_manager_is_refused(officer: Acting, case_reference: str) -> None:
    staff("sm.dartford", "lha-service-manager")
    with session_scope() as session:
        disable_staff(session, "sm.dartford", actor="test", actor_role=SYSTEM_ROLE, basis="test")

    assert_refused(officer, case_reference, "sm.dartford", says="'sm.dartford' is disabled")


def test_a_manager_of_another_authority_is_refused(officer: Acting, case_reference: str) -> None:
    staff("so.gravesham", "lha-senior-officer", authority_id="gravesham")

    assert_refused(officer, case_reference, "so.gravesham", says="does not work for dartford")


def test_no_authoriser_given_checks_no_one(officer: Acting, case_reference: str) -> None:
    outcome = place(officer, case_reference, "  ")

    assert isinstance(outcome, Applied) and outcome.status == "applied", outcome
