"""Delivers outbox rows through Apprise, with retries, backoff and a dead-letter state.

A row is claimed (status ``sending``, a lease in ``next_attempt_at``) and committed before
anything is sent, so a crashed sender's rows come back after the lease. Each message carries
its idempotency key in an ``X-Pathways-Key`` header, so a receiver can drop the rare duplicate
that a crash between "sent" and "marked delivered" can cause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

import apprise
from sqlalchemy import Engine, or_, update
from sqlmodel import Session, col, select

from infrastructure.db import session_scope
from models import Notification
from notifications.context import NotificationContext
from notifications.templates import RenderedMessage, render

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=2)
IDEMPOTENCY_HEADER = "X-Pathways-Key"


class DeliveryError(RuntimeError):
    pass


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour."""
    return min(BACKOFF_BASE * (1 << max(attempts - 1, 0)), BACKOFF_CAP)


def _with_header(route: str, key: str) -> str:
    if not route.startswith(("mailto://", "mailtos://")):
        return route
    separator = "&" if "?" in route else "?"
    return f"{route}{separator}+{IDEMPOTENCY_HEADER}={quote(key, safe='')}"


def send_with_apprise(route: str, key: str, message: RenderedMessage) -> None:
    sender = apprise.Apprise()
    if not sender.add(_with_header(route, key)):
        raise DeliveryError("the route is not a valid Apprise URL")
    is_email = route.startswith(("mailto://", "mailtos://"))
    ok = sender.notify(
        title=message.subject,
        body=message.html if is_email else message.text,
        body_format=apprise.NotifyFormat.HTML if is_email else apprise.NotifyFormat.TEXT,
    )
    if not ok:
        raise DeliveryError("the channel refused or could not be reached")


Sender = Callable[[str, str, RenderedMessage], None]


@dataclass
class DeliveryResult:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def claim(engine: Engine, now: datetime, limit: int) -> list[Notification]:
    with session_scope(engine) as session:
        statement = (
            select(Notification)
            .where(
                or_(col(Notification.status) == "pending", col(Notification.status) == "sending"),
                col(Notification.next_attempt_at) <= now,
            )
            .order_by(col(Notification.next_attempt_at))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        rows = list(session.exec(statement).all())
        for row in rows:
            row.status = "sending"
            row.attempts += 1
            row.next_attempt_at = now + LEASE
            session.add(row)
        return rows


def _settle(engine: Engine, row_id: int, values: dict[str, object]) -> None:
    with session_scope(engine) as session:
        session.execute(update(Notification).where(col(Notification.id) == row_id).values(**values))


def deliver_one(engine: Engine, row: Notification, now: datetime, send: Sender) -> str:
    try:
        message = render(row.event_type, NotificationContext.model_validate(row.context))
        send(row.route, row.idempotency_key, message)
    except Exception as error:  # any failure of a channel is retried, never lost
        reason = f"{type(error).__name__}: {error}"[:500]
        if row.attempts >= MAX_ATTEMPTS:
            _settle(engine, row.id or 0, {"status": "dead", "last_error": reason})
            log.warning("notification %s dead after %s attempts", row.id, row.attempts)
            return "dead"
        _settle(
            engine,
            row.id or 0,
            {
                "status": "pending",
                "last_error": reason,
                "next_attempt_at": now + backoff(row.attempts),
            },
        )
        return "retried"
    _settle(engine, row.id or 0, {"status": "delivered", "delivered_at": now, "last_error": None})
    return "delivered"


def deliver_due(
    engine: Engine, now: datetime, limit: int = 500, send: Sender = send_with_apprise
) -> DeliveryResult:
    result = DeliveryResult()
    for row in claim(engine, now, limit):
        outcome = deliver_one(engine, row, now, send)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def retry_dead(session: Session, now: datetime, notification_id: int | None = None) -> int:
    """Puts dead letters back in the queue with a fresh attempt count."""
    statement = update(Notification).where(col(Notification.status) == "dead")
    if notification_id is not None:
        statement = statement.where(col(Notification.id) == notification_id)
    outcome = session.execute(
        statement.values(status="pending", attempts=0, next_attempt_at=now, last_error=None)
    )
    return int(outcome.rowcount or 0)  # type: ignore[attr-defined]
