"""Delivers outbox rows through Apprise, as ``pathways.notification_lifecycle`` lays down.

A sender claims a due row (``sending``, one more attempt, a lease in ``next_attempt_at``) and
commits before anything is sent, so a crashed sender's rows come back when the lease runs out.
It then settles the row only while it still holds that claim: the settling UPDATE names the
state and the attempt it claimed, so a sender whose lease ran out cannot overwrite the result
of the sender that claimed the row after it.

Failures are classified where they happen. A route that does not resolve, a template that is
missing or does not render and a context the template cannot take are permanent at once; a
relay that refuses the message or cannot be reached is temporary, retried on the configured
schedule (``PATHWAYS_RETRY_SCHEDULE``, hours in all) before the row is a permanent failure.
A permanent failure queues one alert to operations (``notifications.dead_letters``). A settled
outcome of a case's notification (sent, or a permanent failure) is audited, and covered by the
chain, in the transaction that settles it (``notifications.coverage``).

Each message carries its idempotency key in an ``X-Pathways-Key`` header, so a receiver can
drop the rare duplicate that a crash (or a lost lease) between "sent" and "settled" can cause.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, get_args
from urllib.parse import quote

import apprise
from jinja2 import TemplateNotFound
from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from infrastructure import audit
from infrastructure.db import session_scope
from infrastructure.settings import get_settings
from models import Case, Notification
from notifications.context import NotificationContext
from notifications.coverage import insert_outbox, queued_covers, settled_entry
from notifications.dead_letters import dead_letter_alert_rows
from notifications.redaction import redact_urls_in
from notifications.relay_errors import captured_apprise_log, classify
from notifications.routes import RouteError, resolve_route
from notifications.templates import RenderedMessage, render, template_hash
from pathways.notification_lifecycle import (
    KIND_LABELS,
    FailureKind,
    after_failure,
    is_due_state,
    next_status,
)
from pathways.vocabulary import NotificationStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
IDEMPOTENCY_HEADER = "X-Pathways-Key"
MAX_REASON = 500
DUE_STATES: tuple[NotificationStatus, ...] = tuple(
    status for status in get_args(NotificationStatus) if is_due_state(status)
)

Outcome = Literal["sent", "retried", "dead", "superseded"]


class DeliveryError(RuntimeError):
    """A failed attempt, with its kind; the reason holds no URL and no credential."""

    def __init__(self, kind: FailureKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: FailureKind = kind
        self.reason = reason


def _with_header(url: str, key: str) -> str:
    if not url.startswith(("mailto://", "mailtos://")):
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}+{IDEMPOTENCY_HEADER}={quote(key, safe='')}"


def send_with_apprise(url: str, key: str, message: RenderedMessage) -> None:
    """Hands the message to the channel ``url`` names; raises DeliveryError saying why not."""
    sender = apprise.Apprise()
    if not sender.add(_with_header(url, key)):
        raise DeliveryError("invalid-route", "invalid route: not a URL Apprise can send to")
    is_email = url.startswith(("mailto://", "mailtos://"))
    with captured_apprise_log() as lines:
        accepted = sender.notify(
            title=message.subject,
            body=message.html if is_email else message.text,
            body_format=apprise.NotifyFormat.HTML if is_email else apprise.NotifyFormat.TEXT,
        )
    if not accepted:
        kind, reason = classify(lines)
        raise DeliveryError(kind, reason)


Sender = Callable[[str, str, RenderedMessage], None]
"""(resolved Apprise URL, idempotency key, message): returns when the channel accepted it."""


@dataclass
class DeliveryResult:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    """Rows that became permanent failures (dead letters) in this run."""
    superseded: int = 0
    """Attempts whose lease ran out before they settled: the row's newer claim settles it."""

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.dead + self.superseded

    def add(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def claim(
    engine: Engine, now: datetime, limit: int, lease: timedelta = LEASE
) -> list[Notification]:
    """Claims up to ``limit`` due rows for this sender; the rows come back detached, each with
    the attempt number its settle must name."""
    with session_scope(engine) as session:
        statement = (
            select(Notification)
            .where(
                col(Notification.status).in_(DUE_STATES),
                col(Notification.next_attempt_at) <= now,
            )
            .order_by(col(Notification.next_attempt_at))
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        candidates = list(session.exec(statement).all())
        claimed = []
        for row in candidates:
            status, attempt, lease_ends = (
                next_status(row.status, "claim"),
                row.attempts + 1,
                now + lease,
            )
            # Guarded like a settle, so two senders that read the same row (SQLite has no
            # SKIP LOCKED) cannot both claim it.
            taken = session.execute(
                update(Notification)
                .where(
                    col(Notification.id) == row.id,
                    col(Notification.status) == row.status,
                    col(Notification.attempts) == row.attempts,
                )
                .values(status=status, attempts=attempt, next_attempt_at=lease_ends)
                .execution_options(synchronize_session=False)
            )
            session.expunge(row)
            if taken.rowcount != 1:  # type: ignore[attr-defined]
                continue
            row.status, row.attempts, row.next_attempt_at = status, attempt, lease_ends
            claimed.append(row)
        return claimed


def _settle(
    engine: Engine,
    row: Notification,
    values: dict[str, object],
    dead_letter: tuple[FailureKind, datetime] | None = None,
) -> bool:
    """Writes ``values`` if this sender still holds its claim (by state and attempt), and for
    a ``dead_letter`` (its kind, and when) queues the operations alert in the same transaction.
    False, writing nothing, if another sender took the row over."""
    this_row = col(Notification.id) == row.id
    with session_scope(engine) as session:
        held = session.execute(
            update(Notification)
            .where(
                this_row,
                col(Notification.status) == "sending",
                col(Notification.attempts) == row.attempts,
            )
            .values(**values)
        )
        if held.rowcount != 1:  # type: ignore[attr-defined]
            log.warning(
                "notification %s: attempt %s lost its claim (the lease ran out and another "
                "sender took the row); leaving the row to that sender",
                row.id,
                row.attempts,
            )
            return False
        alerts: dict[str, str] = {}
        if dead_letter is not None:
            kind, when = dead_letter
            alert_rows = dead_letter_alert_rows(session, row, kind, when)
            if alert_rows:
                ids = insert_outbox(session, alert_rows)
                case = session.get(Case, row.case_id) if row.case_id is not None else None
                alerts = {} if case is None else queued_covers(alert_rows, ids, case.pii_salt)
                session.execute(
                    update(Notification).where(this_row).values(dead_letter_alerted_at=when)
                )
        # A settled outcome is audited with it; a batch settles row by row, so one event each.
        settled = settled_entry(row, values, alerts)
        if settled is not None:
            audit.record_many(session, [settled])
        return True


def _template_hash(event_type: str) -> str:
    try:
        return template_hash(event_type)
    except Exception as error:  # a template that is missing or does not parse: permanent
        raise _template_error(error) from None


def _template_error(error: Exception) -> DeliveryError:
    if isinstance(error, TemplateNotFound):
        # Its own text adds the server's template directory, which is no use to an operator.
        return DeliveryError("template-error", f"template error: {error.name} is missing")
    return DeliveryError("template-error", f"template error: {type(error).__name__}: {error}")


def _context(row: Notification) -> NotificationContext:
    try:
        return NotificationContext.model_validate(row.context)
    except ValidationError as invalid:
        # Field names and rules only: pydantic's own text quotes the input.
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'context'}: {error['msg']}"
            for error in invalid.errors()
        )
        raise DeliveryError("context-error", f"context error: {problems}") from None


