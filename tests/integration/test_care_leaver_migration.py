"""``pathways case migrate``: a running care-leaver case on the 0.1 or 0.2 skeleton moves onto
1.0 (issue #12), and the audit trail shows it.

The 0.1 case is opened the way one is in the field: a 16/17 case on intake 1.0 (written as a
row, since ``open_case`` opens the latest intake) records ``s20_accepted``, whose hand-off
opens care-leaver 0.1 (``LinkedCaseSpec(version="0.1")``). The 0.2 case is opened by
``open_case`` while 0.2 was the latest version, as it was before 1.0 was registered (the
registry's latest pinned for that one call). From there it is the product's code: the CLI, the
declared move, the audit log and verify commands, the auditor timeline, and 1.0's own steps
applied through ``submit_event`` and ``apply_event`` without a Prefect server.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from application.auditor_timeline import RunHistory, read_auditor_timeline
from application.case_commands import act_as
from application.cases import apply_event, open_case, submit_event
from application.principals import Acting
from cli.main import app
from infrastructure import audit, clock
from infrastructure.db import session_scope
from models import AuditEvent, Case, Person, Timer
from pathways import definitions, version_moves
from pathways.calendar import london_date
from pathways.deadlines import compute_deadline
from pathways.definitions import get_definition
from pathways.refusal import Refusal
from tests.support.staffed_database import staffed_engine

PATHWAY = "care-leaver-transition"
MIGRATED = f"{PATHWAY}.case.migrated"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MOVED_AT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NAME = "Robin Fictional"
# 17 at the move: the 18th birthday is ahead, so no clock is overdue.
BORN = date(2009, 6, 15)
# 17 when the 0.2 case opened, 18 on 20 Nov 2026, before the move: the accommodation plan,
# due by the 18th birthday, is overdue the moment the move starts its clock.
TURNED_18 = date(2008, 11, 20)
INTAKE_REF = "JP-7K3Q-9D2F"
STAFF = {
    "coord.dartford": ("coordinator", "dartford"),
    "sw.dartford": ("ics-social-worker", "dartford"),
    "pa.dartford": ("personal-adviser", "dartford"),
    "tm.dartford": ("ics-team-manager", "dartford"),
}


@pytest.fixture
def engine(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with staffed_engine(migrated_database_url, monkeypatch, STAFF) as engine:
        with session_scope(engine) as session:
            clock.set_virtual_time(session, MOVED_AT, frozen=True)
        yield engine


def acting(username: str) -> Acting:
    found = act_as(username, None, attempted="test")
    assert not isinstance(found, Refusal), found
    return found


def apply(engine: Engine, reference: str, event_id: int) -> Any:
    with session_scope(engine) as session:
        applied = apply_event(session, reference, event_id)
    assert applied.status == "applied", applied.reason
    return applied


def open_0_1_by_the_s20_hand_off(engine: Engine) -> str:
    """A 16/17 intake 1.0 case whose assessment led to an s.20 offer; the young person accepts,
    and intake 1.0's hand-off opens care-leaver 0.1."""
    with session_scope(engine) as session:
        intake = Case(
            reference=INTAKE_REF,
            pathway="youth-1617-intake",
            definition_version="1.0",
            authority_id="dartford",
            state="assessment_outcome",
            facts={"assessment_outcome": "s20_offer", "known_to_ics": True},
            opened_at=T0,
        )
        session.add(intake)
        session.flush()
        session.add(
            Person(
                case_id=intake.id or 0,
                relationship_to_case="young_person",
                full_name=NAME,
                date_of_birth=BORN,
            )
        )
    with session_scope(engine) as session:
        submitted = submit_event(
            session,
            case_reference=INTAKE_REF,
            transition="s20_accepted",
            payload={},
            acting=acting("sw.dartford"),
            now=T0,
            idempotency_key="s20-accepted",
        )
    assert not isinstance(submitted, Refusal), submitted
    handed_off = apply(engine, INTAKE_REF, submitted.event_id)
    ((pathway, reference, opening),) = handed_off.follow_ups
    assert pathway == PATHWAY
    apply(engine, reference, opening)
    return str(reference)


