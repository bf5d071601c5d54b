"""Claiming a batch of due timers with one statement, and writing back what firing decided.

``claim_due`` is one ``UPDATE timer ... WHERE id IN (SELECT id ... ORDER BY next_fire_at LIMIT
n) RETURNING ...``. On PostgreSQL the inner SELECT takes ``FOR UPDATE SKIP LOCKED``, so two
sweepers claim disjoint batches; on SQLite the transaction's write lock keeps them apart.

RETURNING gives each row as the UPDATE left it, so the UPDATE changes only what can be undone
from what it returns. It fires a warning outright (status ``warned``, next firing at the due
time: all that a warning writes), and takes every other row out of the due set (``next_fire_at``
NULL), except a breached one, whose next escalation step counts from that value.
``state_before`` gives back the state a row had before the claim; ``fire`` decides each row
from it, and ``rewrite`` writes the rows whose firing wrote more than the claim did (a breach,
an escalation, the end of a chain).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, bindparam, case, null, select, text, update
from sqlmodel import Session

from infrastructure.bulk_insert import naive_utc
from models import Timer
from pathways.engine.timers import Firing, TimerState
from pathways.record_digests import COVERED
from pathways.vocabulary import TimerStatus

TIMERS: Final = Timer.metadata.tables["timer"]
FIREABLE: Final = ("open", "warned", "breached")
RETURNED: Final = tuple(dict.fromkeys([*COVERED["timer"].fields, "next_fire_at"]))
"""What firing reads of a row, and what its audit event's digest covers."""

Claimed = dict[str, Any]
"""A claimed row, as the claim left it: a plain dict, which the sweep reads a few dozen
times per row (an engine ``Row``'s attributes cost ten times as much)."""
Written = tuple[str, datetime | None, int]
"""(status, next_fire_at, escalation_level)"""


def claim_due(session: Session, now: datetime, limit: int) -> list[Claimed]:
    """Claims at most ``limit`` due timers, earliest first; returns them in id order."""
    due = (
        select(TIMERS.c.id)
        .where(TIMERS.c.status.in_(FIREABLE), TIMERS.c.next_fire_at <= now)
        .order_by(TIMERS.c.next_fire_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    warning = and_(TIMERS.c.status == "open", TIMERS.c.due_at > now)
    claim = (
        update(TIMERS)
        .where(TIMERS.c.id.in_(due.scalar_subquery()))
        .values(
            status=case((warning, "warned"), else_=TIMERS.c.status),
            next_fire_at=case(
                (warning, TIMERS.c.due_at),
                (TIMERS.c.status == "breached", TIMERS.c.next_fire_at),
                else_=null(),
            ),
        )
        .returning(*(TIMERS.c[name] for name in RETURNED))
    )
    rows = [
        dict(zip(RETURNED, values, strict=True)) for values in session.connection().execute(claim)
    ]
    return sorted(rows, key=lambda row: int(row["id"]))


def state_before(row: Claimed, now: datetime, chain_length: int, breach_level: int) -> TimerState:
    """The claimed row's state before the claim, as ``fire`` reads it."""
    # Only a warning leaves the claim with status 'warned' and a next firing.
    status: TimerStatus = (
        "open" if row["status"] == "warned" and row["next_fire_at"] is not None else row["status"]
    )
    return TimerState(
        status,
        row["warn_at"],
        row["due_at"],
        # Beyond "due", which every claimed row was, only a breached timer's next firing tells
        # ``fire`` anything (its next escalation step counts from it), and the claim kept it.
        row["next_fire_at"] if status == "breached" else now,
        row["escalation_level"],
        chain_length,
        breach_level,
    )


def decided(state: TimerState, firing: Firing | None) -> Written:
    """What the row must hold once fired; with nothing left to fire it leaves the due set."""
    if firing is None:
        return state.status, None, state.escalation_level
    return firing.status, firing.next_fire_at, firing.escalation_level


def claim_wrote(row: Claimed) -> Written:
    return row["status"], row["next_fire_at"], row["escalation_level"]


REWRITE_POSTGRES: Final = text(
    "UPDATE timer SET status = fired.status, next_fire_at = fired.next_fire_at, "
    "escalation_level = fired.escalation_level "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS varchar[]), "
    "CAST(:nexts AS timestamp[]), CAST(:levels AS integer[])) "
    "AS fired (id, status, next_fire_at, escalation_level) "
    "WHERE timer.id = fired.id"
)
"""One statement for the whole batch: an executemany costs PostgreSQL a round of statement
work per row."""


def rewrite(session: Session, rows: Sequence[tuple[int, Written]]) -> None:
    """Writes the firings the claim did not complete, by id."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(
            REWRITE_POSTGRES,
            {
                "ids": [timer_id for timer_id, _ in rows],
                "statuses": [status for _, (status, _, _) in rows],
                # As UTCDateTime stores them: naive UTC.
                "nexts": [naive_utc(next_at) for _, (_, next_at, _) in rows],
                "levels": [level for _, (_, _, level) in rows],
            },
        )
        return
    session.connection().execute(
        update(TIMERS)
        .where(TIMERS.c.id == bindparam("timer_id"))
        .values(
            status=bindparam("new_status"),
            next_fire_at=bindparam("new_next"),
            escalation_level=bindparam("new_level"),
        ),
        [
            {"timer_id": timer_id, "new_status": status, "new_next": next_at, "new_level": level}
            for timer_id, (status, next_at, level) in rows
        ],
    )
