"""The installed ``pathways directory`` command, run as a subprocess on a temporary SQLite file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

PATHWAYS = Path(sys.executable).with_name("pathways")
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "pathways.db"


def run_cli(
    db_path: Path, *args: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    if not PATHWAYS.exists():
        pytest.fail(f"{PATHWAYS} is missing: install the project (make install)")
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": f"sqlite:///{db_path}",
        "PATHWAYS_AUTHORITY_CONFIG": str(REPO_ROOT / "config" / "authorities.yaml"),
        **(env_extra or {}),
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
    assert dartford["routes"] == ["email:housingoptions@dartford.gov.uk"]
    assert dartford["ics_routes"] == ["email:ics-duty@kent.example.invalid"]
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


CANARY_PASSWORD = "Cz9qCanaryPw7"
CANARY_TOKEN = "Tk7canaryToken1234"


def _config_with_dartford_routes(tmp_path: Path, routes: list[str]) -> Path:
    config = yaml.safe_load((REPO_ROOT / "config" / "authorities.yaml").read_text())
    config["authorities"]["dartford"] = {"extra_routes": routes}
    path = tmp_path / "authorities.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_show_prints_references_and_a_redacted_relay_never_a_secret(
    db_path: Path, tmp_path: Path
) -> None:
    env = {
        "PATHWAYS_SMTP_URL": f"mailtos://pathways:{CANARY_PASSWORD}@relay.example.org:587"
        "?from=pathways@council.example",
        "PATHWAYS_ROUTES": json.dumps({"teams": f"msteams://{CANARY_TOKEN}/abc/def"}),
        "PATHWAYS_AUTHORITY_CONFIG": str(_config_with_dartford_routes(tmp_path, ["route:teams"])),
    }
    table = run_cli(db_path, "show", "dartford", env_extra=env)
    shown = run_cli(db_path, "show", "dartford", "--json", env_extra=env)
    assert table.returncode == 0, table.stderr
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["routes"] == ["email:housingoptions@dartford.gov.uk", "route:teams"]
    assert data["mail_relay"] == "mailtos://***@relay.example.org:587?from=pathways@council.example"
    assert "route:teams" in table.stdout
    assert "mailtos://***@relay.example.org:587" in table.stdout
    # The database files themselves, journal included: nothing stored holds the secrets either.
    stored = "".join(path.read_bytes().decode("latin-1") for path in db_path.parent.iterdir())
    assert "route:teams" in stored  # the search read the real rows
    for output in (table.stdout, table.stderr, shown.stdout, shown.stderr, stored):
        assert CANARY_PASSWORD not in output
        assert CANARY_TOKEN not in output


def test_a_url_in_the_configuration_is_refused_naming_the_field(
    db_path: Path, tmp_path: Path
) -> None:
    config = _config_with_dartford_routes(tmp_path, [f"msteams://{CANARY_TOKEN}/abc"])
    result = run_cli(db_path, "list", env_extra={"PATHWAYS_AUTHORITY_CONFIG": str(config)})
    assert result.returncode == 2
    assert result.stdout == ""
    assert "authorities.dartford.extra_routes[0]" in result.stderr
    assert "PATHWAYS_ROUTES" in result.stderr
    assert CANARY_TOKEN not in result.stderr
    with sqlite3.connect(db_path) as connection:
        (authorities,) = connection.execute("SELECT count(*) FROM authority").fetchone()
    assert (authorities, audit_rows(db_path)) == (0, 0)
