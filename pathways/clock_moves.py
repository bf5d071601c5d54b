"""How far the shared virtual clock may be moved at once, and when it may go backwards.

Pure rules for ``pathways clock``. Moving the clock makes the next sweep fire everything that
falls due in between, so one move is bounded (``PATHWAYS_MAX_CLOCK_MOVE_DAYS``): a typo such as
``99999d`` would otherwise fire every timer and mail every escalation chain at once. And the
clock does not go backwards while any case exists: their events, timers and audit rows were
written at the later time, and a deadline already fired would fall due a second time.

A reset returns to real time, which is where production always is, so it is not bounded by
the maximum; it is still a backwards move when the clock is ahead of real time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ClassVar, Final, Literal

DURATION: Final = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
UNIT_SECONDS: Final = (7 * 86_400, 86_400, 3_600, 60, 1)
# Far more digits than any bound allows; keeps int() away from its digit limit.
MAX_DURATION_CHARS: Final = 40
SECONDS_PER_DAY: Final = 86_400
MAX_SETTING: Final = "PATHWAYS_MAX_CLOCK_MOVE_DAYS"

ClockAction = Literal["set", "advanced", "reset"]
ClockRule = Literal["too_far", "backwards_with_cases", "out_of_range"]


@dataclass(frozen=True)
class SetTo:
    """``clock set``: to a moment (timezone-aware)."""

    moment: datetime
    text: str

    action: ClassVar[ClockAction] = "set"
    argument: ClassVar[str] = "ISO_DATETIME"


@dataclass(frozen=True)
class AdvanceBy:
    """``clock advance``: forward by whole seconds (an int, so no amount can overflow)."""

    seconds: int
    text: str

    action: ClassVar[ClockAction] = "advanced"
    argument: ClassVar[str] = "DURATION"


@dataclass(frozen=True)
class ResetToReal:
    """``clock reset``: back to real time."""

    text: str = "reset"

    action: ClassVar[ClockAction] = "reset"
    argument: ClassVar[str] = "reset"


ClockRequest = SetTo | AdvanceBy | ResetToReal


@dataclass(frozen=True)
class ClockMoveRefused:
    """Which rule refused a move, and a one-line reason naming the argument and the rule."""

    rule: ClockRule
    reason: str
    argument: str


@dataclass(frozen=True)
class PlannedMove:
    """Where an allowed move lands; ``None`` is real time."""

    target: datetime | None


def duration_seconds(text: str) -> int | None:
    """``26h``, ``3d``, ``1d12h``, ``90m``, ``2w`` as whole seconds; None if not a duration."""
    value = text.strip()
    if not value or len(value) > MAX_DURATION_CHARS:
        return None
    match = DURATION.match(value)
    if match is None:
        return None
    return sum(int(n) * unit for n, unit in zip(match.groups(), UNIT_SECONDS, strict=True) if n)


def max_move(days: int) -> timedelta:
    return timedelta(days=days)


def _days(span: timedelta) -> str:
    days = abs(span) / timedelta(days=1)
    return f"{days:.0f} days" if days >= 10 else f"{days:.1f} days"


def _too_far(
    request: ClockRequest, distance: str, forward: bool, limit: timedelta
) -> ClockMoveRefused:
    why = ", so one sweep never fires more than that at once" if forward else ""
    return ClockMoveRefused(
        "too_far",
        f"{request.argument}: '{request.text}' would move the clock {distance} "
        f"{'ahead' if forward else 'back'}; one move is at most {limit.days} days "
        f"({MAX_SETTING}){why}",
        request.argument,
    )


def _backwards(request: ClockRequest, before: datetime, target: datetime) -> ClockMoveRefused:
    what = (
        "the clock is ahead of real time, so a reset moves it backwards"
        if isinstance(request, ResetToReal)
        else f"'{request.text}' is {_days(before - target)} before the clock's time"
    )
    return ClockMoveRefused(
        "backwards_with_cases",
        f"{request.argument}: {what}; the clock does not move backwards while cases exist "
        "(their timers and history were written at the later time)",
        request.argument,
    )


def _target(
    request: ClockRequest, before: datetime, real: datetime, limit: timedelta
) -> datetime | ClockMoveRefused:
    if isinstance(request, ResetToReal):
        return real
    try:
        if isinstance(request, SetTo):
            return request.moment.astimezone(UTC)
        # Compared as integers before any timedelta is built: no amount typed can overflow.
        if abs(request.seconds) > limit // timedelta(seconds=1):
            days = f"{abs(request.seconds) // SECONDS_PER_DAY} days"
            return _too_far(request, days, request.seconds > 0, limit)
        return before + timedelta(seconds=request.seconds)
    except OverflowError:
        # Years 1 and 9999 with an offset that takes them outside the calendar Python holds.
        return ClockMoveRefused(
            "out_of_range",
            f"{request.argument}: '{request.text}' is outside the dates the clock can hold",
            request.argument,
        )


def plan_move(
    request: ClockRequest,
    *,
    before: datetime,
    real: datetime,
    limit: timedelta,
    cases_exist: bool,
) -> PlannedMove | ClockMoveRefused:
    """Where ``request`` takes the clock from ``before`` (its time now; ``real`` is real time),
    or the rule that refuses it. Both moments are timezone-aware."""
    before, real = before.astimezone(UTC), real.astimezone(UTC)
    target = _target(request, before, real, limit)
    if isinstance(target, ClockMoveRefused):
        return target
    # In UTC: a same-zone subtraction of two London times would be wall-clock time.
    step = target - before
    if not isinstance(request, ResetToReal) and abs(step) > limit:
        return _too_far(request, _days(step), step > timedelta(0), limit)
    if step < timedelta(0) and cases_exist:
        return _backwards(request, before, target)
    return PlannedMove(None if isinstance(request, ResetToReal) else target)
