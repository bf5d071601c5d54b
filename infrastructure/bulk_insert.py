"""Bulk inserts of rows whose ids the writer assigns first: ``COPY`` on PostgreSQL, one
``executemany`` of the driver on SQLite.

The sweep queues thousands of outbox rows and audit events in one transaction, and the
digests that cover them name their ids. ``INSERT ... RETURNING`` of thousands of rows goes
through SQLAlchemy's multi-row VALUES rewriting, whose statement text psycopg parses anew for
every page; drawing the ids first and copying the rows in costs a fraction. The values are
converted here as the column types would bind them, so they are stored exactly as an ORM or
Core insert stores them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, func, select
from sqlmodel import Session

from models.types import UTCDateTime

Convert = Callable[[Any], Any]
_UTC_DATETIME = UTCDateTime()


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """``count`` new ids for ``table``, ascending, in the caller's transaction.

    On PostgreSQL they come from the table's sequence, as a default would take them. On
    SQLite the transaction holds the database's write lock from its ``BEGIN IMMEDIATE``
    (``infrastructure.db``), so the ids after the largest one are free until it commits.
    """
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        sequence = func.pg_get_serial_sequence(table.name, "id")
        drawn = select(func.nextval(sequence)).select_from(func.generate_series(1, count))
        return sorted(int(found) for found in session.connection().execute(drawn).scalars())
    last = session.connection().execute(select(func.max(table.c.id))).scalar()
    first = int(last or 0) + 1
    return list(range(first, first + count))


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Inserts ``rows`` (every one with the same keys, ids included) in the caller's
    transaction."""
    if not rows:
        return
    names = list(rows[0])
    postgres = session.get_bind().dialect.name == "postgresql"
    values = _row_values(table, names, postgres)
    quoted = ", ".join(f'"{name}"' for name in names)
    if not postgres:
        placeholders = ", ".join("?" for _ in names)
        session.connection().exec_driver_sql(
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({placeholders})',
            [values(row) for row in rows],
        )
        return
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(values(row))


def _row_values(table: Table, names: list[str], postgres: bool) -> Callable[[Any], tuple[Any, ...]]:
    """A row's values in ``names`` order, each as its column's type binds it."""
    getter = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    converters = [(index, _converter(table, name, postgres)) for index, name in enumerate(names)]
    needed = [(index, _remembered(convert)) for index, convert in converters if convert]

    def values(row: Any) -> tuple[Any, ...]:
        found = list(getter(row))
        for index, convert in needed:
            found[index] = convert(found[index])
        return tuple(found)

    return values


def _remembered(convert: Convert) -> Convert:
    """``convert``, done once per value object in one insert: a batch's rows share most of
    their times (the sweep's ``now``) and each firing's messages one context."""
    done: dict[int, tuple[Any, Any]] = {}

    def once(value: Any) -> Any:
        # By identity, and holding the value: every row is alive until the insert is done.
        found = done.get(id(value))
        if found is None:
            found = done[id(value)] = (value, convert(value))
        return found[1]

    return once


def _converter(table: Table, name: str, postgres: bool) -> Convert | None:
    column_type = table.c[name].type
    if isinstance(column_type, UTCDateTime):
        return naive_utc if postgres else _sqlite_datetime
    if isinstance(column_type, JSON):
        # As the JSON type binds: a None is SQL NULL only where the column says so.
        return _json_or_null if column_type.none_as_null else json.dumps
    return None


def naive_utc(value: datetime | None) -> datetime | None:
    """``UTCDateTime``'s stored form (which refuses a naive value)."""
    return _UTC_DATETIME.process_bind_param(value, None)  # type: ignore[arg-type]


def _sqlite_datetime(value: datetime | None) -> str | None:
    """SQLAlchemy's SQLite DATETIME text for ``UTCDateTime``: naive UTC, always microseconds."""
    stored = naive_utc(value)
    return None if stored is None else stored.isoformat(" ", "microseconds")


def _json_or_null(value: Any) -> str | None:
    return None if value is None else json.dumps(value)
