"""A real Prefect API server that a test may stop and start again, on the same port and the
same SQLite database, to stand for an outage of the system's Prefect server.

The session's server (``tests/integration/conftest.py``) is shared by every test on its worker,
so it cannot be the one that goes down. This one is the same ASGI app the test harness runs
(``prefect.server.api.server:create_app`` under uvicorn, without the UI), in a child process the
test owns: stopping it is a SIGTERM to that child, and what the server had recorded survives
in its database file for the restart.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import prefect
from prefect.events.worker import EventsWorker
from prefect.logging.handlers import APILogWorker
from prefect.settings import PREFECT_API_URL, temporary_settings

from infrastructure.prefect_probe import is_healthy

STARTUP_LIMIT = 120.0  # a first start migrates Prefect's own database; 2 cores are shared
STOP_LIMIT = 10.0
POLL = 0.1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RestartablePrefect:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _environment(self) -> dict[str, str]:
        database = f"sqlite+aiosqlite:///{self.home / 'prefect.db'}"
        return {
            **os.environ,
            "PREFECT_HOME": str(self.home),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": database,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_UI_ENABLED": "0",
            # As the test harness runs it: the API only, no background services.
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }

    def start(self) -> float:
        """Starts the server and waits for ``/health``; returns the seconds that took."""
        if self._process is not None:
            raise RuntimeError("the Prefect server is already running")
        began = time.monotonic()
        log = (self.home / "server.log").open("ab")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
             "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
            env=self._environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        while not is_healthy(self.api_url, timeout=1.0):
            code = self._process.poll()
            if code is not None:
                self._process = None
                raise RuntimeError(
                    f"the Prefect server exited with code {code}; see {self.home / 'server.log'}"
                )
            if time.monotonic() - began > STARTUP_LIMIT:
                self.stop()
                raise RuntimeError(f"the Prefect server did not answer within {STARTUP_LIMIT} s")
            time.sleep(POLL)
        return time.monotonic() - began

    def stop(self) -> None:
        """Stops the server; once this returns, nothing answers on its port.

        The logs and events this process queued for it are sent first, as the test harness
        does: left queued, Prefect's workers would retry them against the stopped server for a
        minute (with back-off) when the process exits."""
        process, self._process = self._process, None
        if process is None:
            return
        with temporary_settings(updates={PREFECT_API_URL: self.api_url}):
            _drain_workers()
        process.terminate()
        try:
            process.wait(timeout=STOP_LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drain_workers() -> None:
    with suppress(RuntimeError):  # no log was ever sent
        APILogWorker.instance().drain()
    EventsWorker.drain_all()


@contextmanager
def restartable_prefect(home: Path) -> Iterator[RestartablePrefect]:
    """A started server that this process's Prefect client talks to; stopped on the way out."""
    home.mkdir(parents=True, exist_ok=True)
    server = RestartablePrefect(home)
    server.start()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server
    finally:
        server.stop()
