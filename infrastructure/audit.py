"""The one way to write the audit log: append a hash-chained event, and verify the chain.

Each event's hash covers its own id, content and the previous event's hash, so an edited,
deleted or reordered row breaks the chain from that row on. ``AuditHead`` holds the last id and
hash, so deleting the newest rows is caught too.

With ``PATHWAYS_AUDIT_KEY`` set, each hash is an HMAC-SHA256 under that key, and the row's
``scheme`` names the key's public id (``hmac-sha256:<key id>``, ``pathways.audit_keys``), so a
forger who rewrites the whole chain needs the key as well as the database. Rows written before
the key was set keep plain SHA-256; rows written before key ids (``hmac-sha256``) verify
against whichever configured key matches. The key may be rotated: the old one moves to
``PATHWAYS_AUDIT_RETIRED_KEYS`` and only verifies. A chain goes plain -> key 1 -> key 2 ...,
never back (``KeySequence``), and a writer whose key is older than the chain's newest row
refuses to append rather than leave such a step back in the chain for good.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from infrastructure.audit_keys import keyring, not_configured
from infrastructure.bulk_insert import insert_rows
from models.audit import AuditEvent, AuditHead
from pathways.audit_keys import Keyring, KeySequence, is_key_id

GENESIS_HASH = "0" * 64
PLAIN = "sha256"
KEYED = "hmac-sha256"


class AuditChainEmptyHeadError(RuntimeError):
    """The head row that migrations create is missing: the database was not migrated."""


def _is_json_native(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float):
        return True
    if isinstance(value, list):
        return all(_is_json_native(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_native(v) for k, v in value.items())
    return False


def normalise(value: Any) -> Any:
    """JSON-safe copy: what is hashed is exactly what the JSON column stores and reads back."""
    if _is_json_native(value):
        # Already what the column reads back; the round trip below costs more than the check.
        return value
    return json.loads(json.dumps(value, default=str, sort_keys=True))


HASHED_FIELDS = (
    "id",
    "actor",
    "role",
    "action",
    "case_reference",
    "before",
    "after",
    "basis",
    "prev_hash",
)


class AuditKeyMissingError(RuntimeError):
    """A keyed row cannot be written or checked without ``PATHWAYS_AUDIT_KEY``."""


class AuditKeyRotatedError(AuditKeyMissingError):
    """The chain's newest row is signed with a key this process does not have: the key was
    rotated and this process still runs with the old one."""


def audit_key() -> bytes | None:
    """The configured chain key (outside the database), or None for a plain chain."""
    return keyring().current


def keyed_scheme(kid: str) -> str:
    return f"{KEYED}:{kid}"


def scheme_key_id(scheme: str) -> str | None:
    """The key id a row's scheme names (None for plain rows and rows from before key ids)."""
    prefix, _, kid = scheme.partition(":")
    return kid if prefix == KEYED and is_key_id(kid) else None


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"))
"""What ``json.dumps`` with these options would build anew for every row hashed."""


def _material(row: Mapping[str, Any]) -> bytes:
    material = {name: row[name] for name in HASHED_FIELDS}
    material["occurred_at"] = row["occurred_at"].astimezone(UTC).isoformat(timespec="microseconds")
    # Only when present, so every row written before events carried digests keeps its hash.
    if row.get("covers") is not None:
        material["covers"] = row["covers"]
    return _CANONICAL.encode(material).encode("utf-8")


def row_hash(row: Mapping[str, Any], key: bytes | None = None) -> str:
    """The hash of one event's values (a row as a mapping, before or after it is stored), by
    the row's ``scheme``: plain SHA-256, or HMAC-SHA256 under ``key``."""
    encoded = _material(row)
    if row.get("scheme", PLAIN) == PLAIN:
        return hashlib.sha256(encoded).hexdigest()
    if key is None:
        raise AuditKeyMissingError("PATHWAYS_AUDIT_KEY is not set: a keyed row needs it")
    return hmac.digest(key, encoded, "sha256").hex()


EVENT_FIELDS = (*HASHED_FIELDS, "occurred_at", "covers", "scheme")


def event_hash(event: AuditEvent, key: bytes | None = None) -> str:
    return row_hash({name: getattr(event, name) for name in EVENT_FIELDS}, key)


@dataclass(frozen=True)
class AuditEntry:
    actor: str
    role: str
    action: str
    case_reference: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    basis: str = ""
    at: datetime | None = None
    covers: dict[str, str] | None = None
    """'table:id' -> digest of each case record the change wrote (application.audit_coverage)."""


