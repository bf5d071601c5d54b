"""Moving the shared virtual clock (``infrastructure.clock``) on purpose, for demos; every
move, allowed or refused, is audited with the principal who asked for it.

Refused unless ``PATHWAYS_ALLOW_TIME_TRAVEL=1``, and always in production: a moved clock fires
statutory timers early or late. Within that, ``pathways.clock_moves`` bounds a single move and
keeps the clock from going backwards while cases exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from infrastructure import audit, clock
from infrastructure.db import session_scope
from infrastructure.settings import Environment, Settings
from models import Case
from models.clock import ClockOffset
from pathways.clock_moves import (
    MAX_SETTING,
    ClockMoveRefused,
    ClockRequest,
    PlannedMove,
    max_move,
    plan_move,
)
from pathways.principal import Actor

BASIS = "PATHWAYS_ALLOW_TIME_TRAVEL=1 (demo or test clock)"


def _bounds(settings: Settings) -> str:
    return (
        f"one move goes at most {settings.max_clock_move_days} days ({MAX_SETTING}); "
        "never backwards while cases exist"
    )


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


def _cases_exist(session: Session) -> bool:
    return session.exec(select(Case.id).limit(1)).first() is not None


def _audit_refusal(
    session: Session,
    request: ClockRequest,
    refused: ClockMoveRefused,
    *,
    actor: Actor,
    before: ClockReading,
    basis: str,
) -> ClockMoveRefused:
    audit.record(
        session,
        actor=actor.username,
        role=actor.role,
        action=f"clock.refused.{refused.rule}",
        before=before.as_dict(),
        # What was typed is a duration or a date, never about a person.
        after={
            "attempted": f"clock.{request.action}",
            "argument": request.argument,
            "given": request.text[:80],
            "rule": refused.rule,
            "reason": refused.reason,
        },
        basis=basis,
    )
    return refused


def move_clock(
    engine: Engine,
    request: ClockRequest,
    *,
    actor: Actor,
    settings: Settings,
) -> ClockReading | ClockMoveRefused:
    """Move the clock as ``request`` asks, or refuse it by ``pathways.clock_moves``; a frozen
    clock stays frozen. The move or the refusal is audited as ``clock.<action>`` or
    ``clock.refused.<rule>`` in the same transaction, so a refused move writes only its audit
    row. Raises ``TimeTravelRefusedError`` (nothing written) while time travel is off."""
    ensure_allowed(settings)
    with session_scope(engine) as session:
        before = _reading(session)
        plan = plan_move(
            request,
            before=before.now,
            real=before.real,
            limit=max_move(settings.max_clock_move_days),
            cases_exist=_cases_exist(session),
        )
        if isinstance(plan, ClockMoveRefused):
            return _audit_refusal(
                session, request, plan, actor=actor, before=before, basis=_bounds(settings)
            )
        after = _apply(session, plan, before)
        audit.record(
            session,
            actor=actor.username,
            role=actor.role,
            action=f"clock.{request.action}",
            before=before.as_dict(),
            after=after.as_dict(),
            basis=f"{BASIS}; {_bounds(settings)}",
        )
    return after


def _apply(session: Session, plan: PlannedMove, before: ClockReading) -> ClockReading:
    moment = plan.target
    clock.set_virtual_time(session, moment, frozen=before.frozen and moment is not None)
    session.flush()
    return _reading(session)