def open_0_2(engine: Engine, monkeypatch: pytest.MonkeyPatch, payload: dict[str, Any]) -> str:
    with monkeypatch.context() as then:
        # Before 1.0 was registered, 0.2 was what ``open_case`` opened.
        then.setitem(definitions._LATEST, PATHWAY, get_definition(PATHWAY, "0.2"))
        with session_scope(engine) as session:
            submitted = open_case(
                session,
                pathway=PATHWAY,
                authority_id="dartford",
                payload=payload,
                acting=acting("coord.dartford"),
                now=T0,
                idempotency_key=f"open-{payload['legal_status']}",
            )
    assert not isinstance(submitted, Refusal), submitted
    apply(engine, submitted.case_reference, submitted.event_id)
    return submitted.case_reference


LOOKED_AFTER_0_2 = {
    "young_person": {"full_name": NAME, "date_of_birth": TURNED_18.isoformat()},
    "legal_status": "looked_after_s20",
    # Eligible 13 weeks on, after the 16th birthday: 0.2's clock counts from that day.
    "looked_after_since": "2026-06-01",
}
FORMER_RELEVANT_0_2 = {
    "young_person": {"full_name": NAME, "date_of_birth": "2007-03-01"},
    "legal_status": "former_relevant_child",
}


def migrate(*args: str) -> Result:
    return CliRunner().invoke(app, ["case", "migrate", *args])


def case_row(engine: Engine, reference: str) -> Case:
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        session.expunge(case)
    return case


def timers_of(engine: Engine, reference: str) -> dict[str, Timer]:
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = session.exec(select(Timer).where(Timer.case_id == case.id)).all()
        session.expunge_all()
    return {row.name: row for row in rows}


def audit_rows(engine: Engine, action: str | None = None) -> list[AuditEvent]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
        session.expunge_all()
    return [row for row in rows if action is None or row.action == action]


def record(engine: Engine, reference: str, transition: str, username: str, **payload: Any) -> str:
    with session_scope(engine) as session:
        submitted = submit_event(
            session,
            case_reference=reference,
            transition=transition,
            payload=payload,
            acting=acting(username),
            now=MOVED_AT + timedelta(hours=1),
            idempotency_key=f"{reference}-{transition}",
        )
    if isinstance(submitted, Refusal):
        raise AssertionError(submitted.reason)
    return str(apply(engine, reference, submitted.event_id).state)


def entries(result: Result) -> list[str]:
    """The output's lines as written before the 80-column wrapping: one per note or timer."""
    return [" ".join(entry.split()) for entry in result.stdout.split("\n  - ")]


def entry(result: Result, start: str) -> str:
    found = [line for line in entries(result) if line.startswith(start)]
    assert len(found) == 1, (start, result.stdout)
    return found[0]


def narrow(result: Result) -> None:
    assert result.exit_code == 0, (result.output, result.exception)
    assert all(len(line) <= 80 for line in result.stdout.splitlines()), result.stdout
    assert NAME not in result.output


