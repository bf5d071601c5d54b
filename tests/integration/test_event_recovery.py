"""An event written but never run (the caller died between the two) is run by the next sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.cases import Submitted, open_case, submit_event
from application.recovery import STALE_AFTER, running_alone, stale_pending_events
from flows.timer_sweep import timer_sweep
from infrastructure import clock
from infrastructure.db import session_scope
from models import Case, CaseEvent
from tests.support.cases import acting_for, start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

HO = "lha-housing-officer"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)


def _age(engine: Engine, event_id: int, by: timedelta) -> None:
    """Make an event look as if it was written ``by`` ago (wall clock, as recovery reads it)."""
    with session_scope(engine) as session:
        session.execute(
            update(CaseEvent)
            .where(col(CaseEvent.id) == event_id)
            .values(recorded_at=clock.system_now() - by)
        )


def _written_then_crashed(engine: Engine) -> tuple[str, int]:
    """A case with a step written at T0 + 1 h and never run; the clock at T0 + 2 h."""
    reference = start_case(
        pathway="example",
        authority_id="dartford",
        payload={"young_person": {"full_name": "Recovery Person"}},
        actor="ho1",
        role=HO,
        now=T0,
    ).case_reference
    with session_scope(engine) as session:
        submitted = submit_event(
            session,
            case_reference=reference,
            transition="record_visit",
            payload={"visited_family": True, "visited_young_person": True},
            acting=acting_for("ho1", HO, "dartford"),
            now=T0 + timedelta(hours=1),
            idempotency_key="written-then-crashed",
        )
        clock.set_virtual_time(session, T0 + timedelta(hours=2), frozen=True)
    assert isinstance(submitted, Submitted)
    return reference, submitted.event_id


def test_a_pending_event_is_left_alone_until_stale_then_run_once(app_engine: Engine) -> None:
    reference, event_id = _written_then_crashed(app_engine)
    # A caller may be about to run it: a fresh pending event is not taken over.
    assert stale_pending_events(app_engine) == []
    _age(app_engine, event_id, STALE_AFTER + timedelta(seconds=1))
    assert stale_pending_events(app_engine) == [("example", reference, event_id)]

    assert timer_sweep()["events_run"] == 1
    assert timer_sweep()["events_run"] == 0
    with session_scope(app_engine) as session:
        event = session.get(CaseEvent, event_id)
        assert event is not None and event.status == "applied"
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        assert case.state == "support"


def test_a_stale_event_another_sweeper_is_running_is_left_to_it(app_engine: Engine) -> None:
    _reference, event_id = _written_then_crashed(app_engine)
    _age(app_engine, event_id, STALE_AFTER * 2)
    if app_engine.dialect.name == "postgresql":
        # Two sweepers side by side (PostgreSQL only: SQLite runs one at a time).
        with running_alone(app_engine, event_id) as other_sweeper_has_it:
            assert other_sweeper_has_it
            assert timer_sweep()["events_run"] == 0
    assert timer_sweep()["events_run"] == 1
    # Found stale before it was applied, checked after: not run a second time.
    with running_alone(app_engine, event_id) as still_pending:
        assert not still_pending


def test_an_opening_left_pending_is_recovered_too(app_engine: Engine) -> None:
    with session_scope(app_engine) as session:
        opened = open_case(
            session,
            pathway="example",
            authority_id="dartford",
            payload={"young_person": {"full_name": "Recovery Person"}},
            acting=acting_for("ho1", HO, "dartford"),
            now=T0,
            idempotency_key="opened-then-crashed",
        )
        clock.set_virtual_time(session, T0, frozen=True)
    assert isinstance(opened, Submitted)
    _age(app_engine, opened.event_id, STALE_AFTER * 2)
    assert timer_sweep()["events_run"] == 1
    with session_scope(app_engine) as session:
        case = session.exec(select(Case).where(Case.reference == opened.case_reference)).one()
        assert case.state == "awaiting_visit"
