"""The installed ``pathways directory`` command, run as a subprocess on a temporary SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PATHWAYS = Path(sys.executable).with_name("pathways")
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "pathways.db"


def run_cli(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    if not PATHWAYS.exists():
        pytest.fail(f"{PATHWAYS} is missing: install the project (make install)")
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": f"sqlite:///{db_path}",
        "PATHWAYS_AUTHORITY_CONFIG": str(REPO_ROOT / "config" / "authorities.yaml"),
    }
    return subprocess.run(
        [str(PATHWAYS), "directory", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=db_path.parent.parent,
        timeout=120,
        check=False,
    )


def audit_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as connection:
        (count,) = connection.execute("SELECT count(*) FROM auditevent").fetchone()
    return int(count)


def test_list_json_on_a_fresh_database(db_path: Path) -> None:
    result = run_cli(db_path, "list", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert len(entries) == 13
    assert entries[0]["id"] == "ashford"
    by_id = {entry["id"]: entry for entry in entries}
    assert by_id["medway"]["kind"] == "unitary"
    assert by_id["medway"]["children_services_authority"] == "medway"
    assert by_id["maidstone"]["email"] is None
    assert audit_rows(db_path) == 13

    again = run_cli(db_path, "list", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == entries
    assert audit_rows(db_path) == 13


def test_list_table(db_path: Path) -> None:
    result = run_cli(db_path, "list")
    assert result.returncode == 0, result.stderr
    assert "Tunbridge Wells Borough Council" in result.stdout
    assert "+443456341212" in result.stdout


def test_show_dartford_json(db_path: Path) -> None:
    result = run_cli(db_path, "show", "dartford", "--json")
    assert result.returncode == 0, result.stderr
    dartford = json.loads(result.stdout)
    assert dartford["id"] == "dartford"
    assert dartford["name"] == "Dartford Borough Council"
    assert dartford["main_phone"] == "+441322343434"
    assert dartford["ooh_phone"] == "+443456341212"
    assert dartford["ooh_verified"] is False
    assert dartford["children_services_authority"] == "kcc"
    assert dartford["routes"][0].startswith("mailto://")
    assert "housingoptions@dartford.gov.uk" in dartford["routes"][0]
    assert dartford["escalation"]["lha"] == ["lha-senior-officer", "lha-service-manager"]
    assert dartford["escalation_chains"]["lha_top"] is None
    assert "Dartford OOH is a non-geographic 0345 number" in dartford["data_gaps"]


def test_show_table(db_path: Path) -> None:
    result = run_cli(db_path, "show", "maidstone")
    assert result.returncode == 0, result.stderr
    assert "Nowhere safe to stay today?" in result.stdout
    assert "[top level not configured]" in result.stdout


def test_show_unknown_on_a_fresh_database_writes_nothing(db_path: Path) -> None:
    result = run_cli(db_path, "show", "nowhere")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: unknown authority 'nowhere' (known: ashford, ")
    assert "tunbridge-wells" in lines[0]
    assert not db_path.exists()


def test_show_unknown_on_an_existing_database_writes_nothing(db_path: Path) -> None:
    assert run_cli(db_path, "list", "--json").returncode == 0
    before = audit_rows(db_path)

    result = run_cli(db_path, "show", "nowhere", "--json")
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1
    assert audit_rows(db_path) == before == 13
