"""The operations commands, run as the installed ``pathways`` script against real databases.

Notifications: a relay that is down (a closed local port) turns real deliveries into dead
letters once the retry schedule is spent; the operator lists and retries them (audited), the
relay comes back, and the real delivery flow sends them and the operations alerts.
Clock: refused without PATHWAYS_ALLOW_TIME_TRAVEL, audited with it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from prefect.settings import get_current_settings
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from application.directory import import_directory
from infrastructure import clock
from infrastructure.audit import verify_chain
from infrastructure.caches import reset_caches
from infrastructure.db import SCHEMA_HEAD, get_engine, migrate, session_scope
from infrastructure.settings import PROJECT_ROOT
from models import AuditEvent, Notification
from models.clock import ClockOffset
from notifications.delivery import deliver_due
from simulation.smtp import SmtpSink, free_port
from tests.support.cases import start_case

PATHWAYS = Path(sys.executable).parent / "pathways"
HO = "lha-housing-officer"
PAYLOAD = {"young_person": {"full_name": "Test Person", "date_of_birth": "2009-05-01"}}


def cli_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if k != "PATHWAYS_ALLOW_TIME_TRAVEL"}
    return {
        **inherited,
        "PATHWAYS_DATABASE_URL": database_url,
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        # The example pathway lives under tests/, which the installed script does not see.
        "PYTHONPATH": str(PROJECT_ROOT),
        "PATHWAYS_DEFINITION_MODULES": "tests.support.example_pathway",
        **extra,
    }


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PATHWAYS), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def assert_usage_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


def audit_actions(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))))


def json_out(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- clock -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("set", "2026-12-21T09:00"), ("advance", "26h"), ("reset",)])
def test_moving_the_clock_is_refused_without_time_travel(
    sqlite_database_url: str, tmp_path: Path, args: tuple[str, ...]
) -> None:
    migrate(sqlite_database_url)
    engine = get_engine(sqlite_database_url)
    result = run_cli(cli_env(sqlite_database_url, tmp_path), "clock", *args)
    assert_usage_error(result, "PATHWAYS_ALLOW_TIME_TRAVEL=1")
    with session_scope(engine) as session:
        assert session.get(ClockOffset, 1) is None
    assert audit_actions(engine) == []


def test_time_travel_is_refused_in_production(sqlite_database_url: str, tmp_path: Path) -> None:
    migrate(sqlite_database_url)
    env = cli_env(
        sqlite_database_url,
        tmp_path,
        PATHWAYS_ALLOW_TIME_TRAVEL="1",
        PATHWAYS_ENVIRONMENT="production",
        PATHWAYS_SESSION_SECRET="a-real-session-secret-for-this-test-0123456789",
        PATHWAYS_AUDIT_KEY="a-real-audit-chain-key-for-this-test-9876543210",
    )
    assert_usage_error(run_cli(env, "clock", "advance", "1h"), "never in production")


# The command line is the same on both databases; its use cases are tested on PostgreSQL too.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_set_advance_and_reset_move_the_shared_clock_and_are_audited(
    migrated_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(migrated_database_url, tmp_path, PATHWAYS_ALLOW_TIME_TRAVEL="1")
    engine = get_engine(migrated_database_url)
    target = datetime.fromisoformat("2026-12-21T09:00:00+00:00")

    before_set = clock.system_now()
    assert json_out(run_cli(env, "clock", "set", "2026-12-21T09:00", "--json"))["frozen"] is False
    # The clock keeps running from the moment it was set, so it is ahead of the target by at
    # most the real time that has passed since.
    shown = datetime.fromisoformat(json_out(run_cli(env, "clock", "show", "--json"))["now"])
    assert target <= shown <= target + (clock.system_now() - before_set)
    # Another process sees the same time: this test's own engine reads the shared clock.
    assert target <= clock.now(engine) <= target + (clock.system_now() - before_set)

    before_advance = clock.system_now()
    advanced = json_out(run_cli(env, "clock", "advance", "1d2h", "--json"))
    moved = datetime.fromisoformat(advanced["now"])
    assert target + timedelta(hours=26) <= moved
    assert moved <= target + timedelta(hours=26) + (clock.system_now() - before_set)

    reset = json_out(run_cli(env, "clock", "reset", "--json"))
    assert before_advance <= datetime.fromisoformat(reset["now"]) <= clock.system_now()
    assert abs(clock.now(engine) - clock.system_now()) <= clock.system_now() - before_advance

    assert audit_actions(engine) == ["clock.set", "clock.advanced", "clock.reset"]
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        assert all(event.actor.startswith("cli") and event.role == "operator" for event in events)
        assert events[1].before is not None and events[1].after is not None
        assert datetime.fromisoformat(events[1].after["now"]) == moved
        assert verify_chain(session).ok


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("set", "yesterday"), ("ISO_DATETIME", "'yesterday'")),
        (("set", "2026-02-30T09:00"), ("ISO_DATETIME", "'2026-02-30T09:00'")),
        (("advance", "3x"), ("DURATION", "'3x'", "26h")),
        (("advance", "0h"), ("DURATION", "longer than zero")),
        (("advance", ""), ("DURATION",)),
    ],
)
def test_bad_clock_arguments_exit_2_and_write_nothing(
    sqlite_database_url: str, tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    migrate(sqlite_database_url)
    env = cli_env(sqlite_database_url, tmp_path, PATHWAYS_ALLOW_TIME_TRAVEL="1")
    assert_usage_error(run_cli(env, "clock", *args), *fragments)
    assert audit_actions(get_engine(sqlite_database_url)) == []


# --- migrate and the unmigrated database ---------------------------------------------------


def test_ops_commands_refuse_an_unmigrated_database_until_migrate(tmp_path: Path) -> None:
    db_file = tmp_path / "fresh.db"
    env = cli_env(f"sqlite:///{db_file}", tmp_path)
    for args in (("notifications", "list"), ("notifications", "retry", "1"), ("clock", "show")):
        result = run_cli(env, *args)
        assert result.returncode == 1, result.stderr
        assert result.stderr.strip().splitlines() == [
            "error: the database is not migrated: run `pathways migrate` first"
        ]
    assert not db_file.exists()

    migrated = run_cli(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert f"at migration {SCHEMA_HEAD}" in migrated.stdout
    assert json_out(run_cli(env, "notifications", "list", "--json")) == []


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("notifications", "retry"), ("ID or --all-dead",)),
        (("notifications", "retry", "3", "--all-dead"), ("ID or --all-dead",)),
        (("notifications", "retry", "abc"), ("ID", "'abc'")),
        (("notifications", "retry", "999999"), ("ID", "no notification with id 999999")),
        (
            ("notifications", "list", "--status", "lost"),
            ("--status", "'lost'", "permanent-failure"),
        ),
        (("notifications", "dead-letters", "--limit", "x"), ("--limit", "'x'")),
        (("notifications", "list", "--case", "Jane Doe"), ("--case", "'Jane Doe'")),
        (("notifications", "list", "--limit", "0"), ("--limit", "'0'")),
    ],
)
def test_bad_notification_arguments_exit_2_and_write_nothing(
    sqlite_database_url: str, tmp_path: Path, args: tuple[str, ...], fragments: tuple[str, ...]
) -> None:
    migrate(sqlite_database_url)
    assert_usage_error(run_cli(cli_env(sqlite_database_url, tmp_path), *args), *fragments)
    assert audit_actions(get_engine(sqlite_database_url)) == []


# --- dead letters, retry and the real delivery flow ----------------------------------------


RETRY_SCHEDULE = "1m,2m"
ATTEMPTS = 3  # the first, and one after each wait


@pytest.fixture
def relay_down(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, int]]:
    """The application on a fresh database whose SMTP relay port has nothing listening, with
    a short retry schedule."""
    port = free_port()
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("PATHWAYS_RETRY_SCHEDULE", RETRY_SCHEDULE)
    monkeypatch.setenv(
        "PATHWAYS_SMTP_URL", f"mailto://127.0.0.1:{port}?from=pathways@localhost&mode=insecure"
    )
    reset_caches()
    engine = get_engine()
    with session_scope(engine) as session:
        import_directory(session)
    try:
        yield engine, port
    finally:
        engine.dispose()
        reset_caches()


def move_clock_on(engine: Engine, span: timedelta) -> None:
    with session_scope(engine) as session:
        clock.set_virtual_time(session, clock.now(engine) + span)


def statuses(engine: Engine) -> dict[int, tuple[str, int]]:
    with session_scope(engine) as session:
        rows = session.exec(select(Notification)).all()
        return {row.id or 0: (row.status, row.attempts) for row in rows}


# The command line is the same on both databases; its use cases are tested on PostgreSQL too.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("prefect_server")
def test_dead_letters_are_listed_retried_with_audit_and_delivered_when_the_relay_is_back(
    relay_down: tuple[Engine, int], tmp_path: Path
) -> None:
    engine, port = relay_down
    applied = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO
    )
    reference = applied.case_reference
    queued = statuses(engine)
    assert len(queued) == 2

    for attempt in range(1, ATTEMPTS + 1):
        outcome = deliver_due(engine, clock.now(engine))
        assert (outcome.sent, outcome.retried, outcome.dead) == (
            (0, 0, 2) if attempt == ATTEMPTS else (0, 2, 0)
        ), attempt
        move_clock_on(engine, timedelta(minutes=3))
    after = statuses(engine)
    assert {after[row_id] for row_id in queued} == {("permanent-failure", ATTEMPTS)}
    # Each dead letter queued its alert to the authority's operations route (here its LHA
    # inbox), not yet tried.
    alerts = set(after) - set(queued)
    assert len(alerts) >= 2 and {after[row_id] for row_id in alerts} == {("pending", 0)}

    env = cli_env(
        str(engine.url.render_as_string(hide_password=False)),
        tmp_path,
        PREFECT_API_URL=str(get_current_settings().api.url),
    )
    dead = json_out(
        run_cli(env, "notifications", "list", "--status", "permanent-failure", "--json")
    )
    assert {row["recipient"] for row in dead} == {"lha", "ics"}
    assert {row["case_reference"] for row in dead} == {reference}
    assert all(row["attempts"] == ATTEMPTS for row in dead)
    assert {(row["error_kind"], row["last_error"]) for row in dead} == {
        ("connection-refused", "connection refused")
    }
    table = run_cli(env, "notifications", "list", "--case", reference)
    assert table.returncode == 0, table.stderr
    assert reference in table.stdout and "permanent-failure" in table.stdout
    summary = json_out(run_cli(env, "notifications", "dead-letters", "--json"))
    assert (summary["total"], summary["by_kind"]) == (2, {"connection-refused": 2})
    assert all(row["alerted_at"] for row in summary["newest"])
    page = run_cli(env, "notifications", "dead-letters")
    assert page.returncode == 0, page.stderr
    assert "connection-refused 2" in page.stdout
    for shown in (json.dumps(dead), table.stdout, json.dumps(summary), page.stdout):
        # The route is a relay URL with the team inbox in it: operators see the label only.
        assert "mailto" not in shown and str(port) not in shown
        assert "Test Person" not in shown

    first, second = sorted(queued)
    audited = len(audit_actions(engine))
    # The relay comes back on the same port the routes name.
    sink = SmtpSink(port)
    relay = Controller(sink, hostname="127.0.0.1", port=port)
    relay.start()
    try:
        retried = run_cli(env, "notifications", "retry", str(first))
        assert retried.returncode == 0, retried.stderr
        assert statuses(engine)[first] == ("pending", 0)
        assert_usage_error(
            run_cli(env, "notifications", "retry", str(first)), "is pending", "dead letters"
        )
        everything = run_cli(env, "notifications", "retry", "--all-dead")
        assert everything.returncode == 0, everything.stderr
        assert str(second) in everything.stdout
        assert audit_actions(engine)[audited:] == ["notification.retried"] * 2

        delivered = json_out(run_cli(env, "deliver", "--json"))
        assert delivered == {"sent": 2 + len(alerts), "retried": 0, "dead": 0, "superseded": 0}
    finally:
        relay.stop()

    assert set(statuses(engine).values()) == {("sent", 1)}
    assert len(sink.received) == 2 + len(alerts)
    assert sum("NOT DELIVERED" in mail.subject for mail in sink.received) == len(alerts)
    assert all(reference in mail.subject for mail in sink.received)
    assert all("Test Person" not in mail.text() for mail in sink.received)
    with session_scope(engine) as session:
        retries = session.exec(
            select(AuditEvent).where(AuditEvent.action == "notification.retried")
        ).all()
        assert {event.case_reference for event in retries} == {reference}
        assert {(event.before or {}).get("status") for event in retries} == {"permanent-failure"}
        assert verify_chain(session).ok


# --- the sweep, on the shared clock ---------------------------------------------------------


# The command line is the same on both databases; its use cases are tested on PostgreSQL too.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.usefixtures("prefect_server")
def test_sweep_fires_what_is_due_after_the_clock_is_advanced(
    app_engine: Engine, tmp_path: Path
) -> None:
    applied = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO
    )
    env = cli_env(
        app_engine.url.render_as_string(hide_password=False),
        tmp_path,
        PATHWAYS_ALLOW_TIME_TRAVEL="1",
        PREFECT_API_URL=str(get_current_settings().api.url),
    )
    assert json_out(run_cli(env, "sweep", "--json"))["fired"] == {}
    # The example's joint-visit timer warns 18 hours in.
    assert run_cli(env, "clock", "advance", "19h").returncode == 0
    swept = json_out(run_cli(env, "sweep", "--json"))
    assert swept["fired"] == {"warning": 1}
    assert swept["notifications"] >= 1
    with session_scope(app_engine) as session:
        warned = session.exec(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "timer.warning",
                AuditEvent.case_reference == applied.case_reference,
            )
        ).one()
    assert warned == 1
