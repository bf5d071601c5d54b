"""``pathways case migrate``: a running 1.0 case of the 16/17 intake moves onto 1.1 (issue #9).

``open_case`` always opens the latest version, so the 1.0 cases here are written as rows: a
Case on 1.0 with the facts 1.0 records, its people, and the timers 1.0 left running (built by
``application.timers.new_timer`` from the 1.0 specs). From there it is the product's code: the
principal, the declared move, the CLI, then 1.1's own rules on the moved case, applied through
``submit_event`` and ``apply_event`` (what the pathway flow runs) without a Prefect server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from application.case_commands import act_as
from application.cases import apply_event, submit_event
from application.principals import Acting
from application.timers import new_timer
from cli.main import app
from infrastructure import audit, clock
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent, Person, Timer
from pathways.definitions import get_definition
from pathways.refusal import Refusal
from tests.support.staffed_database import staffed_engine

PATHWAY = "youth-1617-intake"
NAME = "Robin Fictional"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MOVED_AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
AT_PACKAGE = "JP-7K3Q-9D2F"
AT_VISIT = "JP-4M8R-2K6T"
OTHER_AUTHORITY = "JP-9W2X-5N3P"
STAFF = {
    "coord.dartford": ("coordinator", "dartford"),
    "ho.dartford": ("lha-housing-officer", "dartford"),
    "sw.dartford": ("ics-social-worker", "dartford"),
    "so.dartford": ("lha-senior-officer", "dartford"),
    "tm.dartford": ("ics-team-manager", "dartford"),
}
FACTS_1_0: dict[str, Any] = {
    "enquiry_received_at": T0.isoformat(),
    "approached": "housing_options",
    "slept_last_night": "family_home",
    "safe_tonight": True,
    "known_to_ics": False,
    "young_person_consent_given": True,
    "parent_consent_given": True,
    "joint_visit_outcome": "support_package_needed",
    "caf_plan": "Weekly support with the family.",
    "support_domains": ["family_relationships"],
    "family_asked_to_stop": True,
    "young_person_asked_to_stop": True,
    "team_agreed_closure": True,
}
PACKAGE_TIMERS = ("weekly_home_meeting", "weekly_case_review", "monthly_stakeholder_review")


@pytest.fixture
def engine(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with staffed_engine(migrated_database_url, monkeypatch, STAFF) as engine:
        with session_scope(engine) as session:
            clock.set_virtual_time(session, MOVED_AT, frozen=True)
        yield engine


def write_1_0_case(
    engine: Engine,
    reference: str,
    state: str,
    facts: dict[str, Any],
    timers: tuple[str, ...],
    authority_id: str = "dartford",
) -> None:
    """A case as 1.0 left it: no authority or policy facts, its timers started at T0."""
    definition = get_definition(PATHWAY, "1.0")
    with session_scope(engine) as session:
        case = Case(
            reference=reference,
            pathway=PATHWAY,
            definition_version="1.0",
            authority_id=authority_id,
            state=state,
            facts=facts,
            opened_at=T0,
        )
        session.add(case)
        session.flush()
        session.add(
            Person(case_id=case.id or 0, relationship_to_case="young_person", full_name=NAME)
        )
        for name in timers:
            session.add(new_timer(case.id or 0, definition.timers[name], T0, T0, {}))


def migrate(*args: str) -> Result:
    return CliRunner().invoke(app, ["case", "migrate", *args])


def case_row(engine: Engine, reference: str) -> Case:
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        session.expunge(case)
    return case


def timers_of(engine: Engine, reference: str) -> list[Timer]:
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = list(
            session.exec(select(Timer).where(Timer.case_id == case.id).order_by(col(Timer.id)))
        )
        session.expunge_all()
    return rows


def audit_rows(engine: Engine) -> list[AuditEvent]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
        session.expunge_all()
    return rows


def acting(username: str) -> Acting:
    found = act_as(username, None, attempted="test")
    assert not isinstance(found, Refusal), found
    return found


def record(engine: Engine, reference: str, transition: str, username: str, **payload: Any) -> str:
    """Records a step as the flow would: submitted, then applied; returns the case's step."""
    with session_scope(engine) as session:
        submitted = submit_event(
            session,
            case_reference=reference,
            transition=transition,
            payload=payload,
            acting=acting(username),
            now=MOVED_AT + timedelta(hours=1),
            idempotency_key=f"{transition}-{username}",
        )
    if isinstance(submitted, Refusal):
        raise AssertionError(submitted.reason)
    with session_scope(engine) as session:
        applied = apply_event(session, reference, submitted.event_id)
    assert applied.status == "applied", applied.reason
    return applied.state


