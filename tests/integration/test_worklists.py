"""The caseload, my tasks and the sign-off inbox, read from real cases on SQLite and PostgreSQL.

Cases are opened through the real use case; their events are applied without Prefect
(``apply_now``), since what is tested is what the lists read, not how the flow is scheduled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy.engine import Engine

from application.case_commands import start_case
from application.principals import Acting
from application.staff import assign_staff
from application.worklists import (
    CaseloadFilters,
    _sign_off,
    _steps_with_moves,
    caseload,
    my_tasks,
    sign_off_inbox,
)
from infrastructure.db import session_scope
from pathways.refusal import Refusal
from pathways.roles import Role
from tests.support.cases import acting_for, apply_now
from tests.support.intake_form import intake_form

PATHWAY = "youth-1617-intake"
HO: Final[Role] = "lha-housing-officer"
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _intake() -> dict[str, Any]:
    return intake_form(
        {
            "young_person": {"full_name": "Test Person", "date_of_birth": "2009-06-01"},
            "parent_or_pr_holder": {"full_name": "Test Parent", "date_of_birth": "1980-06-01"},
        }
    )


def _open(acting: Acting, authority: str, at: datetime) -> str:
    outcome = start_case(
        acting=acting,
        pathway=PATHWAY,
        authority_id=authority,
        payload=_intake(),
        runner=apply_now,
        now=at,
    )
    assert not isinstance(outcome, Refusal), outcome
    return outcome.case_reference


def test_the_caseload_pages_filters_and_shows_each_cases_next_deadline(app_engine: Engine) -> None:
    officer = acting_for("ho.gravesham", HO, "gravesham")
    refs = [_open(officer, "gravesham", T0 + timedelta(minutes=i)) for i in range(3)]
    with session_scope(app_engine) as session:
        first = caseload(session, officer.principal, CaseloadFilters(), T0, page=1, page_size=2)
        second = caseload(session, officer.principal, CaseloadFilters(), T0, page=2, page_size=2)
        beyond = caseload(session, officer.principal, CaseloadFilters(), T0, page=9, page_size=2)
    assert (first.total, first.pages) == (3, 2)
    # Newest first, and every case on exactly one page.
    assert [row.reference for row in first.rows + second.rows] == refs[::-1]
    assert beyond.page == 2
    deadline = first.rows[0].next_deadline
    assert deadline is not None
    assert deadline.due_at > T0 and not deadline.overdue
    with session_scope(app_engine) as session:
        late = caseload(session, officer.principal, CaseloadFilters(), T0 + timedelta(days=3))
    assert all(row.next_deadline and row.next_deadline.overdue for row in late.rows)
    assert all(row.overdue >= 1 for row in late.rows)


def test_the_caseload_filters_by_pathway_step_status_owner_and_authority(
    app_engine: Engine,
) -> None:
    officer = acting_for("ho.gravesham", HO, "gravesham")
    mine, other = _open(officer, "gravesham", T0), _open(officer, "gravesham", T0)
    with session_scope(app_engine) as session:
        assign_staff(session, mine, "ho.gravesham", actor="test", actor_role="system", basis="t")
        step = caseload(session, officer.principal, CaseloadFilters(), T0).rows[0].step

        def refs(**chosen: str) -> set[str]:
            page = caseload(session, officer.principal, CaseloadFilters(**chosen), T0)
            return {row.reference for row in page.rows}

        assert refs(owner="ho.gravesham") == {mine}
        assert refs(pathway=PATHWAY, status="open", step=step) == {mine, other}
        assert refs(status="closed") == set()
        assert refs(pathway="intentional-homelessness") == set()
        assert refs(authority_id="dartford") == set()


def test_staff_of_another_authority_see_none_of_the_cases(app_engine: Engine) -> None:
    officer = acting_for("ho.gravesham", HO, "gravesham")
    _open(officer, "gravesham", T0)
    outsider = acting_for("ho.dartford", HO, "dartford")
    with session_scope(app_engine) as session:
        assert caseload(session, outsider.principal, CaseloadFilters(), T0).total == 0
        assert my_tasks(session, outsider.principal, T0) == []


def test_my_tasks_are_the_moves_open_to_my_roles_dated_by_the_clock_they_stop(
    app_engine: Engine,
) -> None:
    officer = acting_for("ho.gravesham", HO, "gravesham")
    later, sooner = (
        _open(officer, "gravesham", T0 + timedelta(hours=2)),
        _open(officer, "gravesham", T0),
    )
    auditor = acting_for("auditor.gravesham", "auditor", "gravesham")
    with session_scope(app_engine) as session:
        tasks = my_tasks(session, officer.principal, T0)
        assert my_tasks(session, auditor.principal, T0) == []
    assert {task.reference for task in tasks} == {later, sooner}
    assert all(task.role == HO for task in tasks)
    dated = [task for task in tasks if task.due is not None]
    assert dated == sorted(dated, key=lambda task: task.due.due_at if task.due else T0)
    assert dated[0].reference == sooner


def test_only_directors_have_a_sign_off_inbox(app_engine: Engine) -> None:
    officer = acting_for("ho.gravesham", HO, "gravesham")
    _open(officer, "gravesham", T0)
    with session_scope(app_engine) as session:
        assert sign_off_inbox(session, officer.principal, T0) == []


def test_the_sign_off_steps_are_found_from_the_definitions() -> None:
    steps = {
        (definition.name, step)
        for definition, step in _steps_with_moves({"housing-director"}, _sign_off)
    }
    assert ("intentional-homelessness", "awaiting_sign_off") in steps
    assert not _steps_with_moves({HO}, _sign_off)
