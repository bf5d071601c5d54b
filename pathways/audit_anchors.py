"""Anchors: the audit chain's head (its last event id and hash), written outside the database.

Each sweep appends one line to an append-only file. A line names the database it anchors (a
fingerprint of its address, so one file can serve several) and the hash of the line before it,
so a line edited or removed from the middle of the file is caught too. ``verify`` then checks
that the live chain still holds every anchored (id, hash): rewriting rows *and* the head in the
database no longer passes, as long as the rewrite reaches back before the latest anchor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

FORMAT: Final = 1
FIRST_PREV: Final = "0" * 64
_HEX64: Final = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Anchor:
    seq: int
    """The id of the last event when it was written (0: an empty chain)."""
    hash: str
    at: datetime
    database: str
    line: int = 0
    """Its line in the file, from 1 (0 before it is written)."""


def line_hash(line: str) -> str:
    return hashlib.sha256(line.encode("utf-8")).hexdigest()


def anchor_line(anchor: Anchor, prev: str) -> str:
    """One line of the file (no newline), chained to the line before it by ``prev``."""
    return json.dumps(
        {
            "v": FORMAT,
            "database": anchor.database,
            "seq": anchor.seq,
            "hash": anchor.hash,
            "at": anchor.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "prev": prev,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


@dataclass(frozen=True)
class AnchorLog:
    anchors: tuple[Anchor, ...]
    """Every anchor up to the first bad line, for every database."""
    last_line_hash: str
    problem: str | None = None

    def of(self, database: str) -> list[Anchor]:
        return [anchor for anchor in self.anchors if anchor.database == database]


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX64


def parse_line(text: str, number: int) -> tuple[Anchor, str] | str:
    """(the anchor, the prev it names), or what is wrong with the line."""
    try:
        fields = json.loads(text)
    except ValueError:
        return f"anchor file line {number} is not JSON"
    if not isinstance(fields, dict) or fields.get("v") != FORMAT:
        return f"anchor file line {number} is not an anchor of format {FORMAT}"
    seq, head, prev, database = (fields.get(k) for k in ("seq", "hash", "prev", "database"))
    if type(seq) is not int or seq < 0 or not isinstance(database, str):
        return f"anchor file line {number}: seq or database is missing or wrong"
    if not ((seq == 0 or _is_hash(head)) and _is_hash(prev)):
        return f"anchor file line {number}: hash or prev is not a SHA-256 hex digest"
    try:
        at = datetime.fromisoformat(str(fields.get("at")))
    except ValueError:
        return f"anchor file line {number}: at is not a date-time"
    if at.tzinfo is None:
        return f"anchor file line {number}: at has no UTC offset"
    return Anchor(seq, str(head), at, database, number), str(prev)


def read_anchor_log(lines: Iterable[str]) -> AnchorLog:
    """Parses and checks the file's lines, stopping at the first one that does not chain."""
    anchors: list[Anchor] = []
    expected_prev = FIRST_PREV
    for number, raw in enumerate(lines, start=1):
        text = raw.rstrip("\n")
        parsed = parse_line(text, number)
        if isinstance(parsed, str):
            return AnchorLog(tuple(anchors), expected_prev, parsed)
        anchor, prev = parsed
        if prev != expected_prev:
            return AnchorLog(
                tuple(anchors),
                expected_prev,
                f"anchor file line {number} does not follow line {number - 1}: "
                "a line was edited, removed or inserted",
            )
        anchors.append(anchor)
        expected_prev = line_hash(text)
    return AnchorLog(tuple(anchors), expected_prev)


@dataclass(frozen=True)
class AnchorBreak:
    event_id: int
    problem: str


def _when(anchor: Anchor) -> str:
    return anchor.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def check_anchors(
    anchors: Sequence[Anchor], hashes: Mapping[int, str], chain_end: int
) -> AnchorBreak | None:
    """The first anchor the live chain contradicts, oldest seq first; None when all hold.

    ``hashes`` holds the live hash of each anchored event id that still exists, ``chain_end``
    the id of the live chain's last event.
    """
    matched: Anchor | None = None
    for anchor in sorted(anchors, key=lambda a: (a.seq, a.line)):
        if anchor.seq == 0:
            continue
        since = ""
        if matched is not None:
            since = f" (event {matched.seq} still matches the anchor of {_when(matched)})"
        if anchor.seq > chain_end:
            if chain_end == 0:
                return AnchorBreak(
                    anchor.seq,
                    f"the chain is empty but the anchor of {_when(anchor)} records "
                    f"{anchor.seq} events: every row was deleted and the head reset",
                )
            return AnchorBreak(
                chain_end + 1,
                f"the chain ends at event {chain_end} but the anchor of {_when(anchor)} "
                f"records event {anchor.seq}: the newest rows were deleted and the head "
                "moved back",
            )
        live = hashes.get(anchor.seq)
        if live is None:
            return AnchorBreak(
                anchor.seq,
                f"event {anchor.seq}, recorded by the anchor of {_when(anchor)}, is missing",
            )
        if live != anchor.hash:
            return AnchorBreak(
                anchor.seq,
                f"event {anchor.seq} does not match the anchor of {_when(anchor)}: the chain "
                f"was rewritten at or before it{since}",
            )
        matched = anchor
    return None
