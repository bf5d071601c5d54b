"""Routes are references resolved when a message is sent (issue 10, point 3), against real
databases, real flows and two real SMTP sinks.

A case is queued while ``PATHWAYS_SMTP_URL`` names one relay, the relay changes, and what was
queued, and what had failed permanently and is retried by an operator, goes through the new
relay and never the old one; ``pathways deliver`` uses the relay of its own environment. The
relay URL carries a canary password, and afterwards no table holds it or the relay URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from prefect.settings import get_current_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select

from application.outbox_admin import retry_dead_letters
from infrastructure import clock
from infrastructure.caches import reset_caches
from infrastructure.db import migrate, session_scope
from infrastructure.settings import PROJECT_ROOT
from models import Notification
from notifications.dead_letters import DEAD_LETTER_TEMPLATE
from notifications.delivery import deliver_due
from simulation.smtp import SmtpSink, free_port, running_sink
from tests.support.cases import start_case
from tests.support.running_app import running_app

pytestmark = pytest.mark.usefixtures("prefect_server")

PATHWAYS = Path(sys.executable).parent / "pathways"
HO = "lha-housing-officer"
PAYLOAD = {"young_person": {"full_name": "Test Person", "date_of_birth": "2009-05-01"}}
CANARY = "Cz9qCanaryPw7"
LHA_INBOX = "housingoptions@dartford.gov.uk"  # the directory's, reached here only in a sink


def relay_url(port: int, password: str | None = None) -> str:
    user = f"pathways:{password}@" if password else ""
    return f"mailto://{user}127.0.0.1:{port}?from=pathways@localhost&mode=insecure&cto=2"


@contextmanager
def configured(database_url: str, env: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The application on a fresh database; its relay, for now, a down one with a password."""
    env.setenv("PATHWAYS_SMTP_URL", relay_url(free_port(), CANARY))
    for name in ("PATHWAYS_RETRY_SCHEDULE", "PATHWAYS_OPERATIONS_EMAIL", "PATHWAYS_ROUTES"):
        env.delenv(name, raising=False)
    with running_app(database_url, env) as engine:
        yield engine


@pytest.fixture
def application(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, pytest.MonkeyPatch]]:
    with configured(migrated_database_url, monkeypatch) as engine:
        yield engine, monkeypatch


def use_relay(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("PATHWAYS_SMTP_URL", url)
    reset_caches()


def open_case() -> str:
    applied = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO
    )
    return applied.case_reference


def rows(engine: Engine, *, alerts: bool = True) -> list[Notification]:
    """The outbox, with or without the dead-letter alerts that permanent failures queue."""
    with session_scope(engine) as session:
        found = list(session.exec(select(Notification).order_by(Notification.id)))  # type: ignore[arg-type]
        session.expunge_all()
    return [row for row in found if alerts or row.event_type != DEAD_LETTER_TEMPLATE]


def every_table(engine: Engine) -> dict[str, str]:
    """Each table's rows as JSON text, ``last_error`` aside (delivery's own, redacted, text)."""
    dumped = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.tables:
            found = connection.execute(text(f'SELECT * FROM "{table}"')).mappings()
            values = [{k: v for k, v in row.items() if k != "last_error"} for row in found]
            dumped[table] = json.dumps(values, default=str)
    return dumped


def assert_no_relay_url_or_password(engine: Engine) -> None:
    tables = every_table(engine)
    assert LHA_INBOX in tables["authority"] and "email:" in tables["notification"]
    for table, dumped in tables.items():
        assert CANARY not in dumped, table
        assert "mailto" not in dumped, table
    errors = [row.last_error or "" for row in rows(engine)]
    assert all(CANARY not in error for error in errors)


def test_queued_and_retried_dead_letters_go_through_the_relay_configured_when_sent(
    application: tuple[Engine, pytest.MonkeyPatch], smtp_sink: SmtpSink
) -> None:
    engine, env = application
    # Queued with the first relay, which is down: no retries left, so a permanent failure.
    first = open_case()
    result = deliver_due(engine, clock.now(engine), schedule=())
    assert result.dead == 2, result
    assert {row.status for row in rows(engine, alerts=False)} == {"permanent-failure"}

    old = smtp_sink
    use_relay(env, old.url)
    second = open_case()  # queued while the relay is the old sink, not sent yet

    with running_sink() as new:
        use_relay(env, new.url)
        with session_scope(engine) as session:
            retried = retry_dead_letters(
                session, now=clock.now(engine), actor="ops1", role="system"
            )
        assert len(retried) == 2
        deliver_due(engine, clock.now(engine))
        deliver_due(engine, clock.now(engine))  # the dead-letter alerts queued meanwhile

    assert old.received == []
    assert {row.status for row in rows(engine)} == {"sent"}
    keys = {mail.key for mail in new.received}
    assert {row.idempotency_key for row in rows(engine)} <= keys
    subjects = " ".join(mail.subject + mail.text() for mail in new.to(LHA_INBOX))
    assert first in subjects and second in subjects
    assert_no_relay_url_or_password(engine)


@pytest.fixture
def sqlite_application(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, pytest.MonkeyPatch]]:
    # One backend is enough here: the command's start-up (importing Prefect) is what costs.
    migrate(sqlite_database_url)
    with configured(sqlite_database_url, monkeypatch) as engine:
        yield engine, monkeypatch


def test_pathways_deliver_uses_the_relay_of_its_own_environment(
    sqlite_application: tuple[Engine, pytest.MonkeyPatch], smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    engine, env = sqlite_application
    use_relay(env, smtp_sink.url)
    reference = open_case()
    with running_sink() as other:
        done = subprocess.run(
            [str(PATHWAYS), "deliver", "--json"],
            env={
                **os.environ,
                "PATHWAYS_SMTP_URL": other.url,
                "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
                "PYTHONPATH": str(PROJECT_ROOT),
                "PATHWAYS_DEFINITION_MODULES": "tests.support.example_pathway",
                "PREFECT_API_URL": str(get_current_settings().api.url),
            },
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        received = list(other.received)
    assert smtp_sink.received == []
    assert len(received) == 2
    assert all(reference in mail.subject + mail.text() for mail in received)
    assert {row.status for row in rows(engine)} == {"sent"}
