"""``pathways simulate``: scenarios played through the real flows on a real Prefect server, a real
SQLite database and a real SMTP server, driven through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from application.directory import import_directory
from application.staff import add_staff
from cli.main import app
from infrastructure.audit import verify_chain
from infrastructure.db import make_engine, migrate, session_scope
from models import Case

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = PROJECT_ROOT / "tests" / "scenarios"


def _simulate(*args: str) -> Result:
    return CliRunner().invoke(app, ["simulate", *args])


def _rows(output: str, *needles: str) -> list[str]:
    """Timeline table rows that contain every needle."""
    return [line for line in output.splitlines() if all(n in line for n in needles)]


def _flow_run_names(case_reference: str) -> list[str]:
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{case_reference}"]))
        )
    return sorted(run.name for run in runs)


@pytest.mark.usefixtures("prefect_server")
def test_visit_breach_scenario_warns_breaches_escalates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'simulation.db'}"
    result = _simulate(str(SCENARIOS / "example_visit_breach.yaml"), "--database-url", url)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert _rows(out, "+18h01m", "timer warning", "visit due soon", "alerts to case_staff")
    assert _rows(out, "+3d", "timer breach", "visit overdue")
    assert _rows(out, "+3d", "notification delivered", "timer_breach to role:lha-senior-officer")
    assert _rows(out, "+11d", "timer escalation", "escalated to level 1")
    assert _rows(out, "+11d", "notification delivered", "timer_escalation", "so.dartford@")
    assert _rows(out, "+10d", "timer sweep: nothing due")
    assert _rows(out, "cases.wrong_role", "refused", "may not record")
    assert _rows(out, "steps.2", "refused", "both the family and the young person")
    assert "✓ expect.fired.3: yp timer visit: escalation fired exactly once" in out
    assert "All 16 checks hold." in out
    assert "Sample Young Person" not in out

    # The kept database is the record the timeline was read from.
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            assert verify_chain(session).ok
            case = session.exec(select(Case)).one()
            assert (case.state, case.status) == ("awaiting_visit", "open")
    finally:
        engine.dispose()
    # The opening ran as a real flow run on the Prefect server, tagged with the case reference.
    assert _flow_run_names(case.reference) == [f"{case.reference} · open_referral"]


@pytest.mark.usefixtures("prefect_server")
def test_closure_scenario_as_json(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'simulation.db'}"
    result = _simulate(str(SCENARIOS / "example_closure.yaml"), "--database-url", url, "--json")

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["failures"] == []
    reference = report["cases"]["yp"]
    timeline = [(e["offset"], e["kind"], e["detail"]) for e in report["timeline"]]
    assert (
        "+14d",
        "timer breach",
        "weekly_review overdue (due Sun 03 Jan 2027 23:59 (UK time)); alerts to case_staff",
    ) in timeline
    assert (
        "+16d",
        "refused",
        "close by ho.dartford (lha-housing-officer): closure has not been agreed by the team",
    ) in timeline
    closing = [e for e in report["timeline"] if e["where"] == "steps.10"]
    assert [(e["kind"], e["reference"]) for e in closing] == [("transition", reference)]
    assert closing[0]["detail"].endswith("support → closed; closed: weekly_review; outcome EX1")
    delivered = sorted(d for _, kind, d in timeline if kind == "notification delivered")
    assert [d.split(" <")[0] for d in delivered if d.startswith("case_closed")] == [
        "case_closed to ics",
        "case_closed to lha",
        "case_closed to referrer",
    ]
    checks = {check["where"]: check["ok"] for check in report["checks"]}
    assert checks["steps.7"] and checks["expect.timers.yp.weekly_review#4.status"]
    # One flow run per recorded event; refusals are decided before anything is recorded.
    assert len(_flow_run_names(reference)) == 6


FAILING = """
name: deliberately wrong expectations
pathway: example
start: "2026-12-21T09:00:00+00:00"
staff:
  - {username: ho.dartford, display_name: "Housing Officer", email: ho@dartford.example,
     role: lha-housing-officer, authority: dartford, team: lha}
cases:
  yp:
    authority: dartford
    as: {actor: ho.dartford, role: lha-housing-officer}
    input: {young_person: {full_name: "Sample Young Person"}}
steps:
  - at: "+1h"
    case: yp
    record: record_review
    as: {actor: ho.dartford, role: lha-housing-officer}
    input: {progress: "x"}
  - at: "+2h"
    case: yp
    record: record_visit
    as: {actor: ho.dartford, role: lha-housing-officer}
    input: {visited_family: true, visited_young_person: true}
    expect_refused: "not visited"
expect:
  cases:
    yp: {state: closed, status: open}
  notifications:
    - {case: yp, event_type: case_opened, recipient: lha}
