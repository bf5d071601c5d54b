"""``pathways case``: a coordinator opens and works a 16/17 case from the command line.

The commands run in-process (CliRunner on ``cli.main.app``) against a real Prefect server, a
real database and the real sweep, on the shared clock frozen at known moments. Every output
is searched for the young person's name and date of birth, which must never be printed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select
from typer.testing import CliRunner, Result

from application.staff import add_staff
from application.sweep import sweep
from cli.main import app
from flows.dispatch import run_pathway_event
from infrastructure import clock
from infrastructure.caches import reset_caches
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent, Person

PATHWAY = "youth-1617-intake"
HO = "lha-housing-officer"
SW = "ics-social-worker"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
NAME, DOB = "Morgan Imaginary", "2010-02-03"
REFERENCE = re.compile(r"JP-[0-9A-Z]{4}-[0-9A-Z]{4}")
SEEN_BOTH = json.dumps({"saw_family": True, "saw_young_person": True})
# The directory these tests act from: one member of staff per role they use.
STAFF = {
    "ho.dartford": HO,
    "sw.dartford": SW,
    "ehl.dartford": "early-help-unit-lead",
    "pa.dartford": "personal-adviser",
    "so.dartford": "lha-senior-officer",
}


def intake(dob: str = DOB, **changes: Any) -> dict[str, Any]:
    """As in tests/scenarios/youth_1617_visit_breach.yaml, without the enquiry time: the CLI
    fills it from the clock."""
    payload: dict[str, Any] = {
        "young_person": {"full_name": NAME, "date_of_birth": dob},
        "parent_or_pr_holder": {"full_name": "Parent Imaginary"},
        "slept_last_night": "family_home",
        "safe_tonight": True,
        "known_to_ics": False,
        "young_person_consent": {"purpose": "joint LHA and ICS working", "given": True},
        "parent_consent": {"purpose": "joint LHA and ICS working", "given": True},
        "approached": "housing_options",
    }
    payload.update(changes)
    return payload


@dataclass
class Cli:
    """Runs ``pathways`` and keeps everything it printed, to search for personal data."""

    printed: list[str] = field(default_factory=list)

    def __call__(self, *args: str) -> Result:
        result = CliRunner().invoke(app, list(args))
        self.printed += [result.stdout, result.stderr]
        return result

    def ok(self, *args: str) -> Result:
        result = self(*args)
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json").stdout)

    def open(self, payload: dict[str, Any], username: str = "ho.dartford") -> Result:
        return self(
            "case",
            "open",
            PATHWAY,
            "--authority",
            "dartford",
            "--as",
            username,
            "--input-json",
            json.dumps(payload),
        )

    def assert_no_personal_data(self) -> None:
        everything = "".join(self.printed)
        assert REFERENCE.search(everything) or "error" in everything  # it read real output
        for needle in (NAME, "Imaginary", DOB, "03/02/2010", "3 Feb 2010"):
            assert needle not in everything


@pytest.fixture
def staff(app_engine: Engine) -> None:
    with session_scope(app_engine) as session:
        for username, role in STAFF.items():
            add_staff(
                session,
                username=username,
                display_name=username,
                email=f"{username}@dartford.example",
                roles=[role],
                team="lha" if role.startswith("lha-") else "ics",
                authority_id="dartford",
                actor="test",
                actor_role="system",
                basis="test staff",
            )


@pytest.fixture
def cli(app_engine: Engine, staff: None, prefect_server: None) -> Iterator[Cli]:
    runner = Cli()
    yield runner
    runner.assert_no_personal_data()


def freeze_clock(engine: Engine, moment: datetime) -> None:
    with session_scope(engine) as session:
        clock.set_virtual_time(session, moment, frozen=True)


def written(engine: Engine) -> tuple[int, int, int, int]:
    with session_scope(engine) as session:
        return tuple(  # type: ignore[return-value]
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Case, Person, CaseEvent, AuditEvent)
        )


def one_line_error(result: Result, code: int, prefix: str) -> str:
    assert result.exit_code == code, (result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prefix), lines[0]
    return lines[0]


def test_a_case_is_opened_triaged_visited_and_shown_then_refuses_more_steps(
    cli: Cli, app_engine: Engine, tmp_path: Path
) -> None:
    freeze_clock(app_engine, T0)
    opened = cli.open(intake())
    assert opened.exit_code == 0, (opened.output, opened.exception)
    match = REFERENCE.search(opened.stdout)
    assert match is not None
    reference = match[0]
    assert "young person: recorded" in opened.stdout
    assert "step reached: safety_triage" in opened.stdout
    # The enquiry time came from the clock, so the 24-hour visit falls due 24 hours on.
    assert "Tue 22 Dec 2026 09:00 GMT" in opened.stdout

    open_now = {
        s["name"]: s["now"]
        for s in cli.json("case", "steps", reference, "--as", "ho.dartford")["steps"]
    }
    assert open_now["triage_safe_tonight"] == "ready"
    assert "support_package_needed" not in open_now

    cli.ok("case", "record", reference, "triage_safe_tonight", "--as", "ho.dartford")
    steps = cli.json("case", "steps", reference, "--as", "ho.dartford")["steps"]
    visit = next(s for s in steps if s["name"] == "support_package_needed")
    assert visit["now"] == "needs input"
    assert {"name": "saw_family", "type": "true/false", "required": True} in visit["input"]

    unknown = cli("case", "record", reference, "teleport", "--as", "sw.dartford")
    one_line_error(unknown, 2, "error: STEP: unknown step 'teleport'")
    visit_file = tmp_path / "visit.json"
    visit_file.write_text(SEEN_BOTH)
    visited = cli.ok(
        "case",
        "record",
        reference,
        "returned_home_no_further_input",
        "--as",
        "sw.dartford",
        "--input",
        str(visit_file),
    )
    assert "step reached: returned_home" in visited.stdout
    assert "timers closed: joint_visit" in visited.stdout
    # Seed 000: it closes only when the family and the young person ask and the team agrees.
    early = cli("case", "record", reference, "close_returned_home", "--as", "ho.dartford")
    one_line_error(early, 4, "refused: the case closes only when the family asks to stop")
    agreed = tmp_path / "agreed.json"
    agreed.write_text(json.dumps({"rationale": "Home is safe; no further input is wanted."}))
    for step, who, given in (
        ("family_asks_to_stop", "sw.dartford", None),
        ("young_person_asks_to_stop", "sw.dartford", None),
        ("lha_manager_agrees_closure", "so.dartford", agreed),
        ("ics_manager_agrees_closure", "ehl.dartford", agreed),
    ):
        cli.ok(
            "case",
            "record",
            reference,
            step,
            "--as",
            who,
            *(("--input", str(given)) if given else ()),
        )
    closed = cli.ok("case", "record", reference, "close_returned_home", "--as", "ho.dartford")
    assert "case closed, outcome O1 (Returned home, no further input)" in closed.stdout
    assert "timers closed:" in closed.stdout

    shown = cli.json("case", "show", reference, "--as", "ho.dartford")
    assert (shown["step"], shown["status"], shown["outcome_code"]) == ("closed", "closed", "O1")
    assert shown["outcome_label"] == "Returned home, no further input"
    assert shown["people_recorded"] == ["young_person", "parent_or_pr_holder"]
    assert [(s["transition"], s["actor"], s["role"]) for s in shown["steps"]][:3] == [
        ("record_enquiry", "ho.dartford", HO),
        ("triage_safe_tonight", "ho.dartford", HO),
        ("returned_home_no_further_input", "sw.dartford", SW),
    ]
    assert shown["steps"][-1]["transition"] == "close_returned_home"
    timers = {timer["name"]: timer for timer in shown["timers"]}
    # The weekly and monthly reviews ran from case opening (spec T05, T06) until the close.
    assert set(timers) == {"joint_visit", "weekly_case_review", "monthly_stakeholder_review"}
    assert {(t["status"], t["overdue"]) for t in timers.values()} == {("closed", False)}
    assert timers["joint_visit"]["due_at"] == "2026-12-22T09:00:00+00:00"
    assert {n["event_type"] for n in shown["notifications"]} == {"case_opened", "case_closed"}
    text = cli.ok("case", "show", reference, "--as", "ho.dartford").stdout
    assert "Returned home, no further input" in text and "OVERDUE" not in text

    again = cli("case", "record", reference, "triage_safe_tonight", "--as", "ho.dartford")
    one_line_error(again, 4, "refused: the case is closed")


def test_a_role_refusal_exits_3_and_is_audited(cli: Cli, app_engine: Engine) -> None:
    freeze_clock(app_engine, T0)
    at_the_door = cli.open(intake(), username="pa.dartford")
    one_line_error(at_the_door, 3, "refused (403): role 'personal-adviser' may not record")
    assert written(app_engine)[0] == 0

    match = REFERENCE.search(cli.open(intake()).stdout)
    assert match is not None
    reference = match[0]
    refused = cli("case", "record", reference, "triage_safe_tonight", "--as", "ehl.dartford")
    line = one_line_error(refused, 3, "refused (403): role 'early-help-unit-lead'")
    assert "A1 Safety triage: safe tonight" in line

    with session_scope(app_engine) as session:
        forbidden = session.exec(
            select(AuditEvent.action, AuditEvent.case_reference, AuditEvent.actor)
            .where(col(AuditEvent.action).endswith(".forbidden"))
            .order_by(col(AuditEvent.id))
        ).all()
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        events = session.exec(select(CaseEvent.transition).where(CaseEvent.case_id == case.id))
        assert list(events) == ["record_enquiry"]
    assert forbidden == [
        # The member of staff who tried, not a name typed beside a role.
        (f"{PATHWAY}.open.forbidden", None, "pa.dartford"),
        (f"{PATHWAY}.triage_safe_tonight.forbidden", reference, "ehl.dartford"),
    ]
    assert cli.json("case", "show", reference, "--as", "ho.dartford")["step"] == "safety_triage"


BAD_INPUT = [
    (("--input-json", json.dumps(intake(dob="2010-02-30"))), "young_person.date_of_birth: "),
    (
        ("--input-json", json.dumps(intake(dob="2099-01-01"))),
        "young_person.date_of_birth: a date of birth cannot be in the future",
    ),
    (("--input-json", '{"young_person": '), "--input-json: not valid JSON"),
    (("--input-json", "[1, 2]"), "--input-json: the input must be a JSON object"),
    (("--input", "/nonexistent/intake.json"), "--input: cannot read"),
    (
        ("--input-json", "{}", "--authority", "atlantis"),
        "--authority: unknown authority 'atlantis'",
    ),
    (("--input-json", "{}", "--role", "wizard"), "--role: unknown role 'wizard'"),
]


@pytest.mark.parametrize(("args", "named"), BAD_INPUT)
@pytest.mark.usefixtures("staff", "prefect_server")
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(
    app_engine: Engine, args: tuple[str, ...], named: str
) -> None:
    options = {"--authority": "dartford", "--as": "ho.dartford"}
    options.update(zip(args[2::2], args[3::2], strict=True))
    flat = [part for pair in options.items() for part in pair]
    before = written(app_engine)
    result = CliRunner().invoke(app, ["case", "open", PATHWAY, *flat, *args[:2]])
    line = one_line_error(result, 2, f"error: {named}")
    assert NAME not in line and "2099-01-01" not in line
    assert written(app_engine) == before


def test_list_overdue_shows_the_case_whose_joint_visit_is_breached(
    cli: Cli, app_engine: Engine
) -> None:
    freeze_clock(app_engine, T0)
    late = REFERENCE.search(cli.open(intake()).stdout)
    assert late is not None
    later = T0 + timedelta(hours=25)
    freeze_clock(app_engine, later)
    assert sweep(app_engine, later, run_pathway_event).by_kind.get("breach") == 1
    fresh = REFERENCE.search(cli.open(intake()).stdout)
    assert fresh is not None

    overdue = cli.json("case", "list", "--as", "ho.dartford", "--overdue")
    # Its next due is the weekly team review, which runs from case opening (spec T05).
    assert [(r["reference"], r["overdue"], r["next_due"]) for r in overdue] == [
        (late[0], 1, "2026-12-28T23:59:00+00:00")
    ]
    every = {
        r["reference"]: r
        for r in cli.json("case", "list", "--as", "ho.dartford", "--status", "open")
    }
    assert every[fresh[0]]["overdue"] == 0
    assert every[fresh[0]]["next_due"] == "2026-12-23T10:00:00+00:00"
    assert (
        cli.json("case", "list", "--as", "ho.dartford", "--overdue", "--authority", "gravesham")
        == []
    )

    table = cli.ok("case", "list", "--overdue", "--as", "ho.dartford").stdout
    assert late[0] in table and fresh[0] not in table
    shown = cli.ok("case", "show", late[0], "--as", "ho.dartford").stdout
    assert re.search(r"joint_visit .* OVERDUE .* breached", shown)


def test_case_commands_refuse_an_unmigrated_database(
    sqlite_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", sqlite_database_url)
    reset_caches()
    try:
        for args in (("list",), ("show", "JP-7K3Q-9D2F"), ("steps", "JP-7K3Q-9D2F")):
            result = CliRunner().invoke(app, ["case", *args, "--as", "ho.dartford"])
            one_line_error(result, 1, "error: the database is not migrated")
    finally:
        reset_caches()
    assert not Path(sqlite_database_url.removeprefix("sqlite:///")).exists()