def lock_head(session: Session) -> AuditHead:
    """Locks the chain's head row: appenders (and importers that must see each other) queue."""
    # FOR UPDATE serialises appenders on PostgreSQL; a SQLite transaction holds the write lock.
    head = session.exec(select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        raise AuditChainEmptyHeadError("audit head row missing; run migrations first")
    return head


OPTIONAL = {"covers": None, "scheme": PLAIN}
"""Columns an insert leaves to the database's default when no row of it needs them."""


def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows without the optional columns no row needs, so the insert names only columns in
    use (a database at an older migration, as the migration tests build, still takes it)."""
    unused = {
        name for name, default in OPTIONAL.items() if all(row[name] == default for row in rows)
    }
    if not unused:
        return rows
    return [{k: v for k, v in row.items() if k not in unused} for row in rows]


def record_many(session: Session, entries: Sequence[AuditEntry]) -> list[dict[str, Any]]:
    """Append events in the caller's transaction, so they commit or roll back with the change.

    Rows are plain mappings inserted in one statement: the sweep appends thousands at a time,
    and building a model object per event cost more than hashing and writing it.
    """
    if not entries:
        return []
    head = lock_head(session)
    last_id, last_hash = head.last_event_id, head.last_hash
    ring = keyring()
    _refuse_an_older_key(session, last_id, ring)
    key, kid = ring.current, ring.current_id
    scheme = PLAIN if kid is None else keyed_scheme(kid)
    rows = []
    for entry in entries:
        last_id += 1
        row = {
            "id": last_id,
            "occurred_at": (entry.at or datetime.now(UTC)).astimezone(UTC),
            "actor": entry.actor,
            "role": entry.role,
            "action": entry.action,
            "case_reference": entry.case_reference,
            "before": normalise(entry.before),
            "after": normalise(entry.after),
            "basis": entry.basis,
            "prev_hash": last_hash,
            "covers": entry.covers,
            "scheme": scheme,
        }
        last_hash = row["hash"] = row_hash(row, key)
        rows.append(row)
    insert_rows(session, AuditEvent.metadata.tables["auditevent"], _named(rows))
    head.last_event_id, head.last_hash = last_id, last_hash
    session.add(head)
    session.flush()
    return rows


def _refuse_an_older_key(session: Session, last_id: int, ring: Keyring) -> None:
    """A process still configured with a key the chain has moved on from (a rotation it has not
    been restarted for) would write a step back that ``verify`` reports for ever after: it
    fails its write instead, which the restart then cures."""
    if last_id == 0 or ring.current is None:
        # Without a key nothing is signed (production refuses to start so); and the migration
        # tests write to schemas from before ``scheme`` existed.
        return
    newest = session.exec(select(AuditEvent.scheme).where(AuditEvent.id == last_id)).first()
    kid = None if newest is None else scheme_key_id(newest)
    if kid is not None and ring.key(kid) is None:
        raise AuditKeyRotatedError(
            f"the newest audit row is signed with key {kid}, which this process does not have: "
            "the audit key was rotated; restart this process with the new PATHWAYS_AUDIT_KEY "
            "(and the old one in PATHWAYS_AUDIT_RETIRED_KEYS)"
        )


def record(
    session: Session,
    *,
    actor: str,
    role: str,
    action: str,
    case_reference: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    basis: str = "",
    at: datetime | None = None,
    covers: dict[str, str] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction."""
    entry = AuditEntry(actor, role, action, case_reference, before, after, basis, at, covers)
    return AuditEvent.model_validate(record_many(session, [entry])[0])


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    problem: str = ""


def _events_in_order(session: Session) -> Iterator[AuditEvent]:
    statement = select(AuditEvent).order_by(col(AuditEvent.id)).execution_options(yield_per=2000)
    yield from session.exec(statement)


@dataclass(frozen=True)
class RowCheck:
    problem: str | None
    signer: str | None
    """The id of the key that signed the row; None for a plain row (or one that failed)."""


def _keyed_problem(event: AuditEvent) -> str:
    plain = row_hash({**{n: getattr(event, n) for n in EVENT_FIELDS}, "scheme": PLAIN})
    if plain == event.hash:
        return (
            f"event {event.id} was recomputed without the key: its hash is plain SHA-256, "
            "not the keyed HMAC"
        )
    return "content does not match its hash"


def check_row(event: AuditEvent, ring: Keyring) -> RowCheck:
    """One row's hash checked by its scheme, and which key signed it. The order of signers
    along the chain is ``KeySequence``'s to judge."""
    if event.scheme == PLAIN:
        intact = event_hash(event) == event.hash
        return RowCheck(None if intact else "content does not match its hash", None)
    if event.scheme == KEYED:
        # Written before rows named their key: whichever configured key matches signed it.
        if not ring:
            return RowCheck(
                f"event {event.id} is keyed (HMAC-SHA256) but PATHWAYS_AUDIT_KEY is not set: "
                "it cannot be checked",
                None,
            )
        for candidate in ring.ids:
            if event_hash(event, ring.key(candidate)) == event.hash:
                return RowCheck(None, candidate)
        return RowCheck(_keyed_problem(event), None)
    kid = scheme_key_id(event.scheme)
    if kid is None:
        return RowCheck(f"event {event.id} names an unknown hash scheme '{event.scheme}'", None)
    key = ring.key(kid)
    if key is None:
        return RowCheck(f"event {event.id} is keyed with {not_configured(kid)}", None)
    if event_hash(event, key) == event.hash:
        return RowCheck(None, kid)
    return RowCheck(_keyed_problem(event), None)


def verify_chain(session: Session) -> ChainReport:
    ring = keyring()
    signers = KeySequence(ring.current_id)
    expected_prev = GENESIS_HASH
    expected_id = 1
    checked = 0
    previous: AuditEvent | None = None
    for event in _events_in_order(session):
        if event.id != expected_id:
            # A gap names the first missing id, as a cut-off tail does; an extra id names itself.
            missing = (event.id or 0) > expected_id
            return ChainReport(
                False,
                checked,
                expected_id if missing else event.id,
                f"expected event {expected_id} next, found {event.id}",
            )
        if event.prev_hash != expected_prev:
            return _broken_link(session, event, previous, checked, ring)
        row = check_row(event, ring)
        problem = row.problem or signers.step(event.id or 0, row.signer)
        if problem is not None:
            return ChainReport(False, checked, event.id, problem)
        expected_prev = event.hash
        expected_id += 1
        checked += 1
        previous = event
    head = session.get(AuditHead, 1)
    if head is None:
        return ChainReport(False, checked, None, "head row missing")
    if head.last_event_id != checked or head.last_hash != expected_prev:
        if head.last_event_id > checked:
            first_bad = checked + 1  # the newest rows were deleted
        elif head.last_event_id < checked:
            first_bad = head.last_event_id + 1  # rows were added after the newest real one
        else:
            first_bad = checked  # the newest row was edited and its hash rewritten
        return ChainReport(
            False,
            min(checked, first_bad - 1),
            first_bad,
            f"chain ends at event {checked} but the head records event {head.last_event_id}",
        )
    stale = signers.newest_problem(checked)
    if stale is not None and signers.run_start is not None:
        # The service signs every row with the current key: older signers at the end are a
        # chain recomputed without it (or a key set or rotated since the last write).
        return ChainReport(False, signers.run_start - 1, signers.run_start, stale)
    return ChainReport(True, checked)


def _broken_link(
    session: Session, event: AuditEvent, previous: AuditEvent | None, checked: int, ring: Keyring
) -> ChainReport:
    """Names the row a broken link points at: this row, unless the evidence clears it.

    Two kinds of tampering leave this row as it was written and break the link from the row
    before it: a row inserted ahead of it (both name the same predecessor), and the row before
    edited and given a forged hash (this row still matches its own hash, and its successor, or
    the head, still links to it).
    """
    event_id = event.id or 0
    if previous is not None:
        if event.prev_hash == previous.prev_hash:
            return ChainReport(
                False,
                checked - 1,
                event_id - 1,
                f"event {event_id - 1} was inserted: event {event_id} names the same predecessor",
            )
        if check_row(event, ring).problem is None and _linked_from_next(session, event):
            return ChainReport(
                False,
                checked - 1,
                event_id - 1,
                f"event {event_id - 1} was edited and its hash rewritten: "
                f"event {event_id} still links to the original",
            )
    return ChainReport(False, checked, event_id, "prev_hash does not match the event before")


def _linked_from_next(session: Session, event: AuditEvent) -> bool:
    successor = session.get(AuditEvent, (event.id or 0) + 1)
    if successor is not None:
        return successor.prev_hash == event.hash
    head = session.get(AuditHead, 1)
    return head is not None and head.last_hash == event.hash
