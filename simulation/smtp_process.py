"""An SMTP sink in a process of its own, for measuring a sender as a relay sees it.

An aiosmtpd sink in the sender's own process takes its CPU from the same interpreter lock as
the senders, which no real relay does. This one runs in a child process
(``python -m simulation.smtp_process PORT FILE``) and appends the ``X-Pathways-Key`` header of
each message it accepts to FILE, one line each, so the parent can tell what arrived, and how
many times, without parsing whole messages.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import IO, Any

from aiosmtpd.controller import Controller

from infrastructure.settings import PROJECT_ROOT
from notifications.senders import IDEMPOTENCY_HEADER
from simulation.smtp import free_port

READY = "ready"
START_TIMEOUT = 60.0


class _KeyRecorder:
    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        headers = self.parser.parsebytes(envelope.original_content or envelope.content)
        self.out.write(f"{headers.get(IDEMPOTENCY_HEADER, '')}\n")
        self.out.flush()
        return "250 OK"


def serve(port: int, keys: Path) -> None:
    """Accepts mail on ``port`` until stdin closes (the parent ends the block)."""
    with keys.open("a", encoding="utf-8") as out:
        controller = Controller(_KeyRecorder(out), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            print(READY, flush=True)
            sys.stdin.read()
        finally:
            controller.stop()


@dataclass(frozen=True)
class SinkProcess:
    port: int
    keys_file: Path

    @property
    def url(self) -> str:
        """The Apprise URL prefix that sends through this sink (``PATHWAYS_SMTP_URL``)."""
        return f"mailto://127.0.0.1:{self.port}?from=pathways@localhost&mode=insecure"

    def keys(self) -> list[str]:
        """The idempotency key of each message accepted since the last ``clear``, in order."""
        return self.keys_file.read_text(encoding="utf-8").splitlines()

    def clear(self) -> None:
        # The child appends (O_APPEND), so its next line lands at the new end.
        self.keys_file.write_text("", encoding="utf-8")


@contextmanager
def sink_process(directory: Path) -> Iterator[SinkProcess]:
    """A sink process on a free local port until the block ends; its key file in
    ``directory``."""
    port = free_port()
    keys = directory / f"smtp-sink-{port}.keys"
    keys.write_text("", encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, "-m", "simulation.smtp_process", str(port), str(keys)],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        if child.stdout.readline().strip() != READY:
            raise RuntimeError(f"the SMTP sink process did not start (exit {child.poll()})")
        yield SinkProcess(port, keys)
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        keys.unlink(missing_ok=True)


if __name__ == "__main__":
    serve(int(sys.argv[1]), Path(sys.argv[2]))
