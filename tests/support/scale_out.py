"""Background processes for the scale-out test, each in its own process group, and the wall
time of its phases."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from infrastructure.settings import PROJECT_ROOT
from tests.integration.test_serve import descendants, still_running

STOP_WITHIN_S = 10.0


@dataclass
class Services:
    """Background processes, each in its own process group, all stopped together."""

    log_dir: Path
    started: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def start(self, name: str, command: str, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
        with (self.log_dir / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                ["bash", "-c", command],
                env=dict(env),
                cwd=PROJECT_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text("utf-8", "replace")[-4000:]

    def check_running(self) -> None:
        for name, process in self.started:
            assert process.poll() is None, f"{name} exited {process.returncode}:\n{self.log(name)}"

    def stop(self) -> None:
        """SIGTERM each group, SIGKILL what is left; flow runs a worker started in sessions of
        their own are found as descendants first."""
        for _name, process in reversed(self.started):
            below = descendants(process.pid)
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_WITHIN_S)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            for pid, start in below.items():
                if still_running(pid, start):
                    with suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        self.started.clear()


@contextmanager
def running_services(log_dir: Path) -> Iterator[Services]:
    services = Services(log_dir)
    try:
        yield services
    finally:
        services.stop()


@dataclass
class Phases:
    """Wall time per phase, printed with the test's output."""

    began: float = field(default_factory=time.monotonic)
    marks: list[tuple[str, float]] = field(default_factory=list)

    def mark(self, name: str) -> None:
        self.marks.append((name, time.monotonic()))

    def summary(self) -> str:
        previous = self.began
        parts = []
        for name, at in self.marks:
            parts.append(f"{name} {at - previous:.1f}s")
            previous = at
        return f"total {previous - self.began:.1f}s: " + ", ".join(parts)
