"""Child processes of ``pathways serve``: start each in its own process group, stop it for sure.

A child gets its own session, so the terminal's Ctrl-C reaches only the supervisor, which then
stops the children in reverse order of starting (those that need nothing from each other side
by side). Stopping signals the child alone, so it can shut its own children down, waits a few
seconds, then SIGKILLs whatever is left in the group: nothing outlives ``pathways serve``, and
a child stuck in a network call (a relay that never answers) holds the stop up for no longer.
Each child names the signal it stops cleanly on: SIGTERM for most (Prefect's runner and flow
engine turn it into an orderly stop, where a KeyboardInterrupt inside a flow run is not), SIGINT
for the Prefect server, which dies at once on SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from infrastructure.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

# Prefect's runner and the demo seeding exit within a second of SIGTERM; anything slower is
# stuck, and its flow runs are cancelled on the server afterwards anyway.
STOP_TIMEOUT = timedelta(seconds=3)
POLL_SECONDS = 0.1


class StopRequestedError(Exception):
    """SIGINT or SIGTERM arrived while starting up."""


@dataclass(frozen=True)
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    stop_signal: signal.Signals
    done_line: bytes | None = None
    """A line the child logs once its work is over and only interpreter teardown is left (the
    Prefect server's takes seconds): from then on it may be killed without waiting."""

    @property
    def pid(self) -> int:
        return self.process.pid

    def exit_code(self) -> int | None:
        return self.process.poll()


def start_child(
    name: str,
    argv: Sequence[str],
    env: Mapping[str, str],
    log_dir: Path,
    stop_signal: signal.Signals = signal.SIGTERM,
    done_line: bytes | None = None,
) -> Child:
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    with log_path.open("ab") as output:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    log.info("started %s (pid %s)", name, process.pid)
    return Child(name, process, log_path, stop_signal, done_line)


def _kill_group(child: Child) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        return  # the group is empty: everything already exited
    log.warning("%s: killed what was left of its process group", child.name)


def _log_size(child: Child) -> int:
    try:
        return child.log_path.stat().st_size
    except OSError:
        return 0


def _finished(child: Child, logged_before: int) -> bool:
    """Exited, or logged its ``done_line`` since it was asked to stop."""
    if child.exit_code() is not None:
        return True
    if child.done_line is None:
        return False
    try:
        with child.log_path.open("rb") as output:
            output.seek(logged_before)
            return child.done_line in output.read()
    except OSError:
        return False


def stop_child(child: Child, timeout: timedelta = STOP_TIMEOUT) -> None:
    stop_children([child], timeout)


def stop_children(children: Sequence[Child], timeout: timedelta = STOP_TIMEOUT) -> None:
    """Signal every child at once, give them ``timeout`` between them, then kill what is left:
    stopping several takes as long as the slowest, not the sum."""
    logged_before: dict[int, int] = {}
    for child in children:
        if child.exit_code() is None:
            log.info("stopping %s (pid %s)", child.name, child.pid)
            logged_before[child.pid] = _log_size(child)
            child.process.send_signal(child.stop_signal)
    deadline = time.monotonic() + timeout.total_seconds()
    waiting = [child for child in children if child.pid in logged_before]
    while waiting and time.monotonic() < deadline:
        waiting = [c for c in waiting if not _finished(c, logged_before[c.pid])]
        if waiting:
            time.sleep(POLL_SECONDS)
    for child in waiting:
        log.warning("%s did not stop within %s; killing it", child.name, timeout)
    for child in children:
        _kill_group(child)
        code = child.process.wait()
        log.info("%s exited with code %s", child.name, code)


class StopSignal:
    """Turns SIGINT, SIGTERM and SIGHUP into an event the supervisor polls; restores the old
    handlers. SIGHUP is the terminal closing: its children, in sessions of their own, would
    otherwise outlive it and keep the ports."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignal:
        for number in self.SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _handle(self, number: int, _frame: object) -> None:
        log.info("received %s", signal.Signals(number).name)
        self.event.set()

    def wait(self, seconds: float) -> bool:
        return self.event.wait(seconds)

    def check(self) -> None:
        if self.event.is_set():
            raise StopRequestedError
