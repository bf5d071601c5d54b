"""The record ``pathways serve`` leaves of how to reach the system it is running.

Every other command reads it, so ``pathways case open`` in a second terminal runs its flow on
the product's own Prefect server, where auditors see it, instead of a throwaway one. The record
names the serving process, so one left behind by a killed server is recognised as stale.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from infrastructure.settings import get_settings

RECORD_NAME = "serve.json"


@dataclass(frozen=True)
class RunningSystem:
    prefect_api_url: str
    pid: int


def record_path(run_dir: Path | None = None) -> Path:
    return (run_dir or get_settings().run_dir) / RECORD_NAME


def record(system: RunningSystem, run_dir: Path | None = None) -> Path:
    path = record_path(run_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole, then renamed, so a reader never sees half a record.
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(system)), "utf-8")
    partial.replace(path)
    return path


def forget(pid: int, run_dir: Path | None = None) -> None:
    """Removes the record, unless another server has replaced it since."""
    found = read(run_dir)
    if found is not None and found.pid == pid:
        record_path(run_dir).unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def read(run_dir: Path | None = None) -> RunningSystem | None:
    try:
        data = json.loads(record_path(run_dir).read_text("utf-8"))
        return RunningSystem(prefect_api_url=str(data["prefect_api_url"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(run_dir: Path | None = None) -> RunningSystem | None:
    """The recorded system, if its serving process is still alive."""
    found = read(run_dir)
    return found if found is not None and _alive(found.pid) else None
