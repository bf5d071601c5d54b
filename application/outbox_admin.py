"""The operator's view of the notification outbox: list rows, put dead letters back.

A row's route is an Apprise URL naming a team inbox on the relay; operators see the recipient
label it stands for, never the URL, and never the message context.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlmodel import Session, col, select

from infrastructure import audit
from models import Notification
from notifications.delivery import retry_dead

Status = Literal["pending", "sending", "delivered", "dead"]
STATUSES: tuple[str, ...] = get_args(Status)


@dataclass(frozen=True)
class NotificationRow:
    id: int
    case_reference: str | None
    event_type: str
    recipient: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None


class UnknownNotificationError(LookupError):
    pass


class NotDeadError(ValueError):
    pass


def _row(notification: Notification) -> NotificationRow:
    # A delivered or dead row is never attempted again, so it has no "next attempt".
    waiting = notification.status in ("pending", "sending")
    return NotificationRow(
        id=notification.id or 0,
        case_reference=notification.case_reference,
        event_type=notification.event_type,
        recipient=notification.recipient,
        status=notification.status,
        attempts=notification.attempts,
        next_attempt_at=notification.next_attempt_at if waiting else None,
        last_error=notification.last_error,
    )


def list_notifications(
    session: Session,
    *,
    status: Status | None = None,
    case_reference: str | None = None,
    limit: int = 100,
) -> list[NotificationRow]:
    """The newest ``limit`` rows matching the filters, newest first."""
    statement = select(Notification).order_by(col(Notification.id).desc()).limit(limit)
    if status is not None:
        statement = statement.where(col(Notification.status) == status)
    if case_reference is not None:
        statement = statement.where(col(Notification.case_reference) == case_reference)
    return [_row(notification) for notification in session.exec(statement)]


def retry_dead_letters(
    session: Session,
    *,
    now: datetime,
    actor: str,
    role: str,
    notification_id: int | None = None,
) -> list[int]:
    """Queue one dead letter (or all of them) again, auditing each in the caller's transaction.

    Refuses, before writing anything, an id that does not exist or is not dead.
    """
    if notification_id is not None:
        found = session.get(Notification, notification_id)
        if found is None:
            raise UnknownNotificationError(f"no notification with id {notification_id}")
        if found.status != "dead":
            raise NotDeadError(
                f"notification {notification_id} is {found.status}; only dead letters are retried"
            )
        candidates = [found]
    else:
        dead = select(Notification).where(col(Notification.status) == "dead")
        candidates = list(session.exec(dead.order_by(col(Notification.id))))
    retried = []
    for row in candidates:
        before = {"notification": row.id, "status": row.status, "attempts": row.attempts,
                  "last_error": row.last_error}  # fmt: skip
        # Counted per row: one that left the dead state meanwhile is neither retried nor audited.
        if retry_dead(session, now, row.id) == 0:
            continue
        audit.record(
            session,
            actor=actor,
            role=role,
            action="notification.retried",
            case_reference=row.case_reference,
            before=before,
            after={"notification": row.id, "status": "pending", "attempts": 0},
            basis="operator retry of a dead letter",
        )
        retried.append(row.id or 0)
    return retried
