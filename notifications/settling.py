"""Writes what became of a batch of delivery attempts, in one transaction.

A row is settled only while its sender still holds the claim it was sent under: the batch
reads the rows' state and attempt number first (locking them on PostgreSQL; an SQLite
transaction holds the write lock from BEGIN), and writes only the rows whose claim held, so a
sender whose lease ran out cannot overwrite the result of the sender that claimed the row
after it. Each settled outcome of a case's notification (sent, or a permanent failure) gets
its audit event, covered by the chain, in the same transaction; the batch's events are hashed
in one pass (``audit.record_many``). A permanent failure queues its operations alert there too
(``notifications.dead_letters``).

If the database goes away while a batch settles (a restart, a failover), the transaction
rolls back whole and the batch is settled again once the database answers: the messages are
already with the relay, and a row left ``sending`` would be sent again when its lease ran out.
The retries are bounded; past them the error stands and the lease does its work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Final, Literal

from sqlalchemy import Engine, bindparam, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, col, select

from infrastructure import audit
from infrastructure.db import is_postgres, session_scope
from models import Case, Notification
from notifications.coverage import OUTBOX, insert_outbox, queued_covers, settled_entry
from notifications.dead_letters import dead_letter_alert_rows
from pathways.notification_lifecycle import FailureKind

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retried", "dead", "superseded"]

RETRY_DELAYS: Final = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""Seconds before each new try of a batch whose database went away: about 16 s in all, longer
than a PostgreSQL restart or a managed failover usually takes."""


@dataclass(frozen=True)
class Attempt:
    """One claimed row's attempt, as its sender finished it: the values its settle writes."""

    row: Notification
    """The row as claimed (detached): its id and the attempt number the claim holds."""
    values: dict[str, object]
    outcome: Literal["sent", "retried", "dead"]
    kind: FailureKind | None = None
    """For a permanent failure (``dead``), its kind: the operations alert names it."""


def _lost(error: BaseException) -> bool:
    """An error of the connection, not of the statements: the batch may be tried again."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def settle(
    engine: Engine, attempts: Sequence[Attempt], delays: Sequence[float] = RETRY_DELAYS
) -> list[Outcome]:
    """Settles ``attempts``; what became of each, in order (``superseded`` where another
    sender took the row over, and nothing was written for it)."""
    if not attempts:
        return []
    for delay in (*delays, None):
        try:
            with session_scope(engine) as session:
                outcomes = _settle_in(session, attempts)
        except Exception as error:
            if delay is None or not _lost(error):
                raise
            log.warning(
                "settling %s notification(s): the database connection failed (%s); "
                "trying again in %.2g s",
                len(attempts),
                type(error.orig if isinstance(error, DBAPIError) else error).__name__,
                delay,
            )
            time.sleep(delay)
            continue
        for attempt, outcome in zip(attempts, outcomes, strict=True):
            if outcome == "dead":
                log.warning(
                    "notification %s failed permanently after %s attempts: %s",
                    attempt.row.id,
                    attempt.row.attempts,
                    attempt.kind,
                )
        return outcomes
    raise AssertionError("unreachable: the last try returns or raises")


def _held(session: Session, attempts: Sequence[Attempt]) -> list[Attempt]:
    statement = select(Notification.id, Notification.attempts).where(
        col(Notification.id).in_([attempt.row.id for attempt in attempts]),
        col(Notification.status) == "sending",
    )
    if is_postgres(session.get_bind()):  # type: ignore[arg-type]
        statement = statement.with_for_update()
    claims = dict(session.exec(statement).all())
    held = []
    for attempt in attempts:
        if claims.get(attempt.row.id) == attempt.row.attempts:
            held.append(attempt)
            continue
        log.warning(
            "notification %s: attempt %s lost its claim (the lease ran out and another "
            "sender took the row); leaving the row to that sender",
            attempt.row.id,
            attempt.row.attempts,
        )
    return held


def _write(session: Session, held: Sequence[Attempt]) -> None:
    """One UPDATE per kind of outcome, executed for all its rows at once."""

    def columns(attempt: Attempt) -> tuple[str, ...]:
        return tuple(sorted(attempt.values))

    for names, group in groupby(sorted(held, key=columns), key=columns):
        statement = (
            update(OUTBOX)
            .where(
                OUTBOX.c.id == bindparam("held_id"),
                OUTBOX.c.status == "sending",
                OUTBOX.c.attempts == bindparam("held_attempt"),
            )
            .values({name: bindparam(f"new_{name}", type_=OUTBOX.c[name].type) for name in names})
        )
        session.connection().execute(
            statement,
            [
                {
                    "held_id": attempt.row.id,
                    "held_attempt": attempt.row.attempts,
                    **{f"new_{name}": value for name, value in attempt.values.items()},
                }
                for attempt in group
            ],
        )


def _queue_alert(session: Session, attempt: Attempt) -> dict[str, str]:
    """Queues the operations alert of a permanent failure; the covers of what it queued."""
    row, kind, when = attempt.row, attempt.kind, attempt.values["failed_at"]
    assert kind is not None and isinstance(when, datetime)
    alert_rows = dead_letter_alert_rows(session, row, kind, when)
    if not alert_rows:
        return {}
    ids = insert_outbox(session, alert_rows)
    session.execute(
        update(Notification)
        .where(col(Notification.id) == row.id)
        .values(dead_letter_alerted_at=when)
    )
    case = session.get(Case, row.case_id) if row.case_id is not None else None
    return {} if case is None else queued_covers(alert_rows, ids, case.pii_salt)


def _settle_in(session: Session, attempts: Sequence[Attempt]) -> list[Outcome]:
    held = _held(session, attempts)
    _write(session, held)
    entries = []
    for attempt in held:
        alerts = _queue_alert(session, attempt) if attempt.outcome == "dead" else {}
        entry = settled_entry(attempt.row, attempt.values, alerts)
        if entry is not None:
            entries.append(entry)
    audit.record_many(session, entries)
    kept = {id(attempt) for attempt in held}
    return [attempt.outcome if id(attempt) in kept else "superseded" for attempt in attempts]