"""


@pytest.mark.usefixtures("prefect_server")
def test_wrong_expectations_exit_1_and_are_named(tmp_path: Path) -> None:
    scenario = tmp_path / "failing.yaml"
    scenario.write_text(FAILING, encoding="utf-8")

    result = _simulate(str(scenario), "--database-url", f"sqlite:///{tmp_path / 'sim.db'}")

    assert result.exit_code == 1, result.output
    out = result.stdout
    assert "4 of 5 checks failed:" in out
    assert "✓ expect.cases.yp.status: yp status is open" in out
    assert "• expect.cases.yp.state: yp state is closed — it is support" in out
    assert "• steps.1: record_review on yp is accepted — refused: 'Weekly review recorded' " in out
    assert (
        "• steps.2: record_visit on yp is refused with a reason containing 'not visited'"
        " — it was applied" in out
    )
    # Nothing was delivered: no deliver step ran.
    assert "• expect.notifications.1: case_opened on yp to lha received at least once" in out


VALID = (SCENARIOS / "example_closure.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        pytest.param(
            VALID.replace("    assign: [ho.dartford]", "    asign: [ho.dartford]"),
            "cases.yp.asign: unknown key",
            id="unknown-key",
        ),
        pytest.param(
            VALID.replace('{at: "+14d", deliver: true}', '{at: "+13d", deliver: true}'),
            "steps.5.at: +13d is earlier than steps.4 (+14d)",
            id="time-goes-backwards",
        ),
        pytest.param(
            VALID.replace('{at: "+15d", case: yp,', '{at: "+15d", case: yq,'),
            "steps.6.case: unknown case label 'yq' (known: yp)",
            id="unknown-case-label",
        ),
        pytest.param(
            VALID.replace("pathway: example", "pathway: exmaple"),
            "pathway: unknown pathway 'exmaple'",
            id="unknown-pathway",
        ),
        pytest.param(
            VALID.replace('{at: "+30d", sweep: true}', '{at: "+30", sweep: true}'),
            "steps.12.at: '+30' is not a valid offset",
            id="offset-without-unit",
        ),
        pytest.param(
            VALID.replace("record: close,", "record: clsoe,", 1),
            "steps.7.record: unknown example step 'clsoe'",
            id="unknown-transition",
        ),
    ],
)
def test_malformed_scenario_exits_2_naming_the_field_and_writes_nothing(
    tmp_path: Path, broken: str, message: str
) -> None:
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(broken, encoding="utf-8")
    database = tmp_path / "never.db"

    result = _simulate(str(scenario), "--database-url", f"sqlite:///{database}")

    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {scenario}: {message}")
    assert result.stderr.count("\n") == 1  # one line
    assert result.stdout == ""
    assert not database.exists()


def test_database_that_is_not_fresh_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'used.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            import_directory(session)
            add_staff(
                session,
                username="someone",
                display_name="Someone",
                email="someone@dartford.example",
                roles=["lha-housing-officer"],
                team="lha",
                authority_id="dartford",
                actor="test",
                actor_role="system",
                basis="test set-up",
            )
    finally:
        engine.dispose()

    result = _simulate(str(SCENARIOS / "example_closure.yaml"), "--database-url", url)

    assert result.exit_code == 2, result.output
    assert "error: --database-url: the database already holds staffmember rows" in result.stderr


@pytest.mark.slow
def test_installed_cli_starts_its_own_prefect_server(tmp_path: Path) -> None:
    """The real entry point in a fresh process, with no Prefect server configured."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PATHWAYS_", "PREFECT_API_"))
    }
    env.update(
        PATHWAYS_DEFINITION_MODULES="tests.support.example_pathway",
        PATHWAYS_LOG_DIR=str(tmp_path / "logs"),
        PREFECT_HOME=str(tmp_path / "prefect"),
        # The console script's path does not include the project, where tests/ lives.
        PYTHONPATH=str(PROJECT_ROOT),
    )
    pathways = Path(sys.executable).parent / "pathways"

    # The timeout only stops a hung run from hanging the suite; no duration is asserted.
    finished = subprocess.run(
        [str(pathways), "simulate", "tests/scenarios/example_closure.yaml"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert _rows(finished.stdout, "+16d1h", "transition", "support → closed", "outcome EX1")
    assert _rows(finished.stdout, "notification delivered", "case_closed to referrer")
    assert "All 19 checks hold." in finished.stdout
    assert "14/14" in finished.stderr  # the progress bar reached the end
    # The default database was temporary and is gone; the app log went where it was told.
    assert "database kept" not in finished.stderr
    assert (tmp_path / "logs" / "app.log").exists()