def test_a_0_1_case_opened_by_the_s20_hand_off_moves_to_1_0_and_runs_on_it(engine: Engine) -> None:
    reference = open_0_1_by_the_s20_hand_off(engine)
    opened = case_row(engine, reference)
    assert (opened.definition_version, opened.state) == ("0.1", "needs_assessment")
    assert set(timers_of(engine, reference)) == {"needs_assessment", "pre18_panel"}

    before, timers_before, trail_before = opened, timers_of(engine, reference), audit_rows(engine)
    dry = migrate(reference, "--dry-run", "--as", "coord.dartford")
    narrow(dry)
    out = " ".join(dry.stdout.split())
    assert f"{reference}: dry run, nothing written: would move to {PATHWAY} 1.0" in out
    assert "steps 1.0 adds: B3-B10 Transition planning and support" in out
    assert "Support ended at 21 (an ending)" in out
    assert "0.1 counted the needs assessment from the 16th birthday only" in out
    assert "errs early and never late" in out
    assert "personal_adviser, independent_reviewing_officer, placement_type" in out
    assert "timer it would start: accommodation_plan_by_18, due" in out
    assert "timer it would start: pa_support_21, due" in out
    assert "timers running on: needs_assessment, pre18_panel" in out
    assert "already overdue" not in out and "would close" not in out
    after = case_row(engine, reference)
    assert (after.definition_version, after.state, after.facts, after.version) == (
        before.definition_version,
        before.state,
        before.facts,
        before.version,
    )
    assert {n: t.model_dump() for n, t in timers_of(engine, reference).items()} == {
        n: t.model_dump() for n, t in timers_before.items()
    }
    assert len(audit_rows(engine)) == len(trail_before)

    moved = migrate(reference, "--to", "1.0", "--as", "coord.dartford")
    narrow(moved)
    assert moved.stdout.startswith(f"{reference}: moved to {PATHWAY} 1.0")
    assert "timer started: pa_support_21" in moved.stdout

    case = case_row(engine, reference)
    assert (case.definition_version, case.state, case.status) == ("1.0", "needs_assessment", "open")
    assert case.facts["legal_status"] == "looked_after_s20"
    assert case.facts["looked_after"] is True and case.facts["under_18_at_opening"] is True
    assert case.facts["legal_basis"] == "s20"
    assert case.facts["needs_assessment_from"] == "16th_birthday"
    assert case.facts["case_policy"]["care_leaver_local_connection"] == "while_s23c_duty"
    assert "personal_adviser" not in case.facts
    timers = timers_of(engine, reference)
    assert set(timers) == {
        "needs_assessment",
        "pre18_panel",
        "accommodation_plan_by_18",
        "turns_18",
        "pa_support_21",
    }
    for name, rule in (
        ("accommodation_plan_by_18", "accommodation-plan-by-18"),
        ("turns_18", "age-18"),
        ("pa_support_21", "pa-support-21"),
    ):
        started = timers[name]
        assert (started.status, started.rule_id, started.started_at) == ("open", rule, MOVED_AT)
        assert started.due_at == compute_deadline(rule, BORN).due_at
    assert london_date(timers["accommodation_plan_by_18"].due_at) == date(2027, 6, 14)
    assert london_date(timers["pa_support_21"].due_at) == date(2030, 6, 14)
    # The running clocks keep their dates; the step that closes the panel is now 1.0's.
    assert timers["pre18_panel"].due_at == timers_before["pre18_panel"].due_at
    assert timers["pre18_panel"].closed_by == ["record_pre18_panel"]

    (event,) = audit_rows(engine, MIGRATED)
    assert (event.actor, event.role, event.case_reference) == (
        "coord.dartford",
        "coordinator",
        reference,
    )
    assert event.before == {"version": "0.1", "state": "needs_assessment"}
    assert event.after is not None
    assert (event.after["version"], event.after["state"]) == ("1.0", "needs_assessment")
    assert event.after["timers_opened"] == ["accommodation_plan_by_18", "turns_18", "pa_support_21"]
    assert event.after["timers_kept"] == ["needs_assessment", "pre18_panel"]
    assert event.after["timers_closed"] == [] and event.after["timers_overdue"] == []
    assert event.after["facts_set"]["looked_after"] is True
    assert any("record_cohort_details" in note for note in event.after["notes"])
    assert event.basis.startswith("issue #12")

    log = CliRunner().invoke(app, ["audit", "log", "--case", reference, "--json"])
    assert log.exit_code == 0, log.output
    actions = [row["action"] for row in json.loads(log.stdout)["events"]]
    assert actions.index(f"{PATHWAY}.case.created") < actions.index(MIGRATED)
    verified = CliRunner().invoke(app, ["audit", "verify", "--case", reference])
    assert verified.exit_code == 0, verified.output
    timeline = read_auditor_timeline(acting("coord.dartford"), reference, RunHistory())
    assert not isinstance(timeline, Refusal), timeline
    assert timeline.chain.ok, timeline.chain.problem
    shown = [entry for entry in timeline.entries if entry.title == MIGRATED]
    assert [(e.actor, e.basis) for e in shown] == [("coord.dartford", event.basis)]

    # 1.0's own steps on the moved case.
    cohort = {
        "personal_adviser": "pa.dartford",
        "placement_type": "supported",
        "consent_to_share_with_lha": True,
    }
    assert record(engine, reference, "record_cohort_details", "sw.dartford", **cohort) == (
        "needs_assessment"
    )
    assert record(
        engine, reference, "record_needs_assessment", "sw.dartford", completed_on="2026-11-27"
    ) == ("pathway_planning")
    assert record(
        engine, reference, "record_pathway_plan", "pa.dartford", agreed_on="2026-11-30"
    ) == ("transition_planning")
    timers = timers_of(engine, reference)
    assert timers["needs_assessment"].status == "closed"
    # Looked after, so the plan is reviewed at the looked-after reviews, not on its own clock.
    assert "pathway_plan_review" not in timers
    moved_case = case_row(engine, reference)
    assert moved_case.facts["personal_adviser"] == "pa.dartford"
    assert moved_case.facts["needs_assessment_on"] == "2026-11-27"

    with session_scope(engine) as session:
        assert audit.verify_chain(session).ok
    for row in audit_rows(engine):
        assert NAME not in json.dumps(row.model_dump(), default=str)
        assert BORN.isoformat() not in json.dumps(row.after or {}, default=str)

    again = migrate(reference, "--as", "coord.dartford")
    assert again.exit_code == 4
    assert "already on care-leaver-transition 1.0" in again.stderr


