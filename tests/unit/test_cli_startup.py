"""What ``pathways`` imports to start: the commands that run no flow never load Prefect.

Each command runs through ``cli.main.main`` in one fresh interpreter, on a migrated SQLite file,
and the modules loaded are read after each. Times are for ``make bench`` (benchmarks/startup.py),
not for here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.core import TyperGroup
from typer.main import get_command
from typer.testing import CliRunner

from cli.main import COMMAND_MODULES, app, commands_of
from infrastructure.db import migrate

REPO_ROOT = Path(__file__).resolve().parents[2]
NOBODY = "nobody.startup"
# Commands that start no flow. A case command refused for an unknown member of staff has
# already imported everything it runs with: the refusal comes from the database.
COMMANDS: dict[str, list[str]] = {
    "deadline": ["deadline", "review-request", "--start", "2026-12-24"],
    "directory list": ["directory", "list", "--json"],
    "audit verify": ["audit", "verify", "--json"],
    "case steps (pathway)": ["case", "steps", "youth-1617-intake", "--json"],
    "case steps (case)": ["case", "steps", "JP-7K3Q-9D2F", "--json", "--as", NOBODY],
    "case show": ["case", "show", "JP-7K3Q-9D2F", "--json", "--as", NOBODY],
    "case list": ["case", "list", "--json", "--as", NOBODY],
}
MUST_SUCCEED = ("deadline", "directory list", "audit verify", "case steps (pathway)")
# Loaded by flows only (or by what starts them): none of the commands above needs any.
FLOW_ONLY = ("prefect", "flows", "tasks", "deployments", "runtime", "simulation")
DATABASE = ("sqlalchemy", "sqlmodel", "alembic")

SNIPPET = """
import json, sys
from cli.main import main
commands, out = json.loads(sys.argv[1]), sys.argv[2]
watched = json.loads(sys.argv[3])
report = {}
for name, args in commands.items():
    sys.argv = ["pathways", *args]
    try:
        main()
        code = None
    except SystemExit as done:
        code = done.code
    report[name] = {"code": code, "loaded": sorted(m for m in watched if m in sys.modules)}
with open(out, "w", encoding="utf-8") as handle:
    json.dump(report, handle)
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("startup")
    url = f"sqlite:///{folder / 'pathways.db'}"
    migrate(url)
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "PATHWAYS_DATABASE_URL": url,
        "PATHWAYS_LOG_DIR": str(folder / "logs"),
        "PATHWAYS_AUTHORITY_CONFIG": str(REPO_ROOT / "config" / "authorities.yaml"),
        "PATHWAYS_ENVIRONMENT": "test",
    }
    env.pop("PATHWAYS_DEFINITION_MODULES", None)
    out = folder / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SNIPPET,
            json.dumps(COMMANDS),
            str(out),
            json.dumps([*FLOW_ONLY, *DATABASE]),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    loaded: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_that_runs_no_flow_does_not_import_prefect(
    report: dict[str, Any], command: str
) -> None:
    # The commands run in order in one process, so the first to load Prefect is the one named.
    assert [name for name in report[command]["loaded"] if name in FLOW_ONLY] == []
    if command in MUST_SUCCEED:
        assert report[command]["code"] in (0, None)


def test_deadline_does_not_even_load_the_database_layer(report: dict[str, Any]) -> None:
    assert report["deadline"]["loaded"] == []


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    # A command's row starts right after the box edge; its wrapped help lines are indented.
    rows = [
        line.split()[1]
        for line in result.output.splitlines()
        if line[:2] == "│ " and line[2:3] != " "
    ]
    assert [name for name in rows if name in COMMAND_MODULES] == list(COMMAND_MODULES)


def test_each_module_registers_exactly_the_commands_listed_for_it() -> None:
    # A command registered but not listed would be unreachable; listed but gone, a crash.
    for module in dict.fromkeys(COMMAND_MODULES.values()):
        listed = [name for name, owner in COMMAND_MODULES.items() if owner == module]
        assert sorted(commands_of(module)) == sorted(listed), module


def test_a_listed_command_resolves_through_the_app() -> None:
    group = get_command(app)
    assert isinstance(group, TyperGroup)
    with group.make_context("pathways", ["deadline"]) as ctx:
        for name in COMMAND_MODULES:
            command = group.get_command(ctx, name)
            assert command is not None and command.name == name


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["dedline"])
    assert result.exit_code == 2
    assert "Did you mean 'deadline'" in result.output
