"""Two sweepers at once never fire a timer twice (SKIP LOCKED on PostgreSQL, the write lock on
SQLite), and a sweep only reads due rows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from application.sweep import SweepResult, fire_due_timers
from infrastructure.audit import verify_chain
from infrastructure.db import session_scope
from models import AuditEvent, Notification, Timer
from tests.support.cases import start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

T0 = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)


def test_concurrent_sweepers_fire_each_timer_once(app_engine: Engine) -> None:
    for number in range(12):
        start_case(
            pathway="example",
            authority_id="maidstone",
            payload={"young_person": {"full_name": f"Person {number}"}},
            actor="ho1",
            role="lha-housing-officer",
            now=T0,
        )
    late = T0 + timedelta(days=2)
    results: list[SweepResult] = []

    def sweeper() -> None:
        # Small batches make the two sweepers interleave batch by batch.
        while (batch := fire_due_timers(app_engine, late, limit=2)).fired:
            results.append(batch)

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(batch.fired for batch in results) == 12
    with session_scope(app_engine) as session:
        breaches = session.exec(
            select(AuditEvent.case_reference).where(AuditEvent.action == "timer.breach")
        ).all()
        assert len(breaches) == len(set(breaches)) == 12
        keys = session.exec(select(Notification.idempotency_key)).all()
        assert len(keys) == len(set(keys))
        assert (
            session.exec(
                select(func.count()).select_from(Timer).where(col(Timer.status) == "breached")
            ).one()
            == 12
        )
        assert verify_chain(session).ok