def test_a_0_2_case_moves_to_1_0_and_a_clock_already_past_is_overdue(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = open_0_2(engine, monkeypatch, LOOKED_AFTER_0_2)
    opened = case_row(engine, reference)
    assert opened.definition_version == "0.2"
    assert set(timers_of(engine, reference)) == {
        "needs_assessment_after_eligibility",
        "pre18_panel",
    }

    dry = migrate(reference, "--dry-run", "--as", "coord.dartford")
    narrow(dry)
    out = " ".join(dry.stdout.split())
    assert "would move to care-leaver-transition 1.0" in out
    overdue = entry(dry, "timer it would start: accommodation_plan_by_18, due")
    assert overdue.endswith("(already overdue: the sweep breaches it at once)"), overdue
    assert "overdue" not in entry(dry, "timer it would start: pa_support_21, due")
    assert "0.1 counted" not in out
    assert case_row(engine, reference).definition_version == "0.2"
    assert audit_rows(engine, MIGRATED) == []

    moved = migrate(reference, "--as", "coord.dartford")
    narrow(moved)
    assert "(already overdue" in " ".join(moved.stdout.split())
    case = case_row(engine, reference)
    assert case.definition_version == "1.0"
    # 0.2 recorded it at opening: the case keeps the policy it opened under.
    assert case.facts["case_policy"] == opened.facts["case_policy"] | {
        "care_leaver_local_connection": "while_s23c_duty"
    }
    timers = timers_of(engine, reference)
    late = timers["accommodation_plan_by_18"]
    assert late.due_at == compute_deadline("accommodation-plan-by-18", TURNED_18).due_at
    assert late.due_at < MOVED_AT and late.next_fire_at == late.due_at and late.warn_at is None
    assert timers["needs_assessment_after_eligibility"].status == "open"
    (event,) = audit_rows(engine, MIGRATED)
    assert event.after is not None
    assert event.after["timers_overdue"] == ["accommodation_plan_by_18", "turns_18"]
    assert (
        record(
            engine, reference, "record_needs_assessment", "sw.dartford", completed_on="2026-11-27"
        )
        == "pathway_planning"
    )
    assert timers_of(engine, reference)["needs_assessment_after_eligibility"].status == "closed"


def test_a_former_relevant_child_s_pre_18_clocks_are_closed_by_the_move(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = open_0_2(engine, monkeypatch, FORMER_RELEVANT_0_2)
    assert set(timers_of(engine, reference)) == {"needs_assessment", "pre18_panel"}

    dry = migrate(reference, "--dry-run", "--as", "coord.dartford")
    narrow(dry)
    assert "timer it would close: needs_assessment" in dry.stdout
    assert "timer it would close: pre18_panel" in dry.stdout
    assert "accommodation_plan_by_18" not in dry.stdout
    assert all(t.status == "open" for t in timers_of(engine, reference).values())

    moved = migrate(reference, "--as", "coord.dartford")
    narrow(moved)
    assert "timer closed: pre18_panel" in moved.stdout
    timers = timers_of(engine, reference)
    assert {n: t.status for n, t in timers.items()} == {
        "needs_assessment": "closed",
        "pre18_panel": "closed",
        "pa_support_21": "open",
    }
    assert all(timers[n].closed_at == MOVED_AT for n in ("needs_assessment", "pre18_panel"))
    case = case_row(engine, reference)
    assert case.facts["looked_after"] is False and case.facts["under_18_at_opening"] is False
    assert case.facts["needs_assessment_from"] == "assessed_before_18"
    (event,) = audit_rows(engine, MIGRATED)
    assert event.after is not None
    assert event.after["timers_closed"] == ["needs_assessment", "pre18_panel"]
    assert event.after["timers_kept"] == []
    with session_scope(engine) as session:
        assert audit.verify_chain(session).ok


def test_a_step_with_no_counterpart_is_refused_and_the_refusal_audited(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = open_0_1_by_the_s20_hand_off(engine)
    declared = version_moves.CARE_LEAVER_0_1_TO_1_0
    # A move that has no place for the needs-assessment step.
    narrower = replace(
        declared, steps={"referred": "referred", "pathway_planning": "pathway_planning"}
    )
    monkeypatch.setitem(version_moves.MOVES, declared.key, narrower)

    dry = migrate(reference, "--dry-run", "--as", "coord.dartford")
    assert dry.exit_code == 4
    assert audit_rows(engine, f"{PATHWAY}.case.migrate.refused") == []
    done = migrate(reference, "--as", "coord.dartford")
    assert done.exit_code == 4
    reason = "step 'needs_assessment' has no declared place in care-leaver-transition 1.0"
    assert reason in " ".join(done.stderr.split())
    assert case_row(engine, reference).definition_version == "0.1"
    (refused,) = audit_rows(engine, f"{PATHWAY}.case.migrate.refused")
    assert refused.case_reference == reference and refused.after is not None
    assert reason in refused.after["reason"] and refused.after["code"] == "refused"
    assert audit_rows(engine, MIGRATED) == []


def test_a_version_with_no_declared_move_is_refused_naming_to(engine: Engine) -> None:
    reference = open_0_1_by_the_s20_hand_off(engine)
    trail = len(audit_rows(engine))
    unknown = migrate(reference, "--to", "2.0", "--as", "coord.dartford")
    assert unknown.exit_code == 2
    assert "to: no declared move care-leaver-transition@0.1 -> 2.0" in unknown.stderr
    assert "care-leaver-transition@0.1 -> 1.0" in unknown.stderr
    assert case_row(engine, reference).definition_version == "0.1"
    assert len(audit_rows(engine)) == trail


def test_all_lists_and_moves_care_leaver_cases_too(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_0_1 = open_0_1_by_the_s20_hand_off(engine)
    on_0_2 = open_0_2(engine, monkeypatch, LOOKED_AFTER_0_2)
    # The intake case the hand-off closed keeps its version: a closed case is not listed.
    listed = migrate("--all", "--dry-run", "--as", "coord.dartford")
    narrow(listed)
    assert f"{on_0_1}: dry run, nothing written: would move to {PATHWAY} 1.0" in listed.stdout
    assert f"{on_0_2}: dry run, nothing written: would move to {PATHWAY} 1.0" in listed.stdout
    assert INTAKE_REF not in listed.stdout

    only_1_1 = migrate("--all", "--to", "1.1", "--as", "coord.dartford")
    assert only_1_1.exit_code == 0
    assert "no open case you may act on has a declared move" in only_1_1.stdout

    done = migrate("--all", "--to", "1.0", "--as", "coord.dartford")
    narrow(done)
    assert f"{on_0_1}: moved" in done.stdout and f"{on_0_2}: moved" in done.stdout
    assert {case_row(engine, ref).definition_version for ref in (on_0_1, on_0_2)} == {"1.0"}
    assert {row.case_reference for row in audit_rows(engine, MIGRATED)} == {on_0_1, on_0_2}


def test_a_birthday_clock_with_no_date_of_birth_to_count_from_is_refused(engine: Engine) -> None:
    reference = open_0_1_by_the_s20_hand_off(engine)
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        person = session.exec(select(Person).where(Person.case_id == case.id)).one()
        person.date_of_birth = None
        session.add(person)
    done = migrate(reference, "--as", "coord.dartford")
    assert done.exit_code == 4
    reason = "timer 'accommodation_plan_by_18' counts from 'young_person.date_of_birth'"
    assert reason in " ".join(done.stderr.split())
    assert case_row(engine, reference).definition_version == "0.1"
    assert set(timers_of(engine, reference)) == {"needs_assessment", "pre18_panel"}
    (refused,) = audit_rows(engine, f"{PATHWAY}.case.migrate.refused")
    assert refused.after is not None and reason in refused.after["reason"]