def _render(event_type: str, context: NotificationContext) -> RenderedMessage:
    try:
        return render(event_type, context)
    except Exception as error:  # any template that does not render: permanent
        raise _template_error(error) from None


def _resolve(route: str) -> str:
    try:
        return resolve_route(route)
    except RouteError as error:
        raise DeliveryError("invalid-route", f"invalid route: {error}") from None


def _failed(
    engine: Engine,
    row: Notification,
    now: datetime,
    failure: DeliveryError,
    digest: str | None,
    schedule: Sequence[timedelta],
) -> Outcome:
    decided = after_failure(failure.kind, row.attempts, schedule)
    values: dict[str, object] = {
        "status": decided.status,
        "last_error": redact_urls_in(failure.reason)[:MAX_REASON],
        "last_error_kind": failure.kind,
        "template_hash": digest,
    }
    if decided.retry_in is not None:
        values["next_attempt_at"] = now + decided.retry_in
        return "retried" if _settle(engine, row, values) else "superseded"
    values["failed_at"] = now
    if not _settle(engine, row, values, dead_letter=(failure.kind, now)):
        return "superseded"
    log.warning(
        "notification %s failed permanently after %s attempts: %s",
        row.id,
        row.attempts,
        failure.kind,
    )
    return "dead"


def deliver_one(
    engine: Engine,
    row: Notification,
    now: datetime,
    send: Sender = send_with_apprise,
    schedule: Sequence[timedelta] | None = None,
) -> Outcome:
    """Renders, sends and settles one claimed row; returns what became of it."""
    steps = get_settings().retry_schedule if schedule is None else schedule
    digest: str | None = None
    try:
        digest = _template_hash(row.event_type)
        message = _render(row.event_type, _context(row))
        send(_resolve(row.route), row.idempotency_key, message)
    except DeliveryError as failure:
        return _failed(engine, row, now, failure, digest, steps)
    except Exception as error:  # a sender's own fault: temporary, and only its type is kept
        unexpected = DeliveryError(
            "relay-error", f"{KIND_LABELS['relay-error']} ({type(error).__name__})"
        )
        return _failed(engine, row, now, unexpected, digest, steps)
    values: dict[str, object] = {
        "status": next_status(row.status, "accept"),
        "delivered_at": now,
        "last_error": None,
        "last_error_kind": None,
        "template_hash": digest,
    }
    return "sent" if _settle(engine, row, values) else "superseded"


def deliver_due(
    engine: Engine,
    now: datetime,
    limit: int = 500,
    send: Sender = send_with_apprise,
    schedule: Sequence[timedelta] | None = None,
) -> DeliveryResult:
    result = DeliveryResult()
    steps = get_settings().retry_schedule if schedule is None else schedule
    for row in claim(engine, now, limit):
        result.add(deliver_one(engine, row, now, send, steps))
    return result


def retry_dead(session: Session, now: datetime, notification_id: int | None = None) -> int:
    """Puts permanent failures back in the queue with a fresh attempt count: the operator's
    action (``application.outbox_admin`` audits it), the one way out of a final state."""
    failed: NotificationStatus = "permanent-failure"
    statement = update(Notification).where(col(Notification.status) == failed)
    if notification_id is not None:
        statement = statement.where(col(Notification.id) == notification_id)
    outcome = session.execute(
        statement.values(
            status=next_status(failed, "retry"),
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            last_error_kind=None,
            failed_at=None,
            dead_letter_alerted_at=None,
        )
    )
    return int(outcome.rowcount or 0)  # type: ignore[attr-defined]
