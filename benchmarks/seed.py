"""Bulk-loads cases and timers for the sweep benchmark, fast; ``bulk_load`` and ``settle`` load
and settle any table's rows (the dashboard benchmark's too).

One million timers through the ORM would take longer than every benchmark together, so rows
are generated as tuples and written with SQLAlchemy Core ``executemany`` in chunks on SQLite
(the column types still convert the values, so they are stored exactly as the application
stores them) and with ``COPY`` on PostgreSQL.

Every case is on the example pathway at version 1.0 and belongs to an authority imported from
the directory, so the sweep resolves routes as it would in production. Ids are assigned here,
so each *band* of timers that falls due together is a contiguous id range.

A band is swept at its own moment, a minute after the band before it, and its timers fall due
in the 50 seconds before that moment. Firing moves every timer at least an hour on (a warning
to its due time, a breach or escalation to the next escalation step), so a later band's sweep
never sees an earlier band again. Timers that are not in a band fall due hours to days later.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, text
from sqlmodel import Session, select

import tests.support.example_pathway  # noqa: F401  (registers the example definition)
from application.directory import import_directory
from benchmarks.progress import counted, seeding
from infrastructure.db import session_scope
from models import Authority, Case, Timer
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.references import ALPHABET

PATHWAY = "example"
VERSION = "1.0"
# A Tuesday in March: no bank holiday or clock change near it.
T0 = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
BAND_SPACING = timedelta(minutes=1)
BAND_WINDOW_SECONDS = 50
CHUNK = 20_000
COMMIT_EVERY = 200_000

CASE_COLUMNS = (
    "id",
    "reference",
    "pathway",
    "definition_version",
    "authority_id",
    "state",
    "status",
    "facts",
    "version",
    "opened_at",
)
TIMER_COLUMNS = (
    "id",
    "case_id",
    "name",
    "rule_id",
    "citation",
    "closed_by",
    "owner_team",
    "started_at",
    "warn_at",
    "due_at",
    "next_fire_at",
    "status",
    "escalation_level",
    "escalation_chain",
    "recurring",
    "occurrence",
    "created_at",
)
DATETIME_COLUMNS = frozenset(
    {
        "opened_at",
        "closed_at",
        "started_at",
        "warn_at",
        "due_at",
        "next_fire_at",
        "created_at",
        "occurred_at",
        "recorded_at",
        "applied_at",
        "completed_at",
        "shared_at",
    }
)

# What a band holds, by position modulo 10: the mix of firings a busy sweep sees.
DUE_MIX = (
    "visit_warning",
    "visit_warning",
    "visit_warning",
    "visit_warning",
    "visit_breach",
    "visit_breach",
    "visit_escalation_1",
    "visit_escalation_2",
    "review_warning",
    "review_breach",
)


@dataclass(frozen=True)
class Band:
    """``count`` timers, ids ``first_id`` onwards, all due at ``sweep_at``."""

    label: str
    first_id: int
    count: int
    sweep_at: datetime

    @property
    def last_id(self) -> int:
        return self.first_id + self.count - 1


@dataclass(frozen=True)
class _TimerShape:
    name: str
    status: str
    started_at: datetime
    warn_at: datetime | None
    due_at: datetime
    next_fire_at: datetime
    escalation_level: int = 0


def _visit(status: str, due: datetime, next_fire: datetime, level: int = 0) -> _TimerShape:
    return _TimerShape(
        "visit", status, due - timedelta(hours=24), due - timedelta(hours=6), due, next_fire, level
    )


def _review(status: str, due: datetime, next_fire: datetime) -> _TimerShape:
    started = due - timedelta(days=7)
    return _TimerShape(
        "weekly_review", status, started, started + timedelta(days=5.25), due, next_fire
    )


def due_shape(kind: str, fire_at: datetime) -> _TimerShape:
    """A timer whose next firing is ``fire_at``, of the given kind."""
    if kind == "visit_warning":
        return _visit("open", fire_at + timedelta(hours=6), fire_at)
    if kind == "visit_breach":
        return _visit("warned", fire_at, fire_at)
    if kind.startswith("visit_escalation_"):
        # Level 0 -> 1 schedules the next step; 1 -> 2 reaches the end of the LHA chain.
        level = int(kind[-1]) - 1
        return _visit("breached", fire_at - timedelta(days=7), fire_at, level)
    if kind == "review_warning":
        due = fire_at + timedelta(days=1.75)
        return _review("open", due, fire_at)
    if kind == "review_breach":
        return _review("warned", fire_at, fire_at)
    raise ValueError(f"unknown due kind '{kind}'")


def idle_shape(position: int) -> _TimerShape:
    """A timer that is not due during the benchmark (an hour to days away)."""
    spread = timedelta(seconds=(position * 7919) % 61_200)  # up to 17 hours
    bucket = position % 20
    if bucket == 19:
        return _visit("breached", T0 - spread, T0 + timedelta(days=1) + spread, 0)
    if bucket >= 16:
        due = T0 + timedelta(hours=1) + spread / 4
        return _visit("warned", due, due)
    if position % 4 == 0:
        due = T0 + timedelta(hours=7) + spread
        return _visit("open", due, due - timedelta(hours=6))
    due = T0 + timedelta(days=2) + spread * 5
    return _review("open", due, due - timedelta(days=1.75))


def reference_for(case_id: int) -> str:
    """A unique, well-formed, scattered reference: an odd multiplier is a bijection mod 2^40."""
    value = (case_id * 0x9E3779B97F) % (1 << 40)
    body = "".join(ALPHABET[(value >> (5 * k)) & 31] for k in range(8))
    return f"JP-{body[:4]}-{body[4:]}"


def _coprime_step(modulus: int) -> int:
    step = max(1, int(modulus * 0.618)) | 1
    while math.gcd(step, modulus) != 1:
        step += 2
    return step


@dataclass
class Seeder:
    """Adds blocks of cases with their timers; keeps the next free ids and band moment."""

    engine: Engine
    authorities: list[str]
    next_case_id: int = 1
    next_timer_id: int = 1
    bands_made: int = 0
    open_timers: int = 0
    bands: list[Band] = field(default_factory=list)

    @classmethod
    def on(cls, engine: Engine) -> Seeder:
        """Imports the directory (routes and escalation chains) and returns a seeder."""
        with session_scope(engine) as session:
            import_directory(session)
        with Session(engine) as session:
            authorities = sorted(session.exec(select(Authority.id)).all())
        return cls(engine, authorities)

    def add_block(self, cases: int, timers: int, bands: Sequence[tuple[str, int]]) -> list[Band]:
        """``cases`` new cases holding ``timers`` new timers, the first of which form ``bands``."""
        if sum(count for _, count in bands) > timers:
            raise ValueError("the bands hold more timers than the block")
        self._skip_used_ids()
        made = []
        first = self.next_timer_id
        for label, count in bands:
            self.bands_made += 1
            made.append(Band(label, first, count, T0 + BAND_SPACING * self.bands_made))
            first += count
        first_case = self.next_case_id
        with seeding(f"seeding {cases:,} cases, {timers:,} timers", cases + timers) as advance:
            bulk_load(
                self.engine,
                "case",
                CASE_COLUMNS,
                counted(_case_rows(first_case, cases, self.authorities), advance),
            )
            bulk_load(
                self.engine,
                "timer",
                TIMER_COLUMNS,
                counted(_timer_rows(self.next_timer_id, timers, first_case, cases, made), advance),
            )
        self.next_case_id += cases
        self.next_timer_id += timers
        self.open_timers += timers
        self.bands.extend(made)
        settle(self.engine, ("case", "timer"))
        for band in made:
            check_round_trip(self.engine, band)
        return made

    def _skip_used_ids(self) -> None:
        # A sweep adds rows of its own (the next occurrence of a recurring timer).
        with Session(self.engine) as session:
            last_case = session.exec(select(func.max(Case.id))).one() or 0
            last_timer = session.exec(select(func.max(Timer.id))).one() or 0
        self.next_case_id = max(self.next_case_id, last_case + 1)
        self.next_timer_id = max(self.next_timer_id, last_timer + 1)


def bulk_load(
    engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    """Writes ``rows`` (ids included) into ``table``: COPY on PostgreSQL, else executemany."""
    if engine.dialect.name == "postgresql":
        _copy_postgres(engine, table, columns, rows)
    else:
        _insert_sqlite(engine, table, columns, rows)


def settle(engine: Engine, tables: Sequence[str]) -> None:
    """Leave the database as a long-running one would be: statistics fresh, log folded in,
    and each table's id sequence past the ids loaded, so the application can add rows."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            for table in tables:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                        f'(SELECT max(id) FROM "{table}"))'
                    )
                )
            connection.commit()
        # Autovacuum would analyse a table this size soon after the load; do it now.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.execute(text(f'VACUUM ANALYZE "{table}"'))
    else:
        # Outside any transaction (the engine's BEGIN IMMEDIATE would block a checkpoint).
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        finally:
            raw.close()


