"""CLI start-up: the commands that run no flow, against ``python -c "import sqlmodel"``.

Each command runs in its own process, as an operator types it, on a migrated SQLite file
holding the directory and one member of staff (``case list`` needs someone to act as). A first
untimed round warms the disk cache and the bytecode. Then the yardstick and the commands take turns,
round by round, so all see the same load on a shared machine; each row is the command's
median time over the yardstick's median.

The yardstick is the one import every database command needs: a command close to it pays
little for the rest (Typer, settings, its own modules), and one far above it is loading
something it does not use, such as Prefect.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from application.directory import import_directory
from application.staff import add_staff
from benchmarks.databases import fresh_sqlite
from benchmarks.report import INFO, Result, measured
from benchmarks.scale import Scale
from infrastructure.db import make_engine, migrate, session_scope
from infrastructure.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

TARGET = "<= 2"
# Timed rounds: each process costs about a second, and a median of a few is steady enough.
ROUNDS = {"full": 11, "small": 3}
YARDSTICK = (sys.executable, "-c", "import sqlmodel")
STAFF = "bench.officer"
COMMANDS: dict[str, tuple[str, ...]] = {
    "deadline": ("deadline", "review-request", "--start", "2026-12-24"),
    "directory_list": ("directory", "list", "--json"),
    "case_list": ("case", "list", "--json", "--as", STAFF),
    "audit_verify": ("audit", "verify", "--json"),
}
RESULT_NAMES: tuple[tuple[str, str, str], ...] = (
    *((f"startup_{name}_ratio", "x", TARGET) for name in COMMANDS),
    ("startup_yardstick_seconds", "s", INFO),
)


class StartupCheckError(RuntimeError):
    """A command failed: its time would not be a start-up time."""


def rounds(scale: Scale) -> int:
    return ROUNDS.get(scale.name, ROUNDS["small"])


def _pathways() -> tuple[str, ...]:
    # The installed script is what an operator runs; without it, the same entry point.
    script = Path(sys.executable).with_name("pathways")
    return (str(script),) if script.exists() else (sys.executable, "-m", "cli.main")


def _timed(argv: Sequence[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        list(argv), env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        tail = " ".join(done.stderr.split())[-300:]
        raise StartupCheckError(f"{' '.join(argv[-4:])} exited {done.returncode}: {tail}")
    return elapsed


def measure(url: str, log_dir: Path, count: int) -> list[Result]:
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url, "PATHWAYS_LOG_DIR": str(log_dir)}
    # Extra definition modules would be billed to every command.
    env.pop("PATHWAYS_DEFINITION_MODULES", None)
    commands = {name: (*_pathways(), *args) for name, args in COMMANDS.items()}
    _timed(YARDSTICK, env)
    for argv in commands.values():
        _timed(argv, env)
    yardstick: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(count):
        yardstick.append(_timed(YARDSTICK, env))
        for name, argv in commands.items():
            times[name].append(_timed(argv, env))
    base = statistics.median(yardstick)
    rows = []
    for name, samples in times.items():
        median = statistics.median(samples)
        log.info("startup %s: median %.2f s (yardstick %.2f s)", name, median, base)
        rows.append(
            measured(
                f"startup_{name}_ratio",
                median / base,
                "x",
                TARGET,
                f"`pathways {' '.join(COMMANDS[name])}`: median {median:.2f} s over "
                f"{base:.2f} s for `import sqlmodel`, {count} runs each",
            )
        )
    rows.append(
        measured(
            "startup_yardstick_seconds",
            base,
            "s",
            INFO,
            f'python -c "import sqlmodel", median of {count}',
        )
    )
    return rows


def prepare(url: str) -> None:
    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            import_directory(session)
            add_staff(
                session,
                username=STAFF,
                display_name="Benchmark housing officer",
                email=f"{STAFF}@dartford.example",
                roles=["lha-housing-officer"],
                team="lha",
                authority_id="dartford",
                actor="benchmark",
                actor_role="system",
                basis="start-up benchmark",
            )
    finally:
        engine.dispose()


def run(scale: Scale) -> list[Result]:
    with (
        fresh_sqlite("startup") as url,
        tempfile.TemporaryDirectory(prefix="pathways-startup-") as log_dir,
    ):
        prepare(url)
        return measure(url, Path(log_dir), rounds(scale))
