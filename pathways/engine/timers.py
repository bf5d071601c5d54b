"""Pure timer arithmetic: when a timer warns, breaches and escalates, and what firing does.

A timer row carries one ``next_fire_at``; the sweep selects rows whose ``next_fire_at`` has
passed. Firing computes the row's next state from its own dates, never from "now", so a sweep
that runs late (the system was down) fires each step once rather than once per missed minute.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from pathways.calendar import london_date
from pathways.deadlines import compute_deadline, warning_point
from pathways.vocabulary import TimerStatus

FiringKind = Literal["warning", "breach", "escalation"]


@dataclass(frozen=True)
class TimerSchedule:
    started_at: datetime
    warn_at: datetime | None
    due_at: datetime
    next_fire_at: datetime


def schedule_timer(
    rule_id: str,
    start: datetime | date,
    started_at: datetime,
    warn_fraction: float | None,
    overrides: Mapping[str, int] | None = None,
) -> TimerSchedule:
    """``start`` is what the rule counts from (an event time, a birth date, a move date);
    ``started_at`` is when the clock was started, from which the warning point is measured."""
    due_at = compute_deadline(rule_id, start, overrides).due_at
    warn_at = None
    if warn_fraction is not None and due_at > started_at:
        warn_at = warning_point(started_at, due_at, warn_fraction)
    return TimerSchedule(started_at, warn_at, due_at, warn_at or due_at)


@dataclass(frozen=True)
class TimerState:
    status: TimerStatus
    warn_at: datetime | None
    due_at: datetime
    next_fire_at: datetime
    escalation_level: int
    chain_length: int
    breach_level: int = 0
    """The chain level the breach itself alerts (``TimerSpec.escalation_starts_at``); 0: none,
    the walk starts at level 1 one escalation step after the breach."""


@dataclass(frozen=True)
class Firing:
    kind: FiringKind
    status: TimerStatus
    next_fire_at: datetime | None
    escalation_level: int


def next_escalation_at(after: datetime, overrides: Mapping[str, int] | None = None) -> datetime:
    step = overrides.get("escalation-step") if overrides else None
    return _escalation_due(london_date(after), step)


@lru_cache(maxsize=4096)
def _escalation_due(day: date, step: int | None) -> datetime:
    # A working-day count depends only on the day, so a sweep of thousands of breaches that
    # fall on a few days computes a few deadlines.
    overrides = {"escalation-step": step} if step is not None else None
    return compute_deadline("escalation-step", day, overrides).due_at


def fire(
    timer: TimerState,
    now: datetime,
    escalation_step: Callable[[datetime], datetime] = next_escalation_at,
) -> Firing | None:
    """What a due timer does now, or None when nothing is due."""
    if timer.next_fire_at > now or timer.status == "closed":
        return None
    if timer.status in ("open", "warned") and timer.due_at <= now:
        return _breach(timer, escalation_step)
    if timer.status == "open":
        return Firing("warning", "warned", timer.due_at, 0)
    if timer.status == "breached" and timer.escalation_level < timer.chain_length:
        level = timer.escalation_level + 1
        more = level < timer.chain_length
        return Firing(
            "escalation",
            "breached",
            escalation_step(timer.next_fire_at) if more else None,
            level,
        )
    return None


def _breach(timer: TimerState, escalation_step: Callable[[datetime], datetime]) -> Firing:
    # A breach skips a warning that was never sent: one alert per missed point, not two at once.
    level = min(timer.breach_level, timer.chain_length)
    next_fire = escalation_step(timer.due_at) if level < timer.chain_length else None
    return Firing("breach", "breached", next_fire, level)