def refusal_of(engine: Engine, reference: str, transition: str, username: str) -> Refusal:
    with session_scope(engine) as session:
        submitted = submit_event(
            session,
            case_reference=reference,
            transition=transition,
            payload={},
            acting=acting(username),
            now=MOVED_AT + timedelta(hours=1),
            idempotency_key=f"refused-{transition}-{username}",
        )
    assert isinstance(submitted, Refusal), submitted
    return submitted


def test_dry_run_prints_the_plan_and_writes_nothing(engine: Engine) -> None:
    write_1_0_case(engine, AT_PACKAGE, "support_package", FACTS_1_0, PACKAGE_TIMERS)
    case_before, timers_before = case_row(engine, AT_PACKAGE), timers_of(engine, AT_PACKAGE)
    audit_before = audit_rows(engine)
    done = migrate(AT_PACKAGE, "--dry-run", "--as", "coord.dartford")
    assert done.exit_code == 0, (done.output, done.exception)
    assert f"{AT_PACKAGE}: dry run, nothing written: would move to {PATHWAY} 1.1" in done.stdout
    assert "must agree again under 1.1" in done.stdout
    after = case_row(engine, AT_PACKAGE)
    assert (after.definition_version, after.state, after.facts, after.version) == (
        case_before.definition_version,
        case_before.state,
        case_before.facts,
        case_before.version,
    )
    assert [t.model_dump() for t in timers_of(engine, AT_PACKAGE)] == [
        t.model_dump() for t in timers_before
    ]
    assert len(audit_rows(engine)) == len(audit_before)


def test_a_1_0_case_moves_to_1_1_and_then_closes_only_with_both_managers(engine: Engine) -> None:
    write_1_0_case(engine, AT_PACKAGE, "support_package", FACTS_1_0, PACKAGE_TIMERS)
    running_before = {t.id: t.due_at for t in timers_of(engine, AT_PACKAGE)}

    done = migrate(AT_PACKAGE, "--as", "coord.dartford")
    assert done.exit_code == 0, (done.output, done.exception)
    assert done.stdout.startswith(f"{AT_PACKAGE}: moved to {PATHWAY} 1.1")
    assert all(len(line) <= 80 for line in done.stdout.splitlines()), done.stdout
    assert "an LHA manager (lha_manager_agrees_closure)" in done.stdout
    assert NAME not in done.output

    moved = case_row(engine, AT_PACKAGE)
    assert (moved.definition_version, moved.state, moved.status) == (
        "1.1",
        "support_package",
        "open",
    )
    assert moved.facts["authority"] == "dartford"
    assert moved.facts["case_policy"]["closure_agreement"] == "both_agencies"
    assert "team_agreed_closure" not in moved.facts
    assert moved.facts["support_domains"] == ["family_relationships"]
    # The timers run on, on their own clocks, now closed by 1.1's steps; none was added.
    timers = timers_of(engine, AT_PACKAGE)
    assert {t.id: t.due_at for t in timers} == running_before
    assert all(t.status == "open" for t in timers)

    migrated = [row for row in audit_rows(engine) if row.action == f"{PATHWAY}.case.migrated"]
    assert len(migrated) == 1
    event = migrated[0]
    assert (event.actor, event.role, event.case_reference) == (
        "coord.dartford",
        "coordinator",
        AT_PACKAGE,
    )
    assert event.before == {"version": "1.0", "state": "support_package"}
    assert event.after is not None
    assert (event.after["version"], event.after["state"]) == ("1.1", "support_package")
    assert event.after["facts_removed"] == ["team_agreed_closure"]
    assert any("must agree again" in note for note in event.after["notes"])
    assert event.basis == "issue #9: pathway 1.1 corrects 1.0's routes"

    refused = refusal_of(engine, AT_PACKAGE, "close_case", "sw.dartford")
    assert "an LHA manager agreeing to close" in refused.reason
    assert "a children's services manager agreeing to close" in refused.reason
    record(engine, AT_PACKAGE, "lha_manager_agrees_closure", "so.dartford", rationale="Agreed.")
    still = refusal_of(engine, AT_PACKAGE, "close_case", "ho.dartford")
    assert "a children's services manager agreeing to close" in still.reason
    assert "an LHA manager" not in still.reason
    record(engine, AT_PACKAGE, "ics_manager_agrees_closure", "tm.dartford", rationale="Agreed.")
    assert record(engine, AT_PACKAGE, "close_case", "sw.dartford") == "closed"
    closed = case_row(engine, AT_PACKAGE)
    assert (closed.status, closed.outcome_code) == ("closed", "O2")
    assert closed.facts["closure_agreed_by"] == ["housing", "childrens"]

    again = migrate(AT_PACKAGE, "--as", "coord.dartford")
    assert again.exit_code == 4
    assert "closed case keeps its version" in again.stderr

    with session_scope(engine) as session:
        report = audit.verify_chain(session)
    assert report.ok, report
    for row in audit_rows(engine):
        assert NAME not in json.dumps(row.model_dump(), default=str)


