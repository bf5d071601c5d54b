"""The demo-mail guard on real databases, and ``pathways serve`` refusing, before it starts
anything, to run a database of demo cases against a real relay (issue 10, point 4)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from infrastructure import audit
from infrastructure.db import make_engine, migrate, session_scope
from infrastructure.settings import PROJECT_ROOT
from pathways.demo_mail import DEMO_SEEDED_ACTION, SIMULATION_ACTOR
from runtime.demo_mail_guard import DemoMailRefusedError, database_has_demo_cases, may_seed_demo
from simulation.smtp import free_port

PATHWAYS = Path(sys.executable).parent / "pathways"
CANARY = "Cz9qCanaryPw7"
REAL_RELAY = f"mailtos://pathways:{CANARY}@relay.council.example:587?from=pathways@council.example"


def mark_demo(
    engine: Engine, *, actor: str = SIMULATION_ACTOR, action: str = "case.opened"
) -> None:
    with session_scope(engine) as session:
        audit.record(session, actor=actor, role="system", action=action, basis="demo data")


def test_demo_cases_are_recognised_by_the_marker_or_the_simulation_actor(
    db_engine: Engine,
) -> None:
    assert database_has_demo_cases(db_engine) is False
    mark_demo(db_engine, actor="ho1")
    assert database_has_demo_cases(db_engine) is False
    mark_demo(db_engine, actor="system", action=DEMO_SEEDED_ACTION)
    assert database_has_demo_cases(db_engine) is True


def test_a_seeding_cut_short_still_counts(db_engine: Engine) -> None:
    mark_demo(db_engine)  # the simulation actor acted, the completion marker never came
    assert database_has_demo_cases(db_engine) is True


def guard(engine: Engine, said: list[str], *, sink: bool = False, allowed: bool = False) -> bool:
    return may_seed_demo(
        engine,
        demo_requested=True,
        relay_is_local_sink=sink,
        real_relay_allowed=allowed,
        smtp_url=REAL_RELAY,
        say=said.append,
    )


def test_the_guard_skips_the_demo_with_a_real_relay_and_says_so_once(db_engine: Engine) -> None:
    said: list[str] = []
    assert guard(db_engine, said) is False
    assert len(said) == 1 and "not seeded" in said[0]
    assert "mailtos://***@relay.council.example:587" in said[0] and CANARY not in said[0]


def test_the_guard_seeds_with_the_local_sink_and_refuses_a_demo_database_otherwise(
    db_engine: Engine,
) -> None:
    mark_demo(db_engine)
    said: list[str] = []
    assert guard(db_engine, said, sink=True) is True
    assert said == []
    with pytest.raises(DemoMailRefusedError, match="holds demo cases") as refused:
        guard(db_engine, said)
    assert CANARY not in str(refused.value)
    assert guard(db_engine, said, allowed=True) is True
    assert len(said) == 1 and "real council inboxes" in said[0]


def test_serve_refuses_a_demo_database_with_a_real_relay_before_starting_anything(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        mark_demo(engine, actor="system", action=DEMO_SEEDED_ACTION)
    finally:
        engine.dispose()
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env |= {
        "PATHWAYS_DATABASE_URL": url,
        "PATHWAYS_SMTP_URL": REAL_RELAY,
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
    }
    env.pop("PATHWAYS_DEMO_WITH_REAL_RELAY", None)
    command = [str(PATHWAYS), "serve", "--no-demo", "--port", str(free_port())]
    command += ["--prefect-port", str(free_port())]
    done = subprocess.run(
        command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "holds demo cases" in done.stderr
    assert "--demo-with-real-relay" in done.stderr
    assert CANARY not in done.stdout + done.stderr
    # Refused before the Prefect server or any child: nothing was started, nothing logged there.
    assert "Prefect: starting" not in done.stdout
    assert not (tmp_path / "prefect").exists()
