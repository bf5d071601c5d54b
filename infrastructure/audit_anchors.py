"""The anchor file: each sweep appends the audit chain's head to it (``pathways.audit_anchors``).

Appends take an exclusive lock on the file, so two sweepers (PostgreSQL lets them run side by
side) still write a well-chained file. A head that has not moved since this database's last
line is not written again: an idle system's sweep every minute adds nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy.engine import URL, Engine, make_url

from infrastructure.db import session_scope
from infrastructure.settings import get_settings
from models.audit import AuditHead
from pathways.audit_anchors import (
    FIRST_PREV,
    Anchor,
    AnchorLog,
    anchor_line,
    line_hash,
    parse_line,
    read_anchor_log,
)


def database_id(url: str | URL) -> str:
    """A fingerprint of the database's address (never its password): which chain a line anchors."""
    parsed = make_url(url) if isinstance(url, str) else url
    address = f"{parsed.get_backend_name()}://{parsed.host or ''}:{parsed.port or ''}/"
    return hashlib.sha256((address + (parsed.database or "")).encode("utf-8")).hexdigest()[:16]


def anchor_file() -> Path:
    return get_settings().audit_anchor_file


def read_anchors(path: Path | None = None) -> AnchorLog:
    """Every line of the file (none when it does not exist yet), checked."""
    target = path or anchor_file()
    if not target.exists():
        return AnchorLog((), FIRST_PREV)
    with target.open(encoding="utf-8") as lines:
        return read_anchor_log(line for line in lines if line.strip())


TAIL: Final = 64 * 1024
"""Bytes read back from the end of the file: a few hundred lines (each about 250)."""


def _tail_lines(path: Path) -> list[str]:
    """The file's last lines, whole ones only, oldest first."""
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        end = file.tell()
        start = max(0, end - TAIL)
        file.seek(start)
        tail = file.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.split("\n") if line.strip()]
    return lines if start == 0 else lines[1:]


def _last_line(path: Path) -> str | None:
    lines = _tail_lines(path)
    return lines[-1] if lines else None


def latest_anchor(database: str, path: Path | None = None) -> AnchorLog:
    """This database's newest anchor alone, read from the end of the file: what checking one
    case needs, at a cost that does not grow with the file (``read_anchors`` checks it all)."""
    target = path or anchor_file()
    if target.exists():
        for line in reversed(_tail_lines(target)):
            parsed = parse_line(line, 0)
            if not isinstance(parsed, str) and parsed[0].database == database:
                return AnchorLog((parsed[0],), FIRST_PREV)
        return AnchorLog(tuple(read_anchors(target).of(database)[-1:]), FIRST_PREV)
    return AnchorLog((), FIRST_PREV)


def append_anchor(path: Path, database: str, seq: int, head_hash: str) -> Anchor:
    """Appends the head to the file, chained to its last line; when that line already records
    this database's head, returns it instead. Only the last line is read, so a sweep's cost
    does not grow with the file; ``verify`` checks every line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        try:
            last = _last_line(path)
            if last is not None:
                parsed = parse_line(last, 0)
                if not isinstance(parsed, str):
                    found = parsed[0]
                    if (found.database, found.seq, found.hash) == (database, seq, head_hash):
                        return found
            prev = FIRST_PREV if last is None else line_hash(last)
            anchor = Anchor(seq, head_hash, datetime.now(UTC), database)
            file.write(anchor_line(anchor, prev) + "\n")
            file.flush()
            os.fsync(file.fileno())
            return anchor
        finally:
            fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def anchor_head(engine: Engine, path: Path | None = None) -> Anchor:
    """Records the committed head of this database's chain in the anchor file."""
    with session_scope(engine) as session:
        head = session.get(AuditHead, 1)
        seq, head_hash = (head.last_event_id, head.last_hash) if head else (0, FIRST_PREV)
    return append_anchor(path or anchor_file(), database_id(engine.url), seq, head_hash)
