"""Where a sweep's time goes: ``python -m benchmarks.profile_sweep [sqlite|postgres]``.

Not part of ``make bench``: this is the tool to run when ``sweep_ratio_*`` misses its target,
and again after changing ``application/sweep.py``.

Two passes over the same seeded database (``BENCH_SCALE`` sizes: ``grown_open`` open timers):

1. Instrumented: the sweep's collaborators are wrapped with timers and every SQL statement is
   timed by table and kind (SQLAlchemy connection events, so compiling and converting the
   parameters count with the statement). Buckets are exclusive; what no bucket claims is the
   loop's own Python. The wrappers cost well under 1 µs a call, about 0.1 % here.
2. cProfile on another band of the same size: the functions that cost most, for detail.
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
import infrastructure.audit
import notifications.messages
from benchmarks.databases import application_on, fresh_database
from benchmarks.scale import from_env
from benchmarks.seed import Band, Seeder
from flows.dispatch import run_pathway_event
from notifications.recipients import RouteResolver

TIMERS_PER_CASE = 4


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
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            clock.add(bucket, time.perf_counter() - start)

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


# Function buckets, as (owner, attribute, bucket). The sweep and message modules imported
# these names, so they are replaced where those modules look them up.
WRAPPED: tuple[tuple[Any, str, str], ...] = (
    (application.sweep, "_claim", "claim query"),
    (RouteResolver, "preload_case_staff", "route resolution: case staff preload"),
    (application.sweep, "chain_levels", "route resolution: escalation chain"),
    (RouteResolver, "routes", "route resolution: routes"),
    (application.sweep, "fire", "firing arithmetic (fire + escalation calendar)"),
    (notifications.messages, "minimal_context", "outbox rows: context"),
    (notifications.messages, "format_due", "outbox rows: format due/link/team"),
    (notifications.messages, "case_link", "outbox rows: format due/link/team"),
    (notifications.messages, "owning_team_label", "outbox rows: format due/link/team"),
    (notifications.messages, "outbox_rows", "outbox rows: build dicts (model_dump, route key)"),
    (application.sweep, "new_timer", "next occurrence: build Timer"),
    (application.sweep, "_write", "write (timer UPDATE, outbox INSERT, new timers)"),
    (infrastructure.audit, "record_many", "audit (lock head, hash, insert)"),
    (infrastructure.audit, "lock_head", "audit: lock head row"),
    (infrastructure.audit, "row_hash", "audit: sha256 hashing"),
    (infrastructure.audit, "normalise", "audit: JSON normalise before/after"),
)


@contextmanager
def instrumented(engine: Engine, clock: Clock) -> Iterator[None]:
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in WRAPPED]
    for owner, name, bucket in WRAPPED:
        setattr(owner, name, _timed(clock, bucket, getattr(owner, name)))
    # Looked up by name: the sweep module imports it but does not re-export it.
    original_scope = getattr(application.sweep, "session_scope")  # noqa: B009

    @contextmanager
    def timed_scope(bound: Engine | None = None) -> Iterator[Any]:
        with original_scope(bound) as session:
            yield session
            committing = time.perf_counter()
        clock.add("commit", time.perf_counter() - committing)

    setattr(application.sweep, "session_scope", timed_scope)  # noqa: B010
    starts: list[float] = []

    def before(*_: Any) -> None:
        starts.append(time.perf_counter())

    def after(_conn: Any, statement: Any, *_: Any) -> None:
        clock.add(statement_label(statement), time.perf_counter() - starts.pop())

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
    """Exclusive buckets of the sweep's wall time; SQL statements shown inside their caller."""
    s = clock.seconds
    sql = {k: v for k, v in s.items() if k.startswith("sql ")}
    lines: list[Line] = []

    def take(bucket: str) -> float:
        return s.get(bucket, 0.0)

    claim = take("claim query")
    lines.append(Line("claim query (SELECT timer JOIN case ... LIMIT)", claim))
    routes = sum(v for k, v in s.items() if k.startswith("route resolution"))
    lines.append(Line("route resolution", routes))
    lines += [
        Line(k[len("route resolution: ") :], v, 1)
        for k, v in s.items()
        if k.startswith("route resolution:")
    ]
    lines.append(Line("firing arithmetic", take("firing arithmetic (fire + escalation calendar)")))
    outbox = sum(v for k, v in s.items() if k.startswith("outbox rows"))
    lines.append(Line("outbox rows built in Python", outbox))
    lines += [
        Line(k[len("outbox rows: ") :], v, 1) for k, v in s.items() if k.startswith("outbox rows:")
    ]
    lines.append(Line("next occurrence Timer objects", take("next occurrence: build Timer")))
    write = take("write (timer UPDATE, outbox INSERT, new timers)")
    update = sql.get("sql UPDATE timer", 0.0)
    outbox_insert = sql.get("sql INSERT notification", 0.0)
    timer_insert = sql.get("sql INSERT timer", 0.0)
    lines.append(Line("write", write))
    lines.append(Line("timer UPDATE (executemany by id)", update, 1))
    lines.append(Line("outbox INSERT (notification)", outbox_insert, 1))
    lines.append(Line("next-occurrence INSERT timer (ORM flush)", timer_insert, 1))
    lines.append(
        Line("other (flush bookkeeping)", write - update - outbox_insert - timer_insert, 1)
    )
    audit = take("audit (lock head, hash, insert)")
    hashing = take("audit: sha256 hashing")
    normalise = take("audit: JSON normalise before/after")
    lock = take("audit: lock head row")
    audit_insert = sql.get("sql INSERT auditevent", 0.0)
    head_update = sql.get("sql UPDATE audithead", 0.0)
    lines.append(Line("audit", audit))
    lines.append(Line("hashing (event_hash: json.dumps + sha256)", hashing, 1))
    lines.append(Line("normalise before/after (json round trip)", normalise, 1))
    lines.append(Line("lock head row (SELECT ... FOR UPDATE)", lock, 1))
    lines.append(Line("INSERT auditevent (executemany)", audit_insert, 1))
    lines.append(Line("UPDATE audithead (flush)", head_update, 1))
    lines.append(
        Line(
            "other (AuditEvent models, model_dump)",
            audit - hashing - normalise - lock - audit_insert - head_update,
            1,
        )
    )
    commit = take("commit")
    lines.append(Line("commit", commit))
    claimed = (
        claim + routes + outbox + take("next occurrence: build Timer") + write + audit + commit
    )
    claimed += take("firing arithmetic (fire + escalation calendar)")
    lines.append(Line("loop's own Python (rows, dicts, AuditEntry, misc.)", total - claimed))
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
            started = time.perf_counter()
            application.sweep.sweep(engine, measured_band.sweep_at, run_pathway_event)
            total = time.perf_counter() - started
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
    options = parser.parse_args(argv)
    console = Console(width=160)
    for backend in options.backends:
        run(backend, options.open, options.due, console)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
