"""The generic pathway flow on a real Prefect server, against SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.cases import apply_event
from application.sweep import sweep
from flows.dispatch import run_pathway_event
from infrastructure.audit import verify_chain
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent, Notification, Timer
from notifications.delivery import deliver_due
from simulation.smtp import SmtpSink
from tests.support.cases import EventRefusedError, acting_for, record_step, start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

HO = "lha-housing-officer"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
PAYLOAD = {"young_person": {"full_name": "Test Person", "date_of_birth": "2009-05-01"}}


def _open(now: datetime = T0) -> str:
    applied = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO, now=now
    )
    assert applied.status == "applied"
    return applied.case_reference


def _record_visit(reference: str, at: datetime) -> None:
    record_step(
        case_reference=reference,
        transition="record_visit",
        payload={"visited_family": True, "visited_young_person": True},
        actor="ho1",
        role=HO,
        now=at,
    )


def _timers(engine: Engine, reference: str) -> dict[str, Timer]:
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = session.exec(select(Timer).where(Timer.case_id == case.id)).all()
        return {f"{t.name}#{t.occurrence}": t for t in rows}


def test_opening_writes_state_timer_outbox_and_audit(app_engine: Engine) -> None:
    reference = _open()
    timers = _timers(app_engine, reference)
    assert timers["visit#1"].due_at == T0 + timedelta(hours=24)
    assert timers["visit#1"].warn_at == T0 + timedelta(hours=18)
    with session_scope(app_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        assert case.state == "awaiting_visit"
        outbox = session.exec(select(Notification).where(Notification.case_id == case.id)).all()
        assert {n.recipient for n in outbox} == {"lha", "ics"}
        assert all(n.event_type == "case_opened" for n in outbox)
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.case_reference == reference)
        ).all()
        # The run's own record (flows.run_facts) comes last: it is written as the run ends.
        assert actions == ["example.case.created", "example.open_referral", "flow_run.finished"]
        assert verify_chain(session).ok


def test_replaying_an_event_changes_nothing(app_engine: Engine) -> None:
    reference = _open()
    with session_scope(app_engine) as session:
        event = session.exec(select(CaseEvent)).one()
        before = session.exec(select(AuditEvent)).all()
    with session_scope(app_engine) as session:
        replay = apply_event(session, reference, event.id or 0)
    assert replay.replay and replay.status == "applied"
    with session_scope(app_engine) as session:
        assert len(session.exec(select(AuditEvent)).all()) == len(before)
        assert len(session.exec(select(Timer)).all()) == 1


def test_invalid_transition_is_refused_and_case_unchanged(app_engine: Engine) -> None:
    reference = _open()
    with pytest.raises(EventRefusedError, match="cannot be recorded at step"):
        record_step(
            case_reference=reference,
            transition="record_review",
            payload={"progress": "x"},
            actor="ho1",
            role=HO,
            now=T0,
        )
    with pytest.raises(EventRefusedError, match="visited_family: Field required") as refused:
        record_step(
            case_reference=reference,
            transition="record_visit",
            payload={"visited_young_person": True},
            actor="ho1",
            role=HO,
            now=T0,
        )
    assert refused.value.refusal.field == "visited_family"
    with session_scope(app_engine) as session:
        # The wrong move is on the record; the malformed input is not.
        refusals = session.exec(
            select(AuditEvent.action).where(col(AuditEvent.action).endswith(".refused"))
        ).all()
        assert refusals == ["example.record_review.refused"]
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        assert (case.state, case.version) == ("awaiting_visit", 2)


def test_forbidden_role_is_refused_with_403_and_audited(app_engine: Engine) -> None:
    reference = _open()
    with pytest.raises(EventRefusedError) as refused:
        record_step(
            case_reference=reference,
            transition="record_visit",
            payload={"visited_family": True, "visited_young_person": True},
            actor="pa1",
            role="personal-adviser",
            now=T0,
        )
    assert refused.value.refusal.http_status == 403
    with session_scope(app_engine) as session:
        forbidden = session.exec(
            select(AuditEvent).where(col(AuditEvent.action).endswith(".forbidden"))
        ).one()
        assert forbidden.actor == "pa1" and forbidden.case_reference == reference
        assert verify_chain(session).ok


def test_racing_events_are_serialised(app_engine: Engine) -> None:
    """Two coordinators record the visit at once: one wins, the other is re-checked and refused."""
    reference = _open()
    visit = {"visited_family": True, "visited_young_person": True}
    from application.cases import submit_event

    ho1, ho2 = acting_for("ho1", HO, "dartford"), acting_for("ho2", HO, "dartford")
    with session_scope(app_engine) as session:
        first = submit_event(
            session,
            case_reference=reference,
            transition="record_visit",
            payload=visit,
            acting=ho1,
            now=T0,
            idempotency_key="a",
        )
        second = submit_event(
            session,
            case_reference=reference,
            transition="withdraw",
            payload={},
            acting=ho2,
            now=T0,
            idempotency_key="b",
        )
    results: dict[str, str] = {}

    def apply(name: str, event_id: int) -> None:
        with session_scope(app_engine) as session:
            results[name] = apply_event(session, reference, event_id).status

    threads = [
        threading.Thread(target=apply, args=("visit", first.event_id)),  # type: ignore[union-attr]
        threading.Thread(target=apply, args=("withdraw", second.event_id)),  # type: ignore[union-attr]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Whichever ran second saw the other's result: visit then withdraw is allowed (ANY step),
    # withdraw then visit is not (the case is closed).
    assert sorted(results.values()) in (["applied", "applied"], ["applied", "rejected"])
    with session_scope(app_engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        assert case.state == "withdrawn"
        assert verify_chain(session).ok


def test_timer_warns_breaches_escalates_once_and_delivers(
    app_engine: Engine, smtp_sink: SmtpSink
) -> None:
    reference = _open()
    assert sweep(app_engine, T0 + timedelta(hours=17), run_pathway_event).fired == 0
    warned = sweep(app_engine, T0 + timedelta(hours=18, minutes=1), run_pathway_event)
    assert warned.by_kind == {"warning": 1}
    # The system was down from hour 19 to day 3: one breach, not one per missed minute.
    late = T0 + timedelta(days=3)
    assert sweep(app_engine, late, run_pathway_event).by_kind == {"breach": 1}
    assert sweep(app_engine, late + timedelta(minutes=1), run_pathway_event).fired == 0
    timer = _timers(app_engine, reference)["visit#1"]
    assert timer.status == "breached" and timer.next_fire_at is not None
    # One escalation level per escalation-step period along the LHA chain.
    first_level = sweep(app_engine, timer.next_fire_at + timedelta(seconds=1), run_pathway_event)
    assert first_level.by_kind == {"escalation": 1}
    delivered = deliver_due(app_engine, late + timedelta(days=30))
    assert delivered.sent >= 5 and delivered.dead == 0
    subjects = [mail.subject for mail in smtp_sink.received]
    assert any("OVERDUE" in s and reference in s for s in subjects)
    assert any("Escalated to you" in s for s in subjects)
    assert len({mail.key for mail in smtp_sink.received}) == len(smtp_sink.received)
    assert all("Test Person" not in mail.text() for mail in smtp_sink.received)


def test_recurring_review_reopens_when_recorded(app_engine: Engine) -> None:
    reference = _open()
    _record_visit(reference, T0 + timedelta(hours=2))
    record_step(
        case_reference=reference,
        transition="record_review",
        payload={"progress": "settled"},
        actor="ho1",
        role=HO,
        now=T0 + timedelta(days=6),
    )
    timers = _timers(app_engine, reference)
    assert timers["visit#1"].status == "closed"
    assert timers["weekly_review#1"].status == "closed"
    assert timers["weekly_review#2"].status == "open"
    assert timers["weekly_review#2"].due_at.date() == (T0 + timedelta(days=13)).date()


def test_each_event_is_one_flow_run_tagged_with_case_and_pathway(app_engine: Engine) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    reference = _open()
    _record_visit(reference, T0 + timedelta(hours=1))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{reference}"]))
        )
    assert sorted(run.name for run in runs) == [
        f"{reference} · open_referral",
        f"{reference} · record_visit",
    ]
    for run in runs:
        assert set(run.tags) == {f"case:{reference}", "pathway:example"}
        assert set(run.parameters) == {"case_ref", "event_id"}
