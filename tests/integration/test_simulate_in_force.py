"""A scenario's ``in_force`` sets the law the application reads for that run, and only then:
played through the real runner, flows, Prefect server and SMTP sink."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from infrastructure.caches import reset_caches
from infrastructure.law_in_force import in_force
from simulation.plan import Play
from simulation.runner import run_scenario
from simulation.scenario import parse_scenario
from simulation.smtp import SmtpSink

CLOSURE = Path(__file__).resolve().parents[1] / "scenarios" / "example_closure.yaml"
START = 'start: "2026-12-21T09:00:00+00:00"\n'


def closure_with(in_force: str) -> str:
    text = CLOSURE.read_text(encoding="utf-8")
    assert text.count(START) == 1
    return text.replace(START, f"{START}{in_force}\n")


def play(text: str, tmp_path: Path, smtp: SmtpSink) -> list[dict[str, date]]:
    """Plays the scenario; returns the law in force as the application read it at each entry."""
    seen: list[dict[str, date]] = []

    def look(_: int, __: Play) -> None:
        seen.append(dict(in_force()))

    result = run_scenario(
        parse_scenario(text),
        database_url=f"sqlite:///{tmp_path / 'simulation.db'}",
        smtp=smtp,
        on_play=look,
    )
    assert result.ok, result.failures
    return seen


@pytest.mark.usefixtures("prefect_server")
def test_the_scenario_sets_the_law_for_its_run_only(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    before = dict(in_force())
    configured = os.environ.get("PATHWAYS_LAW_CONFIG")

    seen = play(closure_with('in_force: {cwsa-2026-s9: "2026-10-01"}'), tmp_path, smtp_sink)

    assert seen
    assert all(law["cwsa-2026-s9"] == date(2026, 10, 1) for law in seen)
    assert os.environ.get("PATHWAYS_LAW_CONFIG") == configured
    assert in_force() == before


@pytest.mark.usefixtures("prefect_server")
def test_null_takes_a_configured_date_away_for_the_run(
    tmp_path: Path, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    law = tmp_path / "law.yaml"
    law.write_text("cwsa-2026-s9: 2026-06-01\n", encoding="utf-8")
    monkeypatch.setenv("PATHWAYS_LAW_CONFIG", str(law))
    reset_caches()
    try:
        seen = play(closure_with("in_force: {cwsa-2026-s9: null}"), tmp_path, smtp_sink)

        assert seen
        assert all("cwsa-2026-s9" not in law for law in seen)
        # Afterwards the configured file is read again, as it was.
        assert os.environ["PATHWAYS_LAW_CONFIG"] == str(law)
        assert in_force() == {"cwsa-2026-s9": date(2026, 6, 1)}
    finally:
        monkeypatch.undo()
        reset_caches()


def test_a_bad_commencement_date_exits_2_naming_the_field(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(closure_with('in_force: {cwsa-2026-s9: "1 October"}'), encoding="utf-8")
    database = tmp_path / "never.db"

    result = CliRunner().invoke(
        app, ["simulate", str(scenario), "--database-url", f"sqlite:///{database}"]
    )

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {scenario}: in_force: cwsa-2026-s9: '1 October'")
    assert result.stderr.count("\n") == 1
    assert not database.exists()
