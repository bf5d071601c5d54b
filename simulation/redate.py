"""Moves a scenario in time, whole weeks at a time, so a story written for January 2027 can be
played as the recent past of today's demo.

Everything moves together: the start, absolute entry times, the law's commencement dates
(``in_force``) and every date or date-time in the inputs (dates of birth included, so ages stay
what the story says). Whole weeks keep every entry on the same weekday and time of day, so
working-day timers and the no-Friday rules still see the week the story was written for.
Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from simulation.plan import play_order
from simulation.scenario_format import Scenario

WEEK = timedelta(weeks=1)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def weeks_back(scenario: Scenario, latest: datetime) -> timedelta:
    """The fewest whole weeks that put the scenario's last entry at or before ``latest``."""
    last = max(play.at for play in play_order(scenario))
    if last <= latest:
        return timedelta(0)
    return WEEK * math.ceil((last - latest) / WEEK)


def shift_value(value: Any, by: timedelta) -> Any:
    """The value with every ISO date or date-time in it moved; anything else unchanged."""
    if isinstance(value, dict):
        return {key: shift_value(item, by) for key, item in value.items()}
    if isinstance(value, list):
        return [shift_value(item, by) for item in value]
    if isinstance(value, datetime):
        return value - by
    if isinstance(value, date):
        return value - timedelta(days=by.days)
    if isinstance(value, str):
        if _DATE_TIME.fullmatch(value[:16]):
            try:
                return (datetime.fromisoformat(value) - by).isoformat()
            except ValueError:
                return value
        if _DATE.fullmatch(value):
            return (date.fromisoformat(value) - timedelta(days=by.days)).isoformat()
    return value


def _moment(at: Any, by: timedelta) -> Any:
    # Offsets from the start move with it; only absolute instants need moving.
    return at - by if isinstance(at, datetime) else at


def redated(scenario: Scenario, by: timedelta) -> Scenario:
    """The same scenario, ``by`` earlier."""
    if not by:
        return scenario
    cases = {
        label: case.model_copy(
            update={"at": _moment(case.at, by), "input": shift_value(case.input, by)}
        )
        for label, case in scenario.cases.items()
    }
    steps = [
        step.model_copy(
            update={
                "at": _moment(step.at, by),
                "input": None if step.input is None else shift_value(step.input, by),
            }
        )
        for step in scenario.steps
    ]
    return scenario.model_copy(
        update={
            "start": scenario.start - by,
            # A commencement date stays where it was in the story.
            "in_force": shift_value(scenario.in_force, by),
            "cases": cases,
            "steps": steps,
        }
    )
