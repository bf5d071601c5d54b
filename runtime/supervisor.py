"""Child processes of ``pathways serve``: start each in its own process group, stop it for sure.

A child gets its own session, so the terminal's Ctrl-C reaches only the supervisor, which then
stops the children one by one in reverse order. Stopping signals the child alone, so it can shut
its own children down, waits a bounded time, then SIGKILLs whatever is left in the group:
nothing outlives ``pathways serve``. Each child names the signal it stops cleanly on: SIGTERM
for most (Prefect's runner and flow engine turn it into an orderly stop, where a KeyboardInterrupt
inside a flow run is not), SIGINT for the Prefect server, which dies at once on SIGTERM.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from infrastructure.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

STOP_TIMEOUT = timedelta(seconds=20)


class StopRequestedError(Exception):
    """SIGINT or SIGTERM arrived while starting up."""


@dataclass(frozen=True)
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    stop_signal: signal.Signals

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
    return Child(name, process, log_path, stop_signal)


def _kill_group(child: Child) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        return  # the group is empty: everything already exited
    log.warning("%s: killed what was left of its process group", child.name)


def stop_child(child: Child, timeout: timedelta = STOP_TIMEOUT) -> None:
    if child.exit_code() is None:
        log.info("stopping %s (pid %s)", child.name, child.pid)
        child.process.send_signal(child.stop_signal)
        try:
            child.process.wait(timeout.total_seconds())
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop within %s", child.name, timeout)
    _kill_group(child)
    code = child.process.wait()
    log.info("%s exited with code %s", child.name, code)


class StopSignal:
    """Turns SIGINT and SIGTERM into an event the supervisor polls; restores the old handlers."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

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
