"""Plays a scenario file through ``pathways simulate`` for the route-scenario tests, and checks
what every played story owes: all its checks hold, no made-up name reaches the output, and the
audit chain is intact. A test may then look at the kept database for what a scenario's
``expect:`` cannot say."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session
from typer.testing import CliRunner

from cli.main import app
from infrastructure.audit import verify_chain
from infrastructure.db import make_engine
from simulation import smtp
from simulation.smtp import SmtpSink

MoreChecks = Mapping[str, Callable[[Session], None]]
"""Further checks on the played database, by scenario file stem."""


@contextmanager
def kept_sinks() -> Iterator[list[SmtpSink]]:
    """The simulator's own SMTP server (a real one), kept for the test to read once the run is
    over: the command starts it through ``simulation.smtp.running_sink``, which this wraps."""
    sinks: list[SmtpSink] = []
    real = smtp.running_sink

    @contextmanager
    def kept() -> Iterator[SmtpSink]:
        with real() as sink:
            sinks.append(sink)
            yield sink

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(smtp, "running_sink", kept)
        yield sinks


def names_in(scenario: Path) -> set[str]:
    """Every ``full_name`` the scenario file gives (they must never be shown)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            found.update(str(v) for k, v in node.items() if k == "full_name")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(scenario.read_text(encoding="utf-8")))
    return found


def play_scenario(scenario: Path, tmp_path: Path, more_checks: MoreChecks) -> None:
    url = f"sqlite:///{tmp_path / 'simulation.db'}"
    result = CliRunner().invoke(app, ["simulate", str(scenario), "--database-url", url])

    assert result.exit_code == 0, result.output
    assert "checks hold" in result.stdout
    for name in names_in(scenario):
        assert name not in result.output
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            assert verify_chain(session).ok
            if scenario.stem in more_checks:
                more_checks[scenario.stem](session)
    finally:
        engine.dispose()
