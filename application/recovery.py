"""Finds events that were written but never applied (a crash between the two), to run again.

Applying is idempotent, so running an event that another process is applying at the same
moment is harmless: the second run sees it is no longer pending.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from application.cases import FollowUp
from infrastructure.clock import system_now
from infrastructure.db import session_scope
from models import Case, CaseEvent

STALE_AFTER = timedelta(minutes=2)


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
