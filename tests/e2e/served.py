"""Child processes the end-to-end tests talk to over HTTP: started at once, waited for
together, stopped (and killed if they linger) at the end."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]
STARTUP_SECONDS: Final = 120.0
"""Generous: on two busy cores a first Prefect start (its migrations) alone can take 30 s."""
STOP_SECONDS: Final = 5.0


@dataclass(frozen=True)
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    ready_url: str


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _stop(child: Child) -> None:
    child.process.terminate()
    try:
        child.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.process.kill()
        child.process.wait()


@contextmanager
def started(
    name: str, command: Sequence[str], *, env: Mapping[str, str], log: Path, ready_url: str
) -> Iterator[Child]:
    """Starts ``command`` (output to ``log``) without waiting; stops it when the block ends."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            list(command), cwd=PROJECT_ROOT, env=dict(env), stdout=output, stderr=subprocess.STDOUT
        )
    child = Child(name, process, log, ready_url)
    try:
        yield child
    finally:
        _stop(child)


def wait_until_ready(*children: Child) -> None:
    """Polls each child's URL until it answers 200; fails with the log of one that exits or
    never answers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = list(children)
    while waiting:
        waiting = [child for child in waiting if not _answers(child.ready_url)]
        for child in waiting:
            if child.process.poll() is not None or time.monotonic() > deadline:
                tail = child.log.read_text(errors="replace")[-4000:]
                raise RuntimeError(
                    f"{child.name} did not answer {child.ready_url}; its log ends:\n{tail}"
                )
        if waiting:
            time.sleep(0.2)
