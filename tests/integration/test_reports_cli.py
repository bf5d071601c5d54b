"""``pathways report``, in-process, on a real 16/17 case closed by agreement through the real use
cases (events applied without Prefect): the gate's closure facts are what the report reads, so
no closure is listed; the two managers' sign-offs and the joint visit met are; every line fits
80 columns and each section is written as CSV. The H-CLIC export is written by the LHA service
manager, with the mapping the configured file gives, and refused to an auditor (exit 3)."""

from __future__ import annotations

import csv
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from sqlalchemy.engine import Engine
from typer.testing import CliRunner, Result

from application.case_commands import record_step, start_case
from application.compliance import compliance_report
from application.report_scope import ReportPeriod
from cli.main import app
from infrastructure import clock
from infrastructure.caches import reset_caches
from infrastructure.db import session_scope
from pathways.refusal import Refusal
from tests.support.cases import acting_for, apply_now
from tests.support.intake_form import intake_form

T0: Final = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
NAME: Final = "Robin Fictitious"
DECEMBER: Final = ("--from", "2026-12-01", "--to", "2026-12-31")
STEPS: Final[list[tuple[str, str, str, dict[str, Any]]]] = [
    ("triage_safe_tonight", "ho.dartford", "lha-housing-officer", {}),
    (
        "open_prevention_duty",
        "ho.dartford",
        "lha-housing-officer",
        {"satisfied_on": "2026-12-21", "personalised_housing_plan_agreed": True},
    ),
    (
        "returned_home_no_further_input",
        "sw.dartford",
        "ics-social-worker",
        {"saw_family": True, "saw_young_person": True},
    ),
    ("family_asks_to_stop", "sw.dartford", "ics-social-worker", {}),
    ("young_person_asks_to_stop", "sw.dartford", "ics-social-worker", {}),
    ("lha_manager_agrees_closure", "so.dartford", "lha-senior-officer", {"rationale": "Safe."}),
    ("ics_manager_agrees_closure", "tm.dartford", "ics-team-manager", {"rationale": "None."}),
    (
        "close_returned_home",
        "ho.dartford",
        "lha-housing-officer",
        {"duty_outcome": "accommodation_secured_6_months_existing"},
    ),
]


@pytest.fixture
def closed_case(app_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    officer = acting_for("ho.dartford", "lha-housing-officer", "dartford")
    opened = start_case(
        acting=officer,
        pathway="youth-1617-intake",
        authority_id="dartford",
        payload=intake_form(
            {
                "young_person": {"full_name": NAME, "date_of_birth": "2010-05-01"},
                "parent_or_pr_holder": {"full_name": "Parent Fictitious"},
                "enquiry_received_at": T0.isoformat(),
            }
        ),
        runner=apply_now,
        now=T0,
    )
    assert not isinstance(opened, Refusal), opened
    for minutes, (transition, who, role, payload) in enumerate(STEPS, start=1):
        done = record_step(
            acting=acting_for(who, role, "dartford"),
            case_reference=opened.case_reference,
            transition=transition,
            payload=payload,
            runner=apply_now,
            now=T0 + timedelta(hours=1, minutes=minutes),
        )
        assert not isinstance(done, Refusal), (transition, done)
    acting_for("auditor.dartford", "auditor", "dartford")
    acting_for("lsm.dartford", "lha-service-manager", "dartford")
    return opened.case_reference


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def test_a_case_closed_through_the_gate_is_not_listed_and_every_line_fits(
    app_engine: Engine, closed_case: str, tmp_path: Path
) -> None:
    auditor = acting_for("auditor.dartford", "auditor", "dartford")
    with session_scope(app_engine) as session:
        report = compliance_report(
            session, auditor, ReportPeriod(date(2026, 12, 1), date(2026, 12, 31)), clock.now()
        )
    assert not isinstance(report, Refusal)
    assert report.ungated_closures == ()
    assert [(s.kind, s.decided_by, s.role) for s in report.sign_offs] == [
        ("closure", "so.dartford", "lha-senior-officer"),
        ("closure", "tm.dartford", "ics-team-manager"),
    ]
    visit = next(r for r in report.timers if r.rule_id == "joint-visit-1617")
    assert (visit.timers, visit.met, visit.late, visit.still_open) == (1, 1, 0, 0)

    result = run(
        "report", "compliance", *DECEMBER, "--as", "auditor.dartford", "--csv", str(tmp_path)
    )

    assert result.exit_code == 0, result.output
    assert closed_case in result.stdout and "so.dartford" in result.stdout
    table_lines = [line for line in result.stdout.splitlines() if not line.startswith("wrote ")]
    assert max(len(line) for line in table_lines) <= 80
    assert NAME not in result.output
    written = sorted(path.name for path in tmp_path.glob("compliance-*.csv"))
    assert written == [
        "compliance-closures.csv",
        "compliance-consent-overrides.csv",
        "compliance-escalations.csv",
        "compliance-sign-offs.csv",
        "compliance-timers.csv",
    ]
    with (tmp_path / "compliance-closures.csv").open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["case", "authority", "version", "step", "outcome", "closed_at", "missing"]
        ]


def test_the_operator_at_the_server_reads_every_authority_but_not_the_rationale(
    closed_case: str,
) -> None:
    result = run("report", "compliance", *DECEMBER)
    refused = run("report", "compliance", *DECEMBER, "--rationale")
    officer = run("report", "compliance", *DECEMBER, "--as", "ho.dartford")
    backwards = run("report", "compliance", "--from", "2026-12-31", "--to", "2026-12-01")

    assert result.exit_code == 0, result.output
    assert "Compliance, 01 Dec 2026 to 31 Dec 2026" in result.stdout
    assert closed_case in result.stdout
    assert refused.exit_code == 3 and "shown to auditors" in refused.stderr
    assert officer.exit_code == 3 and "compliance reports are for" in officer.stderr
    assert backwards.exit_code == 2 and "--to: the last day" in backwards.stderr


def test_the_hclic_export_follows_the_configured_file_and_is_refused_to_an_auditor(
    closed_case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load(Path("config/hclic.yaml").read_text(encoding="utf-8"))
    raw["categories"]["home"] = "Our code: went home"
    raw["duty_outcomes"]["accommodation_secured_6_months_existing"] = "home"
    changed = tmp_path / "hclic.yaml"
    changed.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("PATHWAYS_HCLIC_CONFIG", str(changed))
    reset_caches()
    out = tmp_path / "return.zip"
    args = ("report", "hclic", *DECEMBER, "--authority", "dartford", "--out")

    refused = run(*args, str(tmp_path / "refused.zip"), "--as", "auditor.dartford")
    made = run(*args, str(out), "--as", "lsm.dartford")
    again = run(*args, str(out), "--as", "lsm.dartford")

    assert refused.exit_code == 3 and "holds personal data" in refused.stderr
    assert not (tmp_path / "refused.zip").exists()
    assert made.exit_code == 0, made.output
    assert "configurable, not the official list" in made.stdout
    assert NAME not in made.output
    assert again.exit_code == 2 and "does not overwrite" in again.stderr
    with zipfile.ZipFile(out) as archive:
        assert len(archive.namelist()) == 9
        (main,) = csv.DictReader(archive.read("01_main.csv").decode("utf-8").splitlines())
        (prevention,) = csv.DictReader(
            archive.read("04_prevention.csv").decode("utf-8").splitlines()
        )
    assert (main["case_id"], main["category_label"]) == (closed_case, "Our code: went home")
    assert (prevention["owed_from"], prevention["ended_on"]) == ("2026-12-21", "2026-12-21")
