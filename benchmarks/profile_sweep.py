"""Where a sweep's time goes: ``python -m benchmarks.profile_sweep [sqlite|postgres]``.

Not part of ``make bench``: this is the tool to run when ``sweep_ratio_*`` misses its target,
and again after changing ``application/sweep.py``.

Two passes over the same seeded database (``BENCH_SCALE`` sizes: ``grown_open`` open timers):

1. Instrumented: the sweep's collaborators are wrapped with timers and every SQL statement is
   timed by table and kind (SQLAlchemy connection events, so compiling and converting the
   parameters count with the statement). Buckets are exclusive; what no bucket claims is the
   loop's own Python. The wrappers cost well under 1 µs a call, about 1 % here.
2. cProfile on another band of the same size: the functions that cost most, for detail.

``--cpu`` times the sweeping thread's CPU instead of the wall clock, which on a shared machine bills
other processes' load too.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, event
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.selectable import Join, Select

import application.sweep
import application.sweep_firings
import infrastructure.audit
import notifications.messages
from benchmarks.databases import application_on, fresh_database
from benchmarks.scale import from_env
from benchmarks.seed import Band, Seeder
from flows.dispatch import run_pathway_event
from notifications.recipients import RouteResolver
from pathways.digest_batches import BatchDigests

TIMERS_PER_CASE = 4
now = time.perf_counter
"""The clock every bucket reads: wall time, or the thread's CPU time with ``--cpu``."""


@dataclass
class Clock:
    """Accumulated seconds and call counts per bucket."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, bucket: str, seconds: float) -> None:
        self.seconds[bucket] += seconds
        self.calls[bucket] += 1


def _timed(clock: Clock, bucket: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = now()
        try:
            return function(*args, **kwargs)
        finally:
            clock.add(bucket, now() - start)

    return wrapper


def statement_label(statement: Any) -> str:
    table = getattr(statement, "table", None)
    name = getattr(table, "name", "?")
    if isinstance(statement, Insert):
        return f"sql INSERT {name}"
    if isinstance(statement, Update):
        return f"sql UPDATE {name}"
    if isinstance(statement, Delete):
        return f"sql DELETE {name}"
    if isinstance(statement, Select):
        return f"sql SELECT {' JOIN '.join(_table_names(statement.get_final_froms()))}"
    return f"sql {str(statement).split(None, 1)[0].upper()}"


def _table_names(froms: Any) -> list[str]:
    names: list[str] = []
    for source in froms:
        if isinstance(source, Join):
            names += _table_names([source.left, source.right])
        else:
            names.append(getattr(source, "name", "?"))
    return names


@dataclass(frozen=True)
class Bucket:
    """A function whose calls are timed, replaced where the sweep's modules look it up."""

    owner: Any
    name: str
    label: str
    parent: str | None = None
    """The bucket it runs inside: shown under it, and not counted twice."""


CLAIM = "claim (UPDATE ... RETURNING)"
ROUTES = "route resolution"
OUTBOX_ROWS = "outbox rows built in Python"
DIGESTS = "digests the audit events cover"
WRITE = "write"
AUDIT = "audit (lock head, hash, insert)"
BUCKETS: tuple[Bucket, ...] = (
    Bucket(application.sweep, "claim_due", CLAIM),
    Bucket(application.sweep_firings, "_cases", "case rows (SELECT case)"),
    Bucket(RouteResolver, "preload_case_staff", "case staff preload", ROUTES),
    Bucket(application.sweep_firings, "chain_levels", "escalation chain", ROUTES),
    Bucket(RouteResolver, "routes", "routes", ROUTES),
    Bucket(application.sweep_firings, "fire", "firing arithmetic (fire + escalation calendar)"),
    Bucket(notifications.messages, "minimal_context", "context", OUTBOX_ROWS),
    Bucket(notifications.messages, "due_words", "format due/link/team", OUTBOX_ROWS),
    Bucket(notifications.messages, "case_link", "format due/link/team", OUTBOX_ROWS),
    Bucket(notifications.messages, "owning_team_label", "format due/link/team", OUTBOX_ROWS),
    Bucket(notifications.messages, "outbox_rows", "build dicts (route key)", OUTBOX_ROWS),
    Bucket(application.sweep_firings, "timer_values", "next occurrence values (schedule)"),
    Bucket(BatchDigests, "digest", "timers and messages", DIGESTS),
    Bucket(application.sweep_firings, "rewrite", "timer rewrite (breaches, escalations)", WRITE),
    Bucket(application.sweep_firings, "insert_outbox", "outbox insert (ids + rows)", WRITE),
    Bucket(application.sweep_firings, "allocate_ids", "next-occurrence ids", WRITE),
    Bucket(application.sweep_firings, "insert_rows", "next-occurrence insert", WRITE),
    Bucket(infrastructure.audit, "record_many", AUDIT),
    Bucket(infrastructure.audit, "lock_head", "lock head row (SELECT ... FOR UPDATE)", AUDIT),
    Bucket(infrastructure.audit, "normalise", "normalise before/after", AUDIT),
    Bucket(infrastructure.audit, "row_hash", "hashing (json + sha256)", AUDIT),
    Bucket(infrastructure.audit, "insert_rows", "insert auditevent", AUDIT),
)
GROUPS = (ROUTES, OUTBOX_ROWS, DIGESTS, WRITE)
"""Labels that only sum their buckets."""


