"""``infrastructure.bulk_insert`` stores a row exactly as a Core insert stores it (on SQLite the
text a time is compared by, on both the JSON and its nulls), and draws ids no insert has used."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from infrastructure.bulk_insert import allocate_ids, insert_rows
from infrastructure.db import session_scope
from models import AuditEvent, Notification

NOTIFICATIONS = Notification.metadata.tables["notification"]
EVENTS = AuditEvent.metadata.tables["auditevent"]
AT = datetime(2027, 3, 2, 12, 0, 0, tzinfo=UTC)  # no microseconds: SQLite still writes them


def _notification(key: str) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "case_id": None,
        "case_reference": "JP-ABCD-EFGH",
        "event_type": "timer_warning",
        "context": {"case_reference": "JP-ABCD-EFGH", "due": None, "event": "Visit: due soon"},
        "recipient": "lha",
        "route": "email:team@example.org",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": AT,
        "created_at": AT,
    }


def _event(hash_: str) -> dict[str, Any]:
    return {
        "occurred_at": AT,
        "actor": "timer-sweep",
        "role": "system",
        "action": "timer.warning",
        "case_reference": None,
        "before": None,
        "after": {"status": "warned", "recipients": ["lha"]},
        "basis": "rule",
        "prev_hash": "0" * 64,
        "hash": hash_,
        "covers": None,
        "scheme": "sha256",
    }


def _stored(engine: Engine, table: str, first: int, second: int) -> list[tuple[Any, ...]]:
    """Both rows as the driver reads them back, without their ids and unique keys."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(f'SELECT * FROM "{table}" WHERE id IN (:a, :b) ORDER BY id'),
            {"a": first, "b": second},
        ).all()
    unique = {"id", "idempotency_key", "hash"}
    return [
        tuple(value for name, value in row._mapping.items() if name not in unique) for row in rows
    ]


def test_rows_are_stored_as_a_core_insert_stores_them(db_engine: Engine) -> None:
    with session_scope(db_engine) as session:
        session.connection().execute(insert(NOTIFICATIONS), [_notification("core")])
        session.connection().execute(insert(EVENTS), [{"id": 1, **_event("a" * 64)}])
        [bulk_id] = allocate_ids(session, NOTIFICATIONS, 1)
        insert_rows(session, NOTIFICATIONS, [{"id": bulk_id, **_notification("bulk")}])
        insert_rows(session, EVENTS, [{"id": 2, **_event("b" * 64)}])
        drawn = allocate_ids(session, NOTIFICATIONS, 3)
    assert bulk_id == 2
    assert drawn == [3, 4, 5]
    core, bulk = _stored(db_engine, "notification", 1, bulk_id)
    assert core == bulk
    core, bulk = _stored(db_engine, "auditevent", 1, 2)
    assert core == bulk