def test_all_moves_each_open_1_0_case_the_coordinator_acts_on(engine: Engine) -> None:
    write_1_0_case(engine, AT_PACKAGE, "support_package", FACTS_1_0, PACKAGE_TIMERS)
    visit_facts = {k: FACTS_1_0[k] for k in ("enquiry_received_at", "safe_tonight")}
    write_1_0_case(engine, AT_VISIT, "awaiting_joint_visit", visit_facts, ("joint_visit",))
    write_1_0_case(engine, OTHER_AUTHORITY, "caf_plan", {}, (), authority_id="swale")

    done = migrate("--all", "--as", "coord.dartford")
    assert done.exit_code == 0, (done.output, done.exception)
    assert f"{AT_PACKAGE}: moved" in done.stdout and f"{AT_VISIT}: moved" in done.stdout
    assert OTHER_AUTHORITY not in done.output
    assert case_row(engine, OTHER_AUTHORITY).definition_version == "1.0"
    # Reviews run from case opening under the policy: the case at the visit starts them now.
    started = {t.name: t for t in timers_of(engine, AT_VISIT) if t.started_at == MOVED_AT}
    assert set(started) == {"weekly_case_review", "monthly_stakeholder_review"}
    assert all(t.status == "open" and t.due_at > MOVED_AT for t in started.values())
    assert "timer started: weekly_case_review" in done.stdout

    nothing_left = migrate("--all", "--as", "coord.dartford")
    assert nothing_left.exit_code == 0
    assert "no open case you may act on has a declared move" in nothing_left.stdout


def test_only_a_coordinator_or_operator_may_migrate(engine: Engine) -> None:
    write_1_0_case(engine, AT_PACKAGE, "support_package", FACTS_1_0, PACKAGE_TIMERS)
    done = migrate(AT_PACKAGE, "--as", "ho.dartford")
    assert done.exit_code == 3
    assert "may not move a case" in done.stderr and "coordinator, operator" in done.stderr
    assert case_row(engine, AT_PACKAGE).definition_version == "1.0"
    forbidden = [row for row in audit_rows(engine) if row.action == "case.migrate.forbidden"]
    assert [row.case_reference for row in forbidden] == [AT_PACKAGE]


def test_a_case_with_a_pending_step_is_refused_and_the_refusal_audited(engine: Engine) -> None:
    write_1_0_case(engine, AT_PACKAGE, "support_package", FACTS_1_0, PACKAGE_TIMERS)
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == AT_PACKAGE)).one()
        session.add(
            CaseEvent(
                case_id=case.id or 0,
                transition="record_home_meeting",
                actor="ho.dartford",
                role="lha-housing-officer",
                idempotency_key="pending",
            )
        )
    done = migrate(AT_PACKAGE, "--as", "coord.dartford")
    assert done.exit_code == 4
    assert "not been applied yet" in done.stderr
    assert case_row(engine, AT_PACKAGE).definition_version == "1.0"
    actions = [row.action for row in audit_rows(engine)]
    assert f"{PATHWAY}.case.migrate.refused" in actions


def test_bad_arguments_name_what_is_wrong(engine: Engine) -> None:
    both = migrate(AT_PACKAGE, "--all", "--as", "coord.dartford")
    assert both.exit_code == 2 and "give REF or --all" in both.stderr
    write_1_0_case(engine, AT_PACKAGE, "support_package", FACTS_1_0, PACKAGE_TIMERS)
    unknown = migrate(AT_PACKAGE, "--to", "2.0", "--as", "coord.dartford")
    assert unknown.exit_code == 2
    assert "to: no declared move youth-1617-intake@1.0 -> 2.0" in unknown.stderr
    assert case_row(engine, AT_PACKAGE).definition_version == "1.0"
