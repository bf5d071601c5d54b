"""What ``pathways serve`` says as it stops each part, so Ctrl-C shows what it is waiting for.

Each part is stopped through ``stopping``: one line on the console first, then the stop. A part
that fails to stop is logged and the rest are still stopped, so one stuck part never leaves the
others running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from runtime.in_flight_runs import cancel_unfinished_runs
from runtime.supervisor import STOP_TIMEOUT, Child, stop_children

log = logging.getLogger(__name__)

Say = Callable[[str], None]


def stopping(say: Say, label: str, stop: Callable[[], object]) -> None:
    say(f"stopping {label}…")
    try:
        stop()
    except Exception:  # the next part is still stopped; the log has the traceback
        log.exception("stopping %s failed", label)


class ChildGroup:
    """Children that need nothing from each other, stopped side by side."""

    def __init__(self, say: Say, timeout: timedelta = STOP_TIMEOUT) -> None:
        self._say = say
        self._timeout = timeout
        self._children: list[tuple[str, Child]] = []

    def add(self, label: str, child: Child) -> Child:
        self._children.append((label, child))
        return child

    def stop(self) -> None:
        children = [child for _, child in reversed(self._children)]
        running = [label for label, child in reversed(self._children) if child.exit_code() is None]
        if not running:
            # Already exited (a finished demo seeding): only what it may have left behind.
            stop_children(children, self._timeout)
            return
        stopping(self._say, " and ".join(running), lambda: stop_children(children, self._timeout))


def cancel_in_flight(say: Say, api: str) -> None:
    """After the deployments have stopped and while the server still answers."""
    found, cancelled = cancel_unfinished_runs(api)
    if found:
        say(f"cancelled {cancelled} of {found} unfinished deployment run(s) on the Prefect server")
