"""The injectable clock. Tests and the demo move time forward without sleeping.

``now()`` is the system time plus an offset. The offset lives in the database (one row), so
every process that shares the database (the dashboard, the served sweep, the CLI) agrees on
virtual time. It can only be moved when ``PATHWAYS_ALLOW_TIME_TRAVEL`` is set, never in
production.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from models.clock import ClockOffset

_pinned: ContextVar[datetime | None] = ContextVar("pinned_now", default=None)


def system_now() -> datetime:
    return datetime.now(UTC)


def now(engine: Engine | None = None) -> datetime:
    """The current time as the application sees it."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    if engine is None:
        return system_now()
    with Session(engine) as session:
        row = session.get(ClockOffset, 1)
    if row is None:
        return system_now()
    if row.frozen_at is not None:
        return row.frozen_at
    return system_now() + timedelta(seconds=row.offset_seconds)


def pin(moment: datetime) -> object:
    """Pin this context's clock (tests, simulations); returns a token for ``unpin``."""
    return _pinned.set(moment.astimezone(UTC))


def unpin(token: object) -> None:
    _pinned.reset(token)  # type: ignore[arg-type]


def set_virtual_time(session: Session, moment: datetime | None, *, frozen: bool = False) -> None:
    """Move the shared clock to ``moment`` (None returns to real time)."""
    row = session.get(ClockOffset, 1) or ClockOffset(id=1)
    if moment is None:
        row.offset_seconds, row.frozen_at = 0.0, None
    elif frozen:
        row.offset_seconds, row.frozen_at = 0.0, moment.astimezone(UTC)
    else:
        row.offset_seconds = (moment - system_now()).total_seconds()
        row.frozen_at = None
    session.add(row)
