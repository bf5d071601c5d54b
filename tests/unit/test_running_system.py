"""The record `pathways serve` leaves for the other commands, and how they use it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from cli.prefect_api import NO_SERVER, product_prefect
from infrastructure import running_system
from infrastructure.caches import reset_caches
from infrastructure.running_system import RunningSystem


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    return int(finished.stdout)


def test_a_recorded_live_server_is_found_and_forgotten_by_its_own_pid(tmp_path: Path) -> None:
    system = RunningSystem(prefect_api_url="http://127.0.0.1:4200/api", pid=os.getpid())
    running_system.record(system, tmp_path)
    assert running_system.running(tmp_path) == system
    running_system.forget(os.getpid() + 1, tmp_path)  # another server's exit leaves it alone
    assert running_system.running(tmp_path) == system
    running_system.forget(os.getpid(), tmp_path)
    assert running_system.read(tmp_path) is None


def test_a_record_left_by_a_killed_server_is_stale(tmp_path: Path) -> None:
    running_system.record(RunningSystem("http://127.0.0.1:4200/api", _dead_pid()), tmp_path)
    assert running_system.read(tmp_path) is not None
    assert running_system.running(tmp_path) is None


def test_a_damaged_record_reads_as_none(tmp_path: Path) -> None:
    running_system.record_path(tmp_path).write_text("{not json", "utf-8")
    assert running_system.read(tmp_path) is None


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    """Settings read again from the environment, and again after the test's changes go."""
    reset_caches()
    yield
    reset_caches()


@pytest.mark.usefixtures("fresh_settings")
def test_with_no_server_a_flow_command_stops_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # A real, empty run directory: no `pathways serve` has recorded itself there.
    monkeypatch.setenv("PATHWAYS_RUN_DIR", str(tmp_path / "run"))
    # Unset even where a test server of this worker has set it for the session.
    with (
        temporary_settings(restore_defaults={PREFECT_API_URL}),
        pytest.raises(typer.Exit) as stopped,
        product_prefect(),
    ):
        raise AssertionError("must not be reached")
    assert stopped.value.exit_code == 1
    assert capsys.readouterr().err.strip() == f"error: {NO_SERVER}"


def test_a_configured_server_that_does_not_answer_is_named_without_its_url(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with (
        temporary_settings({PREFECT_API_URL: "http://user:s3cret@127.0.0.1:9/api"}),
        pytest.raises(typer.Exit),
        product_prefect(),
    ):
        raise AssertionError("must not be reached")
    error = capsys.readouterr().err
    assert "PREFECT_API_URL" in error and "s3cret" not in error
