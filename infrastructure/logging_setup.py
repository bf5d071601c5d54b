"""Application logging: one rotating ``app.log`` in the configured log directory.

Log lines carry case references and ids only; personal data never reaches a logger.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

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


class AppLogFileHandler(RotatingFileHandler):
    """Its own class so a second ``configure_logging`` can find and replace it.

    Prefect's logging setup keeps the root logger's handlers when one of them is a user handler
    with a formatter (and a public class name), so this file keeps receiving records after
    ``import prefect`` configures logging.
    """


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
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    # Only the application's loggers are opened up: lowering the root level instead would
    # also let every library's INFO chatter through to the console handlers already there.
    # A level is only ever lowered, so a caller that already logs more (a test at DEBUG) keeps it.
    for package in APP_PACKAGES:
        logger = logging.getLogger(package)
        if logger.getEffectiveLevel() > level:
            logger.setLevel(level)
    return path