def _case_rows(first: int, count: int, authorities: list[str]) -> Iterator[tuple[Any, ...]]:
    definition = get_definition(PATHWAY, VERSION)
    for case_id in range(first, first + count):
        facts = {"referrer_email": f"referrer{case_id}@example.org"} if case_id % 3 == 0 else {}
        yield (
            case_id,
            reference_for(case_id),
            definition.name,
            definition.version,
            authorities[case_id % len(authorities)],
            "awaiting_visit",
            "open",
            facts,
            2,
            T0 - timedelta(days=case_id % 30, seconds=case_id % 86_400),
        )


def _timer_rows(
    first_id: int, count: int, first_case: int, cases: int, bands: Sequence[Band]
) -> Iterator[tuple[Any, ...]]:
    definition = get_definition(PATHWAY, VERSION)
    specs = definition.timers
    step = _coprime_step(cases)
    band_iter = iter(bands)
    band = next(band_iter, None)
    for position in range(count):
        timer_id = first_id + position
        while band is not None and timer_id > band.last_id:
            band = next(band_iter, None)
        if band is not None and timer_id >= band.first_id:
            offset = timer_id - band.first_id
            fire_at = band.sweep_at - timedelta(
                seconds=1 + (offset * 37) % BAND_WINDOW_SECONDS, microseconds=offset % 997
            )
            shape = due_shape(DUE_MIX[offset % len(DUE_MIX)], fire_at)
        else:
            shape = idle_shape(position)
        spec = specs[shape.name]
        # Spread a case's timers: consecutive timers land on far-apart cases.
        case_id = first_case + (position % cases) * step % cases
        yield (
            timer_id,
            case_id,
            spec.name,
            spec.rule,
            RULES[spec.rule].citation,
            json.dumps(list(spec.closed_by)),
            spec.owner_team,
            shape.started_at,
            shape.warn_at,
            shape.due_at,
            shape.next_fire_at,
            shape.status,
            shape.escalation_level,
            spec.escalation_chain,
            spec.recurring,
            position // cases + 1,
            shape.started_at,
        )


