"""The Prefect server a simulation's flows report to: the configured one, or a temporary one."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.logging.handlers import PrefectConsoleHandler
from prefect.settings import PREFECT_API_URL

STARTUP_TIMEOUT_SECONDS = 120


@contextmanager
def prefect_api() -> Iterator[str]:
    """Yields the API URL of a real Prefect server for the length of the block.

    With ``PREFECT_API_URL`` configured, that server is used and left alone. Otherwise a
    temporary server is started on its own throwaway database and stopped afterwards, so a
    simulation never writes run history into someone's everyday Prefect database.
    """
    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    # The test harness is Prefect's supported way to run a short-lived real server in-process.
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=STARTUP_TIMEOUT_SECONDS):
        yield str(PREFECT_API_URL.value())


@contextmanager
def console_logs_at_warning() -> Iterator[None]:
    """Holds Prefect's console log output back to warnings and errors for the block.

    Each flow run still sends its full log to the Prefect server; only the terminal copy is
    held back, so the progress bar and the timeline are not broken up by run chatter.
    """
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if isinstance(handler, PrefectConsoleHandler)
    ]
    levels = [handler.level for handler in handlers]
    for handler in handlers:
        handler.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)
