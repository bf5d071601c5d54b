"""``make bench``: every benchmark, a table last, and ``var/bench/results.json``.

Exits 0 when every benchmark ran, whether or not it met its target (``ok`` says that); exits 1
when one crashed. An unreachable PostgreSQL server is not a crash: its rows say "not run".
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

# Before Prefect is imported: its telemetry only adds load to a shared, measured machine.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from benchmarks import (
    concurrent_writers,
    dashboard_pages,
    delivery,
    event_latency,
    startup,
    sweep_cost,
)
from benchmarks.databases import BENCH_DIR, PostgresUnavailableError
from benchmarks.report import Result, not_run, print_table, write_json
from benchmarks.scale import Scale, from_env
from infrastructure.settings import PROJECT_ROOT

log = logging.getLogger("benchmarks")
RESULTS_PATH = BENCH_DIR / "results.json"


@dataclass(frozen=True)
class Benchmark:
    title: str
    run: Callable[[], list[Result]]
    names: Sequence[tuple[str, str, str]]


def _sweep(scale: Scale, backend: str) -> Benchmark:
    return Benchmark(
        f"sweep cost ({backend})",
        lambda: sweep_cost.run(scale, backend),
        sweep_cost.result_names(backend, scale),
    )


def benchmarks(scale: Scale) -> list[Benchmark]:
    return [
        _sweep(scale, "sqlite"),
        _sweep(scale, "postgres"),
        Benchmark("event latency", lambda: event_latency.run(scale), event_latency.RESULT_NAMES),
        Benchmark(
            "concurrent writers (postgres)",
            lambda: concurrent_writers.run(scale),
            concurrent_writers.RESULT_NAMES,
        ),
        Benchmark("delivery throughput", lambda: delivery.run(scale), delivery.RESULT_NAMES),
        Benchmark("CLI start-up", lambda: startup.run(scale), startup.RESULT_NAMES),
        Benchmark(
            "dashboard pages (sqlite)",
            lambda: dashboard_pages.run(scale, "sqlite"),
            dashboard_pages.result_names("sqlite"),
        ),
        Benchmark(
            "dashboard pages (postgres)",
            lambda: dashboard_pages.run(scale, "postgres"),
            dashboard_pages.result_names("postgres"),
        ),
    ]


def in_declared_order(item: Benchmark, rows: list[Result]) -> list[Result]:
    """The rows under the names the benchmark declares, in that order, so results.json keeps
    the same names whatever ran: a declared row not made is shown as not run, and a row made
    but not declared is kept, after them, with a warning (declare it)."""
    made = {row.name: row for row in rows}
    declared = [
        made.pop(name) if name in made else not_run(name, unit, target, "not reported")
        for name, unit, target in item.names
    ]
    if made:
        log.warning("%s: rows not declared in its names: %s", item.title, ", ".join(made))
    return declared + list(made.values())


def run_all(items: Sequence[Benchmark]) -> tuple[list[Result], bool]:
    """Every benchmark's rows, and whether any crashed. One crash does not stop the others."""
    results: list[Result] = []
    crashed = False
    for item in items:
        started = time.perf_counter()
        log.info("%s: starting", item.title)
        try:
            rows = in_declared_order(item, item.run())
        except PostgresUnavailableError as error:
            log.warning("%s: not run: %s", item.title, error)
            rows = [
                not_run(name, unit, target, f"not run: {error}")
                for name, unit, target in item.names
            ]
        except Exception as error:
            log.exception("%s: crashed", item.title)
            crashed = True
            reason = f"crashed: {type(error).__name__}: {error}"[:300]
            rows = [not_run(name, unit, target, reason) for name, unit, target in item.names]
        log.info("%s: done in %.1f s", item.title, time.perf_counter() - started)
        results.extend(rows)
    return results, crashed


class _CurrentStderr:
    """``sys.stderr`` as it is at each write: while a seeding bar is drawn, rich swaps in a
    proxy that prints log lines above the bar instead of through it."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _configure_logging() -> None:
    handler = logging.StreamHandler(_CurrentStderr())
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    # Every fresh database is migrated; one line per migration step is noise here.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def main() -> int:
    _configure_logging()
    scale = from_env()
    started = time.perf_counter()
    results, crashed = run_all(benchmarks(scale))
    write_json(results, RESULTS_PATH)
    elapsed = time.perf_counter() - started
    # Flush the logs first, so the table is the last thing on the terminal.
    sys.stderr.flush()
    where = RESULTS_PATH.relative_to(PROJECT_ROOT)
    print_table(results, f"make bench ({scale.name} scale, {elapsed:.0f} s) -> {where}")
    return 1 if crashed else 0


if __name__ == "__main__":
    raise SystemExit(main())
