"""The audit chain's hold on the outbox (``pathways.operational_coverage``).

Queued rows go in with their ids back, so the audit event of the change that queued them can
cover them; a settled outcome (sent, or dead-lettered) is audited, and covered, in the
transaction that settles it. The events name the notification, its template and its route
kind, never its route (a URL that may hold a secret) or what it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from infrastructure import audit
from infrastructure.audit_keys import commitment_key
from infrastructure.bulk_insert import allocate_ids, insert_rows
from models import Notification
from pathways.digest_batches import BatchDigests
from pathways.operational_coverage import IN_FLIGHT, SETTLED, delivery_digest
from pathways.record_digests import record_key

OUTBOX: Final = Notification.metadata.tables["notification"]
SETTLED_ACTIONS: Final = {
    "sent": "notification.sent",
    "permanent-failure": "notification.dead_lettered",
}
SENDER: Final = "notification-delivery"
BASIS: Final = "outbox delivery (notifications.delivery)"


def insert_outbox(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Inserts outbox rows in bulk (a sweep queues thousands) and returns their ids, in the
    rows' order."""
    ids = allocate_ids(session, OUTBOX, len(rows))
    numbered = [{"id": row_id, **row} for row, row_id in zip(rows, ids, strict=True)]
    insert_rows(session, OUTBOX, numbered)
    return ids


def queued_covers(
    rows: Sequence[Mapping[str, Any]],
    ids: Sequence[int],
    salt: str,
    digests: BatchDigests | None = None,
) -> dict[str, str]:
    """``notification:<id>`` -> digest, for rows ``insert_outbox`` just wrote of the case
    whose ``pii_salt`` is ``salt`` (the route enters as its commitment). A sweep passes one
    ``digests`` for all its batch's messages."""
    key = commitment_key(salt)
    digest = (digests or BatchDigests("notification")).digest
    return {
        record_key("notification", row_id): digest({**row, "id": row_id}, salt, key)
        for row, row_id in zip(rows, ids, strict=True)
    }


def in_flight_cover(notification_id: int) -> dict[str, str]:
    """What a row put back in the queue (an operator's retry) is covered as, until it settles."""
    return {record_key("delivery", notification_id): IN_FLIGHT}


def settled_entry(
    row: Notification, values: Mapping[str, Any], alerts: Mapping[str, str]
) -> audit.AuditEntry | None:
    """The audit event of a settle that writes ``values`` to ``row``: None while the row is
    still in flight, or for a notification of no case (no case record to cover).

    ``alerts`` covers the dead-letter alerts the same settle queued."""
    status = values["status"]
    if status not in SETTLED or row.case_id is None:
        return None
    settled = {
        "id": row.id,
        "attempts": row.attempts,
        "delivered_at": row.delivered_at,
        "failed_at": row.failed_at,
        "last_error_kind": row.last_error_kind,
        **values,
    }
    key, digest = delivery_digest(settled)
    at: datetime | None = settled["delivered_at"] or settled["failed_at"]
    return audit.AuditEntry(
        actor=SENDER,
        role="system",
        action=SETTLED_ACTIONS[status],
        case_reference=row.case_reference,
        after={
            "notification": row.id,
            "template": row.event_type,
            "route_kind": row.recipient,
            "status": status,
            "attempts": row.attempts,
            "error_kind": settled["last_error_kind"],
            "alerts": sorted(int(alert.partition(":")[2]) for alert in alerts),
        },
        basis=BASIS,
        at=at,
        covers={key: digest, **alerts},
    )
