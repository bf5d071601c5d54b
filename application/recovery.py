"""Finds events that were written but never applied (a crash between the two), to run again.

Applying is idempotent, so running an event that another process is applying at the same
moment changes nothing: the second run sees it is no longer pending. But each run is a flow run
an auditor reads, so two sweepers that find the same stale event must not both run it:
``running_alone`` lets one of them (a PostgreSQL advisory lock, held while the event runs) and
checks the event is still pending once it holds the lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from application.cases import FollowUp
from infrastructure.clock import system_now
from infrastructure.db import session_scope
from models import Case, CaseEvent

STALE_AFTER = timedelta(minutes=2)
# The first key of the two-key advisory lock: this product's "event being run" locks.
EVENT_RUN_LOCKS = 0x4A5050


def stale_pending_events(engine: Engine, older_than: timedelta = STALE_AFTER) -> list[FollowUp]:
    cutoff = system_now() - older_than
    with session_scope(engine) as session:
        rows = session.exec(
            select(Case.pathway, Case.reference, CaseEvent.id)
            .join(Case, col(Case.id) == col(CaseEvent.case_id))
            .where(col(CaseEvent.status) == "pending", col(CaseEvent.recorded_at) < cutoff)
            .order_by(col(CaseEvent.id))
        ).all()
    return [(pathway, reference, event_id or 0) for pathway, reference, event_id in rows]


@contextmanager
def running_alone(engine: Engine, event_id: int) -> Iterator[bool]:
    """True while this process alone may run the pending event: another sweeper holds it, or
    it has been applied since it was found, and it is False. On SQLite, where one sweeper runs
    at a time, only the pending check applies."""
    with engine.connect() as connection:
        locking = connection.dialect.name == "postgresql"
        key = {"space": EVENT_RUN_LOCKS, "event": event_id & 0x7FFFFFFF}
        if (
            locking
            and not connection.execute(
                text("SELECT pg_try_advisory_lock(:space, :event)"), key
            ).scalar()
        ):
            connection.rollback()
            yield False
            return
        try:
            status = connection.execute(
                select(CaseEvent.status).where(col(CaseEvent.id) == event_id)
            ).scalar()
            # The lock is the session's, not the transaction's: nothing stays open meanwhile.
            connection.commit()
            yield status == "pending"
        finally:
            if locking:
                # A lost connection took its session's lock with it.
                with suppress(DBAPIError):
                    connection.execute(text("SELECT pg_advisory_unlock(:space, :event)"), key)
                    connection.commit()
