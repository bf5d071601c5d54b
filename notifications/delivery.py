"""Delivers outbox rows through Apprise, as ``pathways.notification_lifecycle`` lays down.

A delivery run claims due rows (``sending``, one more attempt, a lease in ``next_attempt_at``)
and commits before anything is sent, so a crashed sender's rows come back when the lease runs
out. A few senders (``PATHWAYS_DELIVERY_SENDERS``, ``notifications.sender_pool``) then render
and send the rows at once, each on SMTP sessions it keeps open for the run
(``notifications.senders``), while the run settles what they finish in batches, each row only
while it still holds its claim (``notifications.settling``): a sender whose lease ran out cannot
overwrite the result of the sender that claimed the row after it.

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import get_args

from jinja2 import TemplateNotFound
from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from infrastructure.db import is_postgres, session_scope
from infrastructure.settings import get_settings
from models import Notification
from notifications.context import NotificationContext
from notifications.redaction import redact_urls_in
from notifications.relay_errors import DeliveryError
from notifications.routes import RouteError, resolve_route
from notifications.sender_pool import in_parallel
from notifications.senders import Sender
from notifications.settling import Attempt, Outcome, settle
from notifications.templates import RenderedMessage, render, template_hash
from pathways.notification_lifecycle import (
    KIND_LABELS,
    after_failure,
    is_due_state,
    next_status,
)
from pathways.vocabulary import NotificationStatus

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_REASON = 500
DUE_STATES: tuple[NotificationStatus, ...] = tuple(
    status for status in get_args(NotificationStatus) if is_due_state(status)
)
# A claim makes every due state one state (the lifecycle's "sending"), so a run claims its rows
# with one UPDATE; this fails at import if the state machine ever says otherwise.
(CLAIMED,) = {next_status(status, "claim") for status in DUE_STATES}


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
    """Claims up to ``limit`` due rows for this run in one statement; the rows come back
    detached, each with the attempt number its settle must name."""
    due = (col(Notification.status).in_(DUE_STATES), col(Notification.next_attempt_at) <= now)
    oldest = (
        select(Notification.id).where(*due).order_by(col(Notification.next_attempt_at)).limit(limit)
    )
    if is_postgres(engine):
        # Concurrent runs each take rows the others have not locked; SQLite has one writer.
        oldest = oldest.with_for_update(skip_locked=True)
    statement = (
        update(Notification)
        # Due once more in the UPDATE itself, so a row that changed since it was read is not
        # taken.
        .where(col(Notification.id).in_(oldest), *due)
        .values(
            status=CLAIMED, attempts=col(Notification.attempts) + 1, next_attempt_at=now + lease
        )
        .returning(Notification)
    )
    with session_scope(engine) as session:
        rows = list(session.scalars(statement, execution_options={"synchronize_session": False}))
    return sorted(rows, key=lambda row: row.id or 0)


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
    row: Notification,
    now: datetime,
    failure: DeliveryError,
    digest: str | None,
    schedule: Sequence[timedelta],
) -> Attempt:
    decided = after_failure(failure.kind, row.attempts, schedule)
    values: dict[str, object] = {
        "status": decided.status,
        "last_error": redact_urls_in(failure.reason)[:MAX_REASON],
        "last_error_kind": failure.kind,
        "template_hash": digest,
    }
    if decided.retry_in is not None:
        values["next_attempt_at"] = now + decided.retry_in
        return Attempt(row, values, "retried")
    values["failed_at"] = now
    return Attempt(row, values, "dead", failure.kind)


def _attempt(
    sender: Sender,
    row: Notification,
    now: datetime,
    schedule: Sequence[timedelta],
    digests: dict[str, str],
) -> Attempt:
    """Renders and sends one claimed row; what its settle is to write. ``digests`` keeps the
    run's template hashes, by event type (hashing reads every template file's time)."""
    digest = digests.get(row.event_type)
    try:
        if digest is None:
            digest = digests[row.event_type] = _template_hash(row.event_type)
        message = _render(row.event_type, _context(row))
        sender.send(_resolve(row.route), row.idempotency_key, message)
    except DeliveryError as failure:
        return _failed(row, now, failure, digest, schedule)
    except Exception as error:  # a sender's own fault: temporary, and only its type is kept
        unexpected = DeliveryError(
            "relay-error", f"{KIND_LABELS['relay-error']} ({type(error).__name__})"
        )
        return _failed(row, now, unexpected, digest, schedule)
    values: dict[str, object] = {
        "status": next_status(row.status, "accept"),
        "delivered_at": now,
        "last_error": None,
        "last_error_kind": None,
        "template_hash": digest,
    }
    return Attempt(row, values, "sent")


def deliver_one(
    engine: Engine,
    row: Notification,
    now: datetime,
    schedule: Sequence[timedelta] | None = None,
) -> Outcome:
    """Renders, sends and settles one claimed row; returns what became of it."""
    steps = get_settings().retry_schedule if schedule is None else schedule
    with Sender() as sender:
        done = _attempt(sender, row, now, steps, {})
    [outcome] = settle(engine, [done])
    return outcome


def deliver_due(
    engine: Engine,
    now: datetime,
    limit: int = 500,
    schedule: Sequence[timedelta] | None = None,
    senders: int | None = None,
) -> DeliveryResult:
    """Claims up to ``limit`` due rows and delivers them on ``senders`` senders at once
    (``PATHWAYS_DELIVERY_SENDERS`` unless given)."""
    settings = get_settings()
    steps = settings.retry_schedule if schedule is None else schedule
    result = DeliveryResult()
    digests: dict[str, str] = {}

    def work(sender: Sender, row: Notification) -> Attempt:
        return _attempt(sender, row, now, steps, digests)

    rows = claim(engine, now, limit)
    count = settings.delivery_senders if senders is None else senders
    for finished in in_parallel(rows, work, count):
        for outcome in settle(engine, finished):
            result.add(outcome)
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
