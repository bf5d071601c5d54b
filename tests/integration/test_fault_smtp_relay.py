"""Fault: the SMTP relay is down, then back (issue 16, point 5).

Real cases queue their notifications; the relay (an aiosmtpd sink on a fixed port) is down, so
nothing listens there. Delivery runs on the shared virtual clock walk the messages through the
retry schedule (``PATHWAYS_RETRY_SCHEDULE=1m,5m``: tried at 0, 1 and 6 minutes, nothing in
between), until they are dead letters, each with its operations alert, which fails the same way.
The operator sees them all with ``pathways notifications dead-letters``; the relay comes back on
the same port; ``pathways notifications retry --all-dead`` queues them again, and one delivery
run on the usual senders sends every one of them, each exactly once per idempotency key, with
the audit chain intact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.directory import import_directory
from infrastructure import clock
from infrastructure.audit import verify_chain
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import PROJECT_ROOT
from models import Notification
from notifications.dead_letters import DEAD_LETTER_TEMPLATE
from notifications.delivery import deliver_due
from simulation.smtp import SmtpSink, free_port, serving
from tests.support.fault_app import open_example_cases

PATHWAYS = Path(sys.executable).parent / "pathways"
OPS = "pathways-ops@test.example"
CASES = 3
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5))


@pytest.fixture
def relay(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, SmtpSink]]:
    """The application on a fresh database, its relay's port with nothing listening yet."""
    sink = SmtpSink(free_port())
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv(
        "PATHWAYS_SMTP_URL",
        f"mailto://127.0.0.1:{sink.port}?from=pathways@localhost&mode=insecure&cto=2",
    )
    monkeypatch.setenv("PATHWAYS_RETRY_SCHEDULE", "1m,5m")
    monkeypatch.setenv("PATHWAYS_OPERATIONS_EMAIL", OPS)
    monkeypatch.delenv("PATHWAYS_ROUTES", raising=False)
    reset_caches()
    engine = get_engine()
    with session_scope(engine) as session:
        import_directory(session)
    try:
        yield engine, sink
    finally:
        engine.dispose()
        reset_caches()


def _at(engine: Engine, moment: datetime) -> datetime:
    with session_scope(engine) as session:
        clock.set_virtual_time(session, moment, frozen=True)
    return moment


def _rows(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))))


def _cli(engine: Engine, tmp_path: Path, *args: str) -> Any:
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "PATHWAYS_DEFINITION_MODULES": "tests.support.example_pathway",
    }
    done = subprocess.run(
        [str(PATHWAYS), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _walk_to_dead_letters(engine: Engine, start: datetime) -> datetime:
    """Delivery runs at each retry of the schedule, and half-way between, with the relay down;
    the moment of the last one (the rows dead)."""
    moment = start
    for attempt, wait in enumerate([*BACKOFF, None], start=1):
        due = {row.id for row in _rows(engine) if row.status in ("pending", "temporary-failure")}
        outcome = deliver_due(engine, _at(engine, moment))
        assert (outcome.sent, outcome.superseded) == (0, 0), attempt
        assert outcome.handled == len(due), attempt
        after = {row.id: row for row in _rows(engine)}
        tried = [after[row_id] for row_id in due]
        assert {(row.attempts, row.last_error_kind, row.last_error) for row in tried} == {
            (attempt, "connection-refused", "connection refused")
        }
        if wait is None:
            assert outcome.dead == len(due)
            assert {row.status for row in tried} == {"permanent-failure"}
            return moment
        assert outcome.retried == len(due)
        assert {(row.status, row.next_attempt_at) for row in tried} == {
            ("temporary-failure", moment + wait)
        }
        # Nothing is tried before its backoff has passed.
        assert deliver_due(engine, _at(engine, moment + wait / 2)).handled == 0
        moment += wait
    raise AssertionError("unreachable")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_messages_back_off_then_dead_letter_and_a_retry_delivers_each_once_when_the_relay_is_back(
    relay: tuple[Engine, SmtpSink], tmp_path: Path
) -> None:
    engine, sink = relay
    open_example_cases(engine, range(CASES), "Relay Fault", T0)
    originals = {row.id: row.idempotency_key for row in _rows(engine)}
    assert len(originals) == 2 * CASES  # the LHA and ICS inboxes of each case

    dead_at = _walk_to_dead_letters(engine, T0)
    # Each dead letter queued its operations alert; with the relay still down they go the same
    # way, and raise no alert about themselves.
    alerts = {row.id for row in _rows(engine) if row.event_type == DEAD_LETTER_TEMPLATE}
    assert len(alerts) == len(originals)
    _walk_to_dead_letters(engine, dead_at)
    rows = _rows(engine)
    assert {row.status for row in rows} == {"permanent-failure"}
    assert len(rows) == 2 * len(originals)

    shown = json.loads(_cli(engine, tmp_path, "notifications", "dead-letters", "--json"))
    assert (shown["total"], shown["by_kind"]) == (len(rows), {"connection-refused": len(rows)})
    assert {(row["id"], row["alerted_at"] is not None) for row in shown["newest"]} == {
        (row.id, row.id in originals) for row in rows
    }

    with serving(sink):
        queued = _cli(engine, tmp_path, "notifications", "retry", "--all-dead")
        assert queued.startswith("queued again: ")
        outcome = deliver_due(engine, clock.now(engine))
    assert (outcome.sent, outcome.retried, outcome.dead) == (len(rows), 0, 0)

    delivered = _rows(engine)
    assert {(row.status, row.attempts) for row in delivered} == {("sent", 1)}
    received = Counter(mail.key for mail in sink.received)
    assert received == Counter({row.idempotency_key: 1 for row in delivered})
    assert len(sink.to(OPS)) == len(alerts)
    with session_scope(engine) as session:
        assert verify_chain(session).ok
