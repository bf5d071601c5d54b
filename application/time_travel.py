"""Moving the shared virtual clock (``infrastructure.clock``) on purpose, for demos; each move
is audited.

Refused unless ``PATHWAYS_ALLOW_TIME_TRAVEL=1``, and always in production: a moved clock fires
statutory timers early or late.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from infrastructure import audit, clock
from infrastructure.db import session_scope
from infrastructure.settings import Environment, Settings
from models.clock import ClockOffset

BASIS = "PATHWAYS_ALLOW_TIME_TRAVEL=1 (demo or test clock)"


class TimeTravelRefusedError(PermissionError):
    pass


@dataclass(frozen=True)
class ClockReading:
    now: datetime
    real: datetime
    frozen: bool

    @property
    def offset(self) -> timedelta:
        return self.now - self.real

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "real": self.real.isoformat(),
            "offset_seconds": round(self.offset.total_seconds(), 3),
            "frozen": self.frozen,
        }


def ensure_allowed(settings: Settings) -> None:
    if settings.environment is Environment.PRODUCTION or not settings.allow_time_travel:
        raise TimeTravelRefusedError(
            "the clock moves only with PATHWAYS_ALLOW_TIME_TRAVEL=1, and never in production"
        )


def _reading(session: Session) -> ClockReading:
    # Locked, so two moves at once apply one after the other instead of one being lost.
    row = session.exec(select(ClockOffset).where(ClockOffset.id == 1).with_for_update()).first()
    real = clock.system_now()
    if row is None:
        return ClockReading(real, real, frozen=False)
    if row.frozen_at is not None:
        return ClockReading(row.frozen_at, real, frozen=True)
    return ClockReading(real + timedelta(seconds=row.offset_seconds), real, frozen=False)


def read_clock(engine: Engine) -> ClockReading:
    with session_scope(engine) as session:
        return _reading(session)


def move_clock(
    engine: Engine,
    target: Callable[[datetime], datetime | None],
    *,
    action: str,
    actor: str,
    role: str,
) -> ClockReading:
    """Set the clock to ``target(current virtual now)`` (None: real time); a frozen clock stays
    frozen. Audited as ``clock.<action>`` in the same transaction."""
    with session_scope(engine) as session:
        before = _reading(session)
        moment = target(before.now)
        clock.set_virtual_time(session, moment, frozen=before.frozen and moment is not None)
        session.flush()
        after = _reading(session)
        audit.record(
            session,
            actor=actor,
            role=role,
            action=f"clock.{action}",
            before=before.as_dict(),
            after=after.as_dict(),
            basis=BASIS,
        )
    return after
