"""An unexpected error prints and logs a reference, never its message (issue 10, point 5).

A command that raises an exception whose message holds a canary name and date of birth must
print one line with a reference and exit 1, and the application log must hold that reference,
the exception's type and where it was raised, and nothing of the canary. The log file's
formatter withholds exception text from any logger, Prefect's included.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import cli.main
from infrastructure.caches import reset_caches
from infrastructure.error_reference import describe, report_unexpected
from infrastructure.logging_setup import AppLogFileHandler, configure_logging

CANARY_NAME = "Zanzibar Quokkaflint"
CANARY_DOB = "2009-02-17"
NEEDLES = ("Zanzibar", "Quokkaflint", "2009-02-17")
REFERENCE = re.compile(r"ERR-[0-9A-F]{8}")


class CanaryError(RuntimeError):
    pass


def _fail_with_the_input() -> None:
    person = {"full_name": CANARY_NAME, "date_of_birth": CANARY_DOB}  # a local, too
    raise CanaryError(f"could not store {person}")


def register(app: typer.Typer) -> None:
    """A command module, as ``cli.main.COMMAND_MODULES`` names them, whose command fails."""

    @app.command("fail-with-input")
    def _fail() -> None:
        try:
            int(CANARY_DOB)
        except ValueError as inner:
            raise CanaryError(f"{CANARY_NAME} born {CANARY_DOB}") from inner


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("PATHWAYS_LOG_DIR", str(tmp_path / "logs"))
    reset_caches()
    yield tmp_path / "logs" / "app.log"
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, AppLogFileHandler)]:
        root.removeHandler(handler)
        handler.close()
    reset_caches()


def _assert_no_canary(text: str) -> None:
    for needle in NEEDLES:
        assert needle not in text, f"{needle!r} in {text!r}"


def _one_reference_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: unexpected error, reference ERR-"), lines[0]
    match = REFERENCE.search(lines[0])
    assert match is not None
    return match[0]


def test_the_console_script_prints_and_logs_only_a_reference(
    log_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli.main, "app", _fail_with_the_input)
    monkeypatch.setattr(sys, "argv", ["pathways", "case", "open"])
    with pytest.raises(SystemExit) as stopped:
        cli.main.main()
    assert stopped.value.code == 1
    printed = capsys.readouterr()
    reference = _one_reference_line(printed.err)
    _assert_no_canary(printed.out + printed.err)
    logged = log_file.read_text(encoding="utf-8")
    assert reference in logged
    assert "CanaryError" in logged
    assert "tests/unit/test_unexpected_errors.py:" in logged
    assert "_fail_with_the_input" in logged
    _assert_no_canary(logged)


def test_a_command_that_fails_unexpectedly_exits_1_with_a_reference(
    log_file: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(cli.main.COMMAND_MODULES, "fail-with-input", __name__)
    configure_logging(log_file.parent)
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(cli.main.app, ["fail-with-input"])
    assert result.exit_code == 1, (result.output, result.exception)
    reference = _one_reference_line(result.stderr)
    _assert_no_canary(result.output)
    logged = log_file.read_text(encoding="utf-8")
    assert f"unexpected error {reference}: " in logged
    # The type and what it was raised from, by type only.
    assert "CanaryError (raised from ValueError)" in logged
    _assert_no_canary(logged)
    for record in caplog.records:
        _assert_no_canary(record.getMessage())
        assert record.exc_info is None


def test_typer_never_shows_local_variables() -> None:
    assert cli.main.app.pretty_exceptions_show_locals is False


def test_describe_names_the_type_and_the_code_location_only() -> None:
    try:
        _fail_with_the_input()
    except CanaryError as error:
        described = describe(error)
    assert described.startswith(f"{__name__}.CanaryError at tests/unit/test_unexpected_errors.py:")
    assert described.endswith("in _fail_with_the_input")
    _assert_no_canary(described)


def test_report_unexpected_logs_a_new_reference_each_time(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR)
    logger = logging.getLogger("cli.test")
    first = report_unexpected(KeyError(CANARY_NAME), logger)
    second = report_unexpected(KeyError(CANARY_NAME), logger)
    assert first != second and REFERENCE.fullmatch(first) and REFERENCE.fullmatch(second)
    assert [r.getMessage() for r in caplog.records] == [
        f"unexpected error {first}: KeyError at unknown location",
        f"unexpected error {second}: KeyError at unknown location",
    ]


def test_the_log_file_withholds_exception_text_from_every_logger(log_file: Path) -> None:
    configure_logging(log_file.parent)
    library = logging.getLogger("prefect.task_runs.test")
    try:
        _fail_with_the_input()
    except CanaryError as error:
        # As Prefect logs a failed task run: the exception quoted in an f-string and in %r,
        # with the traceback.
        library.error(f"Task run failed with exception: {error!r}", exc_info=True)
        library.error("Encountered exception during execution: %r", error, exc_info=True)
        logging.getLogger("application.test").warning("could not deliver: %s", error)
    for handler in logging.getLogger().handlers:
        handler.flush()
    logged = log_file.read_text(encoding="utf-8")
    _assert_no_canary(logged)
    assert logged.count("<tests.unit.test_unexpected_errors.CanaryError: message not logged>") == 5
    assert 'test_unexpected_errors.py", line' in logged  # the frames are kept
