"""Application logging: one rotating ``app.log`` in the configured log directory.

Log lines carry case references and ids only; personal data never reaches a logger. An
exception's message may quote input, so the file never holds one: a logged traceback keeps
its frames and the exception's type, and an exception passed as an argument (``%s``, ``%r``)
or quoted in the message of the record it is logged with is written as its type name.
Tracebacks never hold local variables (the standard formatter writes none).
"""

from __future__ import annotations

import errno
import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import Any

from infrastructure.error_reference import type_name

LOG_FILE_NAME = "app.log"
MAX_BYTES = 10 * 1024 * 1024
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"
# The top-level packages whose loggers are the application's own.
APP_PACKAGES = (
    "application",
    "cli",
    "dashboard",
    "deployments",
    "flows",
    "infrastructure",
    "models",
    "notifications",
    "pathways",
    "runtime",
    "simulation",
    "tasks",
)


ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def _withheld(error: BaseException) -> str:
    return f"<{type_name(error)}: message not logged>"


def _safe_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(_withheld(a) if isinstance(a, BaseException) else a for a in args)
    if isinstance(args, dict):
        return {k: _withheld(v) if isinstance(v, BaseException) else v for k, v in args.items()}
    return args


class WithholdingFormatter(logging.Formatter):
    """Writes a record without any exception's message: see the module's docstring."""

    def format(self, record: logging.LogRecord) -> str:
        # A copy: the console and API handlers format the same record with their own rules.
        safe = logging.makeLogRecord(record.__dict__)
        safe.args = _safe_args(record.args)
        try:
            message = safe.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            for quoted in {repr(error), str(error)} - {""}:
                message = message.replace(quoted, _withheld(error))
        safe.msg, safe.args, safe.exc_text = message, None, None
        return super().format(safe)

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802  (logging's name)
        _, error, tb = ei
        lines = ["Traceback (most recent call last):"]
        lines += [
            f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}'
            for frame in traceback.extract_tb(tb)
        ]
        if error is not None:
            lines.append(_withheld(error))
        return "\n".join(lines)


class AppLogFileHandler(RotatingFileHandler):
    """Its own class so a second ``configure_logging`` can find and replace it.

    Prefect's logging setup keeps the root logger's handlers when one of them is a user handler
    with a formatter (and a public class name), so this file keeps receiving records after
    ``import prefect`` configures logging.
    """

    _warned = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802  (logging's name)
        # The file cannot be written (its disk is full or read-only). The standard handler
        # prints a traceback and the record's arguments into the command's output; one line,
        # once, says the same without them.
        if not self._warned:
            self._warned = True
            error = sys.exc_info()[1]
            kind = type_name(error) if error is not None else "an error"
            if isinstance(error, OSError) and error.errno is not None:
                kind += f" {errno.errorcode.get(error.errno, error.errno)}"
            sys.stderr.write(f"warning: the log file cannot be written ({kind})\n")


def configure_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    """Writes ``log_dir/app.log``: the application's records at ``level`` and up, and what
    reaches the root logger from libraries (warnings, by default). Returns the file's path."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, AppLogFileHandler)]:
        root.removeHandler(old)
        old.close()
    handler = AppLogFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
    )
    handler.setLevel(level)
    handler.setFormatter(WithholdingFormatter(LOG_FORMAT))
    root.addHandler(handler)
    # Only the application's loggers are opened up: lowering the root level instead would
    # also let every library's INFO chatter through to the console handlers already there.
    # A level is only ever lowered, so a caller that already logs more (a test at DEBUG) keeps it.
    for package in APP_PACKAGES:
        logger = logging.getLogger(package)
        if logger.getEffectiveLevel() > level:
            logger.setLevel(level)
    return path
