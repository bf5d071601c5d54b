"""The operator's view of the notification outbox: list rows, summarise the dead letters (the
operations page), and put dead letters back.

A dead letter is a permanent failure (``pathways.notification_lifecycle``). A row's route names
a team inbox or channel; operators see the recipient label it stands for, never the route, and
never the message context.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from infrastructure import audit
from models import Notification
from notifications.coverage import in_flight_cover
from notifications.delivery import retry_dead
from pathways.notification_lifecycle import next_status
from pathways.vocabulary import NotificationStatus, values_of

Status = NotificationStatus
STATUSES: tuple[str, ...] = values_of(NotificationStatus)
DEAD: NotificationStatus = "permanent-failure"


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
    error_kind: str | None
    failed_at: datetime | None
    alerted_at: datetime | None
    """When the operations alert about this dead letter was queued (None: not alerted)."""


@dataclass(frozen=True)
class DeadLetterSummary:
    """What the operations page shows of the dead letters: how many, of which kinds, and the
    newest with their specific error."""

    total: int
    by_kind: dict[str, int] = field(default_factory=dict)
    newest: list[NotificationRow] = field(default_factory=list)


class UnknownNotificationError(LookupError):
    pass


class NotDeadError(ValueError):
    pass


def _row(notification: Notification) -> NotificationRow:
    # A sent or failed-for-good row is never attempted again, so it has no "next attempt".
    waiting = notification.status in ("pending", "sending", "temporary-failure")
    return NotificationRow(
        id=notification.id or 0,
        case_reference=notification.case_reference,
        event_type=notification.event_type,
        recipient=notification.recipient,
        status=notification.status,
        attempts=notification.attempts,
        next_attempt_at=notification.next_attempt_at if waiting else None,
        last_error=notification.last_error,
        error_kind=notification.last_error_kind,
        failed_at=notification.failed_at,
        alerted_at=notification.dead_letter_alerted_at,
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


def dead_letter_summary(session: Session, *, limit: int = 20) -> DeadLetterSummary:
    """Every dead letter counted by error kind, and the ``limit`` that failed last, newest
    first."""
    counts = session.exec(
        select(Notification.last_error_kind, func.count())
        .where(col(Notification.status) == DEAD)
        .group_by(col(Notification.last_error_kind))
    ).all()
    by_kind = Counter({str(kind or "unknown"): int(count) for kind, count in counts})
    newest = session.exec(
        select(Notification)
        .where(col(Notification.status) == DEAD)
        .order_by(
            func.coalesce(col(Notification.failed_at), col(Notification.created_at)).desc(),
            col(Notification.id).desc(),
        )
        .limit(limit)
    )
    return DeadLetterSummary(
        total=sum(by_kind.values()),
        by_kind=dict(by_kind.most_common()),
        newest=[_row(notification) for notification in newest],
    )


def retry_dead_letters(
    session: Session,
    *,
    now: datetime,
    actor: str,
    role: str,
    notification_id: int | None = None,
) -> list[int]:
    """Queue one dead letter (or all of them) again, auditing each in the caller's transaction.

    Refuses, before writing anything, an id that does not exist or is not a dead letter.
    """
    if notification_id is not None:
        found = session.get(Notification, notification_id)
        if found is None:
            raise UnknownNotificationError(f"no notification with id {notification_id}")
        if found.status != DEAD:
            raise NotDeadError(
                f"notification {notification_id} is {found.status}; only dead letters "
                f"({DEAD}) are retried"
            )
        candidates = [found]
    else:
        dead = select(Notification).where(col(Notification.status) == DEAD)
        candidates = list(session.exec(dead.order_by(col(Notification.id))))
    retried = []
    for row in candidates:
        before = {"notification": row.id, "status": row.status, "attempts": row.attempts,
                  "last_error": row.last_error, "error_kind": row.last_error_kind}  # fmt: skip
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
            after={"notification": row.id, "status": next_status(DEAD, "retry"), "attempts": 0},
            basis="operator retry of a dead letter",
            covers=None if row.case_id is None else in_flight_cover(row.id or 0),
        )
        retried.append(row.id or 0)
    return retried