@contextmanager
def instrumented(engine: Engine, clock: Clock) -> Iterator[None]:
    saved = [(bucket.owner, bucket.name, getattr(bucket.owner, bucket.name)) for bucket in BUCKETS]
    for bucket in BUCKETS:
        original = getattr(bucket.owner, bucket.name)
        setattr(bucket.owner, bucket.name, _timed(clock, bucket.label, original))
    # Looked up by name: the sweep module imports it but does not re-export it.
    original_scope = getattr(application.sweep, "session_scope")  # noqa: B009

    @contextmanager
    def timed_scope(bound: Engine | None = None) -> Iterator[Any]:
        with original_scope(bound) as session:
            yield session
            committing = now()
        clock.add("commit", now() - committing)

    setattr(application.sweep, "session_scope", timed_scope)  # noqa: B010
    starts: list[float] = []

    def before(*_: Any) -> None:
        starts.append(now())

    def after(_conn: Any, statement: Any, *_: Any) -> None:
        clock.add(statement_label(statement), now() - starts.pop())

    event.listen(engine, "before_execute", before)
    event.listen(engine, "after_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "before_execute", before)
        event.remove(engine, "after_execute", after)
        setattr(application.sweep, "session_scope", original_scope)  # noqa: B010
        for owner, name, original in saved:
            setattr(owner, name, original)


@dataclass(frozen=True)
class Line:
    label: str
    seconds: float
    indent: int = 0


def breakdown(clock: Clock, total: float) -> list[Line]:
    """Exclusive buckets of the sweep's wall time, each bucket's children under it; what no
    bucket claims is the loop's own Python."""
    s = clock.seconds
    children: dict[str, list[str]] = {}
    for bucket in BUCKETS:
        if bucket.parent is not None and bucket.label not in children.get(bucket.parent, []):
            children.setdefault(bucket.parent, []).append(bucket.label)
    tops = list(dict.fromkeys(bucket.parent or bucket.label for bucket in BUCKETS))
    lines: list[Line] = []
    claimed = 0.0
    for top in tops:
        inner = children.get(top, [])
        seconds = sum(s.get(child, 0.0) for child in inner) if top in GROUPS else s.get(top, 0.0)
        claimed += seconds
        lines.append(Line(top, seconds))
        lines += [Line(child, s.get(child, 0.0), 1) for child in inner]
        if inner and top not in GROUPS:
            rest = seconds - sum(s.get(child, 0.0) for child in inner)
            lines.append(Line("other (row dicts, flush)", rest, 1))
    commit = s.get("commit", 0.0)
    lines.append(Line("commit", commit))
    lines.append(
        Line("loop's own Python (rows, dicts, AuditEntry, misc.)", total - claimed - commit)
    )
    return lines


def print_breakdown(console: Console, lines: list[Line], total: float, band: Band) -> None:
    grid = Table(
        title=f"sweep of {band.count:,} due timers: {total:.3f} s "
        f"({total * 1e6 / band.count:.0f} µs per due timer)",
        title_justify="left",
    )
    grid.add_column("where")
    grid.add_column("seconds", justify="right")
    grid.add_column("µs / due timer", justify="right")
    grid.add_column("share", justify="right")
    for line in lines:
        label = ("    " * line.indent) + line.label
        style = "dim" if line.indent else ""
        grid.add_row(
            label,
            f"{line.seconds:.3f}",
            f"{line.seconds * 1e6 / band.count:.1f}",
            f"{100 * line.seconds / total:.1f} %",
            style=style,
        )
    console.print(grid)


def print_statements(console: Console, clock: Clock, band: Band) -> None:
    grid = Table(title="SQL statements (compile + parameters + database)", title_justify="left")
    for column in ("statement", "calls", "seconds", "µs / due timer"):
        grid.add_column(column, justify="left" if column == "statement" else "right")
    for label, seconds in sorted(clock.seconds.items(), key=lambda item: -item[1]):
        if label.startswith("sql "):
            grid.add_row(
                label[4:],
                str(clock.calls[label]),
                f"{seconds:.3f}",
                f"{seconds * 1e6 / band.count:.1f}",
            )
    console.print(grid)


def profile(engine: Engine, band: Band, limit: int = 30) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    application.sweep.sweep(engine, band.sweep_at, run_pathway_event)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def run(backend: str, open_timers: int, due: int, console: Console) -> None:
    with fresh_database(backend, "profile") as url, application_on(url) as engine:
        seeder = Seeder.on(engine)
        warmup, measured_band, profiled_band = seeder.add_block(
            open_timers // TIMERS_PER_CASE,
            open_timers,
            [("warmup", 100), ("instrumented", due), ("cprofile", due)],
        )
        application.sweep.sweep(engine, warmup.sweep_at, run_pathway_event)
        clock = Clock()
        with instrumented(engine, clock):
            started = now()
            application.sweep.sweep(engine, measured_band.sweep_at, run_pathway_event)
            total = now() - started
        console.print(f"[bold]{backend}[/bold], {open_timers:,} open timers")
        print_breakdown(console, breakdown(clock, total), total, measured_band)
        print_statements(console, clock, measured_band)
        console.print(f"cProfile, {profiled_band.count:,} due timers (top functions by own time):")
        console.print(profile(engine, profiled_band), markup=False, highlight=False)


def main(argv: list[str]) -> int:
    scale = from_env()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_sweep")
    parser.add_argument("backends", nargs="*", choices=["sqlite", "postgres"], default=["sqlite"])
    parser.add_argument("--open", type=int, default=scale.grown_open, help="open timers")
    parser.add_argument("--due", type=int, default=scale.due, help="due timers per sweep")
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="this thread's CPU time, not wall time: on a shared machine the wall clock bills "
        "other processes' load (a PostgreSQL server's work is then not counted)",
    )
    options = parser.parse_args(argv)
    if options.cpu:
        global now
        now = time.thread_time
    console = Console(width=160)
    for backend in options.backends:
        run(backend, options.open, options.due, console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
