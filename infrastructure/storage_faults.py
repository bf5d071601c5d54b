"""A database that cannot be written, because its disk is full or it is read-only: named in one
line for the operator, where any other error is only a reference (``error_reference``).

The failed statement's transaction has rolled back by the time an edge sees the error
(``db.session_scope``), so nothing is half-written: the operator needs to know what to fix,
and that trying again afterwards is safe. The words name no path, as a message about a URL or
a file may reach someone who should not learn where the data lives.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final

FULL: Final = (
    "the database is full (its disk has no space left): unfinished changes were rolled back; "
    "free some space, then try again"
)
READ_ONLY: Final = (
    "the database is read-only: unfinished changes were rolled back; "
    "make it writable, then try again"
)

# SQLite's primary result codes (an extended code carries one in its low byte).
SQLITE_READONLY: Final = 8
SQLITE_IOERR: Final = 10
SQLITE_FULL: Final = 13
SQLITE_CANTOPEN: Final = 14
# PostgreSQL's: disk_full, read_only_sql_transaction (a standby, or a read-only default).
PG_FULL: Final = "53100"
PG_READ_ONLY: Final = "25006"


def _chain(error: BaseException) -> Iterator[BaseException]:
    """The error, what it was raised from, and the driver's own error SQLAlchemy wraps."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "orig", None)
        for linked in (wrapped, current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)


def _sqlite_file(database_url: str | None) -> Path | None:
    if not database_url:
        return None
    # Imported here: the command line loads this module at start, and SQLAlchemy only when
    # a command touches the database.
    from sqlalchemy.engine import make_url

    parsed = make_url(database_url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _probed(database_url: str | None) -> str | None:
    """For an error SQLite words as "cannot open" or "disk I/O error": what the file system
    says, as opening a WAL database in a read-only folder, for example, fails that way."""
    path = _sqlite_file(database_url)
    if path is None:
        return None
    try:
        if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
            return READ_ONLY
        if os.statvfs(path.parent).f_bavail == 0:
            return FULL
    except OSError:
        return None
    return None


def storage_fault(error: BaseException, database_url: str | None = None) -> str | None:
    """``FULL`` or ``READ_ONLY`` when the database refused a write for that reason, else None.
    ``database_url`` lets an SQLite error that does not say why be checked on its file."""
    for link in _chain(error):
        code = getattr(link, "sqlite_errorcode", None)
        if isinstance(code, int):
            primary = code & 0xFF
            if primary == SQLITE_FULL:
                return FULL
            if primary == SQLITE_READONLY:
                return READ_ONLY
            if primary in (SQLITE_CANTOPEN, SQLITE_IOERR):
                return _probed(database_url)
        state = getattr(link, "sqlstate", None)
        if state == PG_FULL:
            return FULL
        if state == PG_READ_ONLY:
            return READ_ONLY
    return None
