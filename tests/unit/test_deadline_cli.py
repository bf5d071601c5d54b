"""The real ``pathways deadline`` command, run as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from pathways.deadlines import RULES

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTHORITIES_YAML = REPO_ROOT / "config" / "authorities.yaml"

JSON_KEYS = {
    "due",
    "due_at",
    "rule",
    "citation",
    "convention",
    "convention_text",
    "amount",
    "unit",
    "start",
    "authority",
}


def run_cli(
    *args: str, config: Path | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("PATHWAYS_AUTHORITY_CONFIG", None)
    if config is not None:
        env["PATHWAYS_AUTHORITY_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "cli.main", "deadline", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or REPO_ROOT,
        timeout=60,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def override_config(tmp_path: Path) -> Path:
    raw = yaml.safe_load(AUTHORITIES_YAML.read_text(encoding="utf-8"))
    raw["authorities"]["dartford"] = {"rule_overrides": {"review-request": 28}}
    path = tmp_path / "authorities.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_ends_with_an_iso_answer(rule_id: str) -> None:
    result = run_cli(rule_id, "--start", "2026-12-24")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) >= 4
    assert RULES[rule_id].title in lines[0]
    if RULES[rule_id].is_datetime:
        assert datetime.fromisoformat(lines[-1]).utcoffset() is not None
    else:
        date.fromisoformat(lines[-1])


def test_help_lists_every_rule_within_80_columns() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "80", "TERM": "dumb"}
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "deadline", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    listed = {line.split()[0]: line for line in lines if line.split() and line.split()[0] in RULES}
    assert set(listed) == set(RULES)
    for rule_id, line in listed.items():
        words = (RULES[rule_id].short_title or RULES[rule_id].title).split()
        assert words[0] in line, rule_id


def test_human_output_for_review_request() -> None:
    result = run_cli("review-request", "--start", "2026-12-24")
    assert result.returncode == 0, result.stderr
    assert "s.202(3)" in result.stdout
    assert "beginning with" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "2027-01-13"


def test_hours_rule_prints_datetime_with_offset() -> None:
    result = run_cli("joint-visit-1617", "--start", "2026-03-28T12:00")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2026-03-29T13:00:00+01:00"


def test_json_shape() -> None:
    result = run_cli("county-court-appeal", "--start", "2026-12-24", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == JSON_KEYS
    assert payload["due"] == "2027-01-14"
    assert payload["due_at"] == "2027-01-14T23:59:00+00:00"
    assert payload["rule"] == "county-court-appeal"
    assert payload["convention"] == "days-after"
    assert payload["amount"] == 21
    assert payload["unit"] == "days"
    assert payload["start"] == "2026-12-24"
    assert payload["authority"] is None
    assert "s.204(2)" in payload["citation"]


def test_json_for_hours_rule() -> None:
    result = run_cli("joint-visit-1617", "--start", "2026-10-24T12:00:00+01:00", "--json")
    payload = json.loads(result.stdout)
    assert payload["due"] == payload["due_at"] == "2026-10-25T11:00:00+00:00"
    assert payload["unit"] == "hours"


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", "2026-02-30", ""])
def test_bad_date_exits_2_with_one_line(bad: str) -> None:
    result = run_cli("review-request", "--start", bad)
    assert_one_line_error(result, "--start", f"'{bad}'", "not a valid ISO date or datetime")


def test_unknown_rule_exits_2_with_one_line() -> None:
    result = run_cli("foo", "--start", "2026-12-24")
    assert_one_line_error(result, "unknown rule 'foo'", "review-request", "joint-visit-1617")


def test_unknown_authority_exits_2_with_one_line() -> None:
    result = run_cli("review-request", "--start", "2026-12-24", "--authority", "x")
    assert_one_line_error(result, "--authority", "unknown authority 'x'", "dartford")


def test_dartford_without_overrides_uses_the_statutory_default() -> None:
    result = run_cli("review-request", "--start", "2026-12-24", "--authority", "dartford", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["authority"] == "dartford"
    assert payload["amount"] == 21
    assert payload["due"] == "2027-01-13"


def test_authority_override_from_config(override_config: Path) -> None:
    args = ("review-request", "--start", "2026-12-24", "--authority", "dartford")
    payload = json.loads(run_cli(*args, "--json", config=override_config).stdout)
    assert payload["amount"] == 28
    assert payload["due"] == "2027-01-20"
    # The override is per authority: others keep the statute's 21 days.
    other = run_cli("review-request", "--start", "2026-12-24", "--authority", "dover", "--json")
    assert json.loads(other.stdout)["due"] == "2027-01-13"
    human = run_cli(*args, config=override_config)
    assert human.stdout.strip().splitlines()[-1] == "2027-01-20"


def test_override_of_a_statutory_rule_in_config_is_reported(tmp_path: Path) -> None:
    raw = yaml.safe_load(AUTHORITIES_YAML.read_text(encoding="utf-8"))
    raw["authorities"]["dartford"] = {"rule_overrides": {"relief-duty": 60}}
    config = tmp_path / "authorities.yaml"
    config.write_text(yaml.safe_dump(raw), encoding="utf-8")
    result = run_cli(
        "relief-duty", "--start", "2026-12-24", "--authority", "dartford", config=config
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "relief-duty" in result.stderr


def test_command_writes_no_files(tmp_path: Path) -> None:
    result = run_cli(
        "review-request", "--start", "2026-12-24", "--authority", "dartford", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