def _chunks(rows: Iterator[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sqlite_value(column: str, value: Any) -> Any:
    """The value as SQLAlchemy stores it on SQLite (checked by ``check_round_trip``)."""
    if value is None:
        return None
    if column in DATETIME_COLUMNS:
        # UTCDateTime stores naive UTC; SQLite's DATETIME text always carries microseconds.
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _insert_sqlite(
    engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    # Values are converted here rather than by the column types: the types' per-value Python
    # work costs three times the insert itself at a million rows.
    # Written out rather than compiled from the table, which would put the columns in the
    # table's order instead of the rows'.
    quote = engine.dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    written = 0
    connection = engine.connect()
    try:
        transaction = connection.begin()
        for chunk in _chunks(rows, CHUNK):
            connection.exec_driver_sql(
                statement,
                [
                    tuple(_sqlite_value(c, v) for c, v in zip(columns, row, strict=True))
                    for row in chunk
                ],
            )
            written += len(chunk)
            if written % COMMIT_EVERY == 0:
                transaction.commit()
                transaction = connection.begin()
        transaction.commit()
    finally:
        connection.close()


def _copy_value(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in DATETIME_COLUMNS:
        # The columns are timestamp without time zone holding UTC, as UTCDateTime writes them.
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def _copy_postgres(
    engine: Engine, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    column_list = ", ".join(columns)
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert connection is not None
        with (
            connection.cursor() as cursor,
            cursor.copy(f'COPY "{table}" ({column_list}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row([_copy_value(c, v) for c, v in zip(columns, row, strict=True)])
        raw.commit()
    finally:
        raw.close()


def check_round_trip(engine: Engine, band: Band) -> None:
    """The first timer of a band reads back through the ORM exactly as it was generated."""
    with Session(engine) as session:
        stored = session.get(Timer, band.first_id)
    expected = due_shape(DUE_MIX[0], band.sweep_at - timedelta(seconds=1))
    if stored is None or (stored.status, stored.next_fire_at, stored.due_at) != (
        expected.status,
        expected.next_fire_at,
        expected.due_at,
    ):
        raise ValueError(f"seeded timer {band.first_id} does not read back as written: {stored}")
