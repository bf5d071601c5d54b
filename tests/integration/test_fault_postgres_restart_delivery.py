"""Fault: PostgreSQL restarts during a delivery run (issue 16, point 5).

The application runs on a PostgreSQL server of the test's own (``tests.support.private_postgres``).
A delivery run claims the cases' notifications and its senders start sending; the relay holds
every message at DATA until the test has stopped the server, so each message is accepted while
the database is away and the run's first settle fails. The run settles the batch again once the
server is back (``notifications.settling``), rather than leaving the rows ``sending`` to be sent
a second time when their lease runs out. Then the server restarts between two runs, under the
engine's pooled connections: the next run recovers (``pool_pre_ping``). In the end every
notification is sent, once, and the audit chain, which covers each settled outcome, verifies.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from infrastructure.audit import verify_chain
from infrastructure.caches import reset_caches
from infrastructure.db import session_scope
from models import Notification
from notifications.delivery import DeliveryResult, deliver_due
from simulation.smtp import SmtpSink, free_port, serving
from tests.support.fault_app import app_on_private_postgres, open_example_cases
from tests.support.private_postgres import PrivatePostgres

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST_CASES = 4
WAIT_S = 30.0
"""Only stops a hung run from hanging the suite."""


@dataclass
class GatedRelay(SmtpSink):
    """Holds every message at DATA until ``release``; ``reached`` is set by the first."""

    reached: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.reached.set()
        await asyncio.to_thread(self.gate.wait, WAIT_S)
        return await super().handle_DATA(server, session, envelope)


def _rows(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))))


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def application(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[PrivatePostgres, Engine]]:
    with app_on_private_postgres(monkeypatch) as running:
        yield running


def test_a_restart_mid_delivery_and_between_runs_loses_and_repeats_nothing(
    application: tuple[PrivatePostgres, Engine],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server, engine = application
    relay = GatedRelay(free_port())
    monkeypatch.setenv("PATHWAYS_SMTP_URL", f"{relay.url}&cto=20")
    reset_caches()
    open_example_cases(engine, range(FIRST_CASES), "Restart Fault", T0)
    queued = len(_rows(engine))
    assert queued == 2 * FIRST_CASES

    caplog.set_level(logging.WARNING, logger="notifications.settling")
    results: list[DeliveryResult] = []
    with serving(relay):
        run = threading.Thread(target=lambda: results.append(deliver_due(engine, T0, senders=4)))
        run.start()
        assert relay.reached.wait(WAIT_S), "no message reached the relay"
        server.stop()
        relay.gate.set()
        _wait_for(
            lambda: any("connection failed" in record.getMessage() for record in caplog.records),
            "a settle to find the database gone",
        )
        server.start()
        run.join(WAIT_S)
        assert not run.is_alive(), "the delivery run did not finish"
    [during] = results
    assert (during.sent, during.retried, during.superseded) == (queued, 0, 0)

    # A restart between runs: every connection the engine's pool holds is dead.
    open_example_cases(engine, [FIRST_CASES], "Restart Fault", T0)
    server.restart()
    with serving(relay):
        after = deliver_due(engine, T0)
    assert after.sent == 2

    rows = _rows(engine)
    assert {(row.status, row.attempts) for row in rows} == {("sent", 1)}
    received = Counter(mail.key for mail in relay.received)
    assert received == Counter({row.idempotency_key: 1 for row in rows})
    with session_scope(engine) as session:
        report = verify_chain(session)
    assert report.ok, report
