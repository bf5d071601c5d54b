"""Stopping ``pathways serve``'s children: side by side, bounded, and nothing left behind.

Real child processes: one that stops on its signal, one that ignores it (a delivery stuck on a
relay), and one that says it is done and then lingers (the Prefect server's slow teardown).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

from runtime.shutdown import ChildGroup
from runtime.supervisor import Child, StopSignal, start_child, stop_children

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True);"
    " time.sleep(60)"
)
DONE_THEN_LINGERS = (
    "import signal, time\n"
    "def done(*_):\n"
    "    print('all done', flush=True)\n"
    "    time.sleep(60)\n"
    "signal.signal(signal.SIGINT, done)\n"
    "print('up', flush=True)\n"
    "time.sleep(60)\n"
)
TIMEOUT = timedelta(seconds=1)


def child(
    name: str,
    code: str,
    log_dir: Path,
    stop_signal: signal.Signals = signal.SIGTERM,
    done_line: bytes | None = None,
) -> Child:
    argv = [sys.executable, "-c", code]
    started = start_child(name, argv, os.environ, log_dir, stop_signal, done_line)
    deadline = time.monotonic() + 20
    while b"up" not in started.log_path.read_bytes():
        assert time.monotonic() < deadline, f"{name} did not start"
        time.sleep(0.05)
    return started


def test_stuck_children_are_killed_side_by_side_within_the_timeout(tmp_path: Path) -> None:
    stuck = [child(f"stuck-{n}", IGNORES_SIGTERM, tmp_path) for n in range(3)]
    started = time.monotonic()
    stop_children(stuck, TIMEOUT)
    took = time.monotonic() - started
    assert all(c.exit_code() == -signal.SIGKILL for c in stuck)
    # Side by side: about one timeout, not three.
    assert TIMEOUT.total_seconds() <= took < 2 * TIMEOUT.total_seconds() + 1


def test_a_child_that_logged_its_done_line_is_not_waited_for(tmp_path: Path) -> None:
    lingering = child(
        "server", DONE_THEN_LINGERS, tmp_path, stop_signal=signal.SIGINT, done_line=b"all done"
    )
    started = time.monotonic()
    stop_children([lingering], timedelta(seconds=30))
    assert time.monotonic() - started < 5
    assert lingering.exit_code() is not None


def test_a_group_says_what_it_stops_and_skips_what_already_ended(tmp_path: Path) -> None:
    said: list[str] = []
    group = ChildGroup(said.append, TIMEOUT)
    ended = start_child("ended", [sys.executable, "-c", "pass"], os.environ, tmp_path)
    ended.process.wait()
    group.add("the finished part", ended)
    group.add("the deployments", child("deployments", IGNORES_SIGTERM, tmp_path))
    group.stop()
    assert said == ["stopping the deployments…"]
    assert ended.exit_code() == 0


def test_a_closed_terminal_is_a_stop_request_like_ctrl_c() -> None:
    # SIGHUP reaches only `serve`: its children run in sessions of their own, so unless it
    # stops them they outlive the terminal and keep the dashboard's port.
    before = signal.getsignal(signal.SIGHUP)
    with StopSignal() as stop:
        os.kill(os.getpid(), signal.SIGHUP)
        assert stop.wait(5)
    assert signal.getsignal(signal.SIGHUP) == before
