"""``pathways clock`` within its bounds, run as the installed script against real databases.

One move goes at most PATHWAYS_MAX_CLOCK_MOVE_DAYS, and the clock goes backwards only while no
case exists. A refused move exits 2 with one line naming the argument and the rule, leaves the
clock where it was, and is audited as the operator who tried it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.directory import import_directory
from infrastructure import clock
from infrastructure.audit import verify_chain
from infrastructure.db import get_engine, migrate, session_scope
from infrastructure.settings import PROJECT_ROOT
from models import AuditEvent, Case
from models.clock import ClockOffset

PATHWAYS = Path(sys.executable).parent / "pathways"


def cli_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("PATHWAYS_")}
    return {
        **inherited,
        "PATHWAYS_DATABASE_URL": database_url,
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        "PATHWAYS_ALLOW_TIME_TRAVEL": "1",
        **extra,
    }


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PATHWAYS), "clock", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_usage_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: ")
    for fragment in fragments:
        assert fragment in line, line


def json_out(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def clock_events(engine: Engine) -> list[AuditEvent]:
    with session_scope(engine) as session:
        statement = select(AuditEvent).order_by(col(AuditEvent.id))
        return [e for e in session.exec(statement) if e.action.startswith("clock.")]


def offset_of(engine: Engine) -> timedelta:
    return clock.now(engine) - clock.system_now()


def test_advancing_99999_days_is_refused_moves_nothing_and_is_audited(
    migrated_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(migrated_database_url, tmp_path)
    engine = get_engine(migrated_database_url)

    result = run_cli(env, "advance", "99999d")

    assert_usage_error(
        result, "DURATION: '99999d'", "99999 days ahead", "at most 200 days",
        "PATHWAYS_MAX_CLOCK_MOVE_DAYS",
    )  # fmt: skip
    with session_scope(engine) as session:
        assert session.get(ClockOffset, 1) is None
    (refused,) = clock_events(engine)
    assert refused.action == "clock.refused.too_far"
    assert refused.actor.startswith("cli") and refused.role == "operator"
    assert refused.after is not None
    assert refused.after["attempted"] == "clock.advanced"
    assert refused.after["given"] == "99999d"
    assert refused.after["rule"] == "too_far"
    with session_scope(engine) as session:
        assert verify_chain(session).ok


def test_the_maximum_is_configured(sqlite_database_url: str, tmp_path: Path) -> None:
    migrate(sqlite_database_url)
    env = cli_env(sqlite_database_url, tmp_path, PATHWAYS_MAX_CLOCK_MOVE_DAYS="2")
    assert_usage_error(run_cli(env, "advance", "3d"), "at most 2 days")
    assert json_out(run_cli(env, "advance", "2d", "--json"))["offset_seconds"] > 2 * 86400 - 60


# The command line is the same on both databases; its use cases are tested on PostgreSQL too.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_clock_goes_back_only_while_no_case_exists(
    migrated_database_url: str, tmp_path: Path
) -> None:
    env = cli_env(migrated_database_url, tmp_path)
    engine = get_engine(migrated_database_url)

    # No case yet: going back is allowed.
    earlier = (clock.system_now() - timedelta(days=10)).isoformat(timespec="seconds")
    assert json_out(run_cli(env, "set", earlier, "--json"))["offset_seconds"] < 0

    with session_scope(engine) as session:
        import_directory(session)
        session.add(
            Case(
                reference="JP-TEST-0001",
                pathway="example",
                definition_version="1",
                authority_id="dartford",
                state="opened",
            )
        )
    # Forward is allowed with a case: 15 days on from 10 days back is 5 days ahead.
    assert json_out(run_cli(env, "advance", "15d", "--json"))["offset_seconds"] > 0
    ahead = offset_of(engine)

    # Back to real time is now a backwards move, and a case exists.
    assert_usage_error(
        run_cli(env, "reset"),
        "reset: the clock is ahead of real time",
        "does not move backwards while cases exist",
    )
    assert abs(offset_of(engine) - ahead) < timedelta(seconds=60)

    events = clock_events(engine)
    assert [e.action for e in events] == [
        "clock.set",
        "clock.advanced",
        "clock.refused.backwards_with_cases",
    ]
    assert all(e.actor.startswith("cli") and e.role == "operator" for e in events)
    with session_scope(engine) as session:
        assert verify_chain(session).ok
