"""Fault: PostgreSQL restarts during a timer sweep (issue 16, point 5).

The application runs on a PostgreSQL server of the test's own (``tests.support.private_postgres``).
First the server restarts while a batch's transaction is open: the batch has claimed its timers
(``UPDATE ... RETURNING``) and waits for the audit chain's head, which the test holds locked.
That sweep fails and leaves nothing behind: the claim goes with its transaction. Then a sweep
runs with the server restarting between two of its batches, under the engine's pooled
connections (``pool_pre_ping``): it recovers and fires the rest. In the end every due timer has
fired exactly once, each firing has one audit event and its messages, and the audit trail, with
the digests its events cover, verifies.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import col, func, select

from application.audit_integrity import chain_status
from application.sweep import SweepResult, fire_due_timers, sweep
from infrastructure.db import session_scope
from models import AuditEvent, Notification, Timer
from tests.support.fault_app import app_on_private_postgres, open_example_cases
from tests.support.private_postgres import PrivatePostgres

T0 = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)  # a Monday, as in the concurrency test
LATE = T0 + timedelta(days=2)  # every visit timer is overdue, none escalated yet
CASES = 12
BATCH = 5
WAIT_S = 30.0
"""Only stops a hung sweep from hanging the suite."""


def _due(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Timer)
            .where(col(Timer.status).in_(("open", "warned")), col(Timer.next_fire_at) <= LATE)
        ).one()


def _firings(engine: Engine) -> Counter[str]:
    with session_scope(engine) as session:
        references = session.exec(
            select(AuditEvent.case_reference).where(col(AuditEvent.action).like("timer.%"))
        ).all()
        return Counter(str(reference) for reference in references)


def _timer_messages(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(Notification.idempotency_key).where(
                    col(Notification.idempotency_key).like("timer:%")
                )
            ).all()
        )


def _wait_for_a_lock_wait(server: PrivatePostgres) -> None:
    """Until a session of the test database waits on a lock: the batch, at the chain's head."""
    deadline = time.monotonic() + WAIT_S
    with psycopg.connect(server.admin_conninfo, autocommit=True) as connection:
        while True:
            found = connection.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND wait_event_type = 'Lock'",
                (server.database,),
            ).fetchone()
            if found and found[0]:
                return
            assert time.monotonic() < deadline, "the sweep never reached the audit head"
            time.sleep(0.05)


@pytest.fixture
def application(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PrivatePostgres, Engine]]:
    with app_on_private_postgres(monkeypatch) as running:
        yield running


def test_a_restart_inside_a_batch_and_between_batches_fires_each_timer_once(
    application: tuple[PrivatePostgres, Engine],
) -> None:
    server, engine = application
    open_example_cases(engine, range(CASES), "Sweep Restart", T0, authority="maidstone")
    assert _due(engine) == CASES
    ran: list[tuple[str, str, int]] = []

    def run_event(pathway: str, reference: str, event_id: int) -> None:
        ran.append((pathway, reference, event_id))

    # 1. A batch's transaction is open (its timers claimed) when the server goes away.
    failures: list[BaseException] = []

    def doomed_sweep() -> None:
        try:
            sweep(engine, LATE, run_event, batch_size=BATCH)
        except Exception as error:
            failures.append(error)

    holder = psycopg.connect(
        f"host=127.0.0.1 port={server.port} user=postgres dbname={server.database}"
    )
    holder.execute("SELECT * FROM audithead WHERE id = 1 FOR UPDATE")
    first = threading.Thread(target=doomed_sweep)
    first.start()
    _wait_for_a_lock_wait(server)
    server.restart()
    first.join(WAIT_S)
    assert not first.is_alive(), "the sweep did not end when its connection did"
    holder.close()
    [failure] = failures
    assert isinstance(failure, OperationalError), failure
    # Nothing of the failed batch is left: its claim went with its transaction.
    assert _due(engine) == CASES
    assert _firings(engine) == Counter()
    assert _timer_messages(engine) == []

    # 2. The next sweep, with the server restarting between its first and second batch.
    batches: list[SweepResult] = []

    def fire_batch(now: datetime, limit: int) -> SweepResult:
        done = fire_due_timers(engine, now, limit)
        batches.append(done)
        if len(batches) == 1:
            server.restart()
        return done

    result = sweep(engine, LATE, run_event, batch_size=BATCH, fire_batch=fire_batch)
    assert result.fired == CASES
    assert [batch.fired for batch in batches] == [BATCH, BATCH, CASES - 2 * BATCH, 0]
    assert ran == []

    # Every due timer fired exactly once, with its messages, and the trail verifies.
    firings = _firings(engine)
    assert len(firings) == CASES and set(firings.values()) == {1}
    assert _due(engine) == 0
    keys = _timer_messages(engine)
    assert len(keys) == len(set(keys)) == result.notifications > 0
    assert sweep(engine, LATE, run_event, batch_size=BATCH).fired == 0
    with session_scope(engine) as session:
        status = chain_status(session)
    assert status.ok, status
