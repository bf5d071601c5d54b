"""The Prefect server ``pathways serve`` talks to: an external one, or one it starts itself.

The embedded server is a real ``prefect server start``: unlike the test harness and the
ephemeral mode, it runs the scheduler, late-run and pause-expiry services the deployments need.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from infrastructure.prefect_probe import is_healthy
from runtime.supervisor import Child, StopSignal

EMBEDDED_STARTUP = timedelta(seconds=180)  # a first start migrates Prefect's own database
EXTERNAL_STARTUP = timedelta(seconds=15)
# Killed past this, which its SQLite database survives.
EMBEDDED_STOP = timedelta(seconds=5)
STOPPED_LINE = b"Server stopped!"
"""What ``prefect server start`` prints once uvicorn has shut down (its services and database
with it). The interpreter then spends seconds collecting garbage on its way out (2 to 7 s
measured), so the supervisor kills it from here instead of waiting."""

# Defaults for the embedded server only; an operator's own environment wins.
EMBEDDED_DEFAULTS = {
    # Case-handling systems send nothing home.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # The scheduler creates runs this far ahead (an hour by default). Whatever it created before
    # a laptop slept is late on waking, so a short horizon keeps that backlog to a few runs.
    "PREFECT_SERVER_SERVICES_SCHEDULER_MIN_SCHEDULED_TIME": "PT5M",
}


class PrefectServerError(RuntimeError):
    pass


def api_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/api"


def ui_url(api: str) -> str:
    return api.rstrip("/").removesuffix("/api")


def wait_until_healthy(
    api: str, limit: timedelta, stop: StopSignal, child: Child | None = None
) -> None:
    """Poll ``GET /api/health``; raise naming the URL (and the child's log) if it never answers."""
    deadline = time.monotonic() + limit.total_seconds()
    while not is_healthy(api):
        stop.check()
        if child is not None and child.exit_code() is not None:
            raise PrefectServerError(
                f"the Prefect server exited with code {child.exit_code()}; see {child.log_path}"
            )
        if time.monotonic() > deadline:
            where = f"; see {child.log_path}" if child is not None else ""
            raise PrefectServerError(
                f"the Prefect server at {api} did not answer /health within "
                f"{int(limit.total_seconds())} s{where}"
            )
        stop.wait(1.0)


def embedded_command(port: int) -> list[str]:
    return [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
            "--port", str(port)]  # fmt: skip


def embedded_environment(base: Mapping[str, str], prefect_home: Path) -> dict[str, str]:
    return {**EMBEDDED_DEFAULTS, **base, "PREFECT_HOME": str(prefect_home)}
