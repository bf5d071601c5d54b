"""What Prefect is told when a task fails: a reference, never the cause.

Prefect writes a failed task's exception to its console, its API and the run's state. A
database error's message quotes the statement's parameters, which may be a case's personal data
(a timer sweep's outbox rows, an event's answers), so every task raises only a reference to
the error, which the application log records by type and code location.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from infrastructure.error_reference import report_unexpected

log = logging.getLogger(__name__)


class TaskFailedError(RuntimeError):
    """A task's failure as Prefect records it: what failed and the error's reference."""


@contextmanager
def failures_by_reference(what: str) -> Iterator[None]:
    """Re-raises any error inside as a ``TaskFailedError`` naming ``what`` and a reference."""
    try:
        yield
    except Exception as error:
        reference = report_unexpected(error, log)
        raise TaskFailedError(f"{what}: unexpected error {reference}") from None
