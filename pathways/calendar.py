"""Counting conventions for statutory and local deadlines (spec §0.1).

Pure functions: no I/O and no configuration. The only data is the England & Wales
bank-holiday table shipped inside the ``holidays`` package.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")

# Spec §0.1: a day-based period ends at 23:59 Europe/London on its last day.
END_OF_DAY = time(23, 59)

_SATURDAY = 5
_FRIDAY = 4


def end_of_day(d: date) -> datetime:
    """23:59 Europe/London on ``d`` (tz-aware)."""
    return datetime.combine(d, END_OF_DAY, tzinfo=LONDON)


def start_of_day(d: date) -> datetime:
    """00:00 Europe/London on ``d`` (tz-aware)."""
    return datetime.combine(d, time(0, 0), tzinfo=LONDON)


def to_london(moment: datetime) -> datetime:
    """An aware datetime in Europe/London; a naive one is read as Europe/London wall time.

    The round trip through UTC canonicalises wall times: an ambiguous time (October
    fall-back) keeps its ``fold`` (0 = first occurrence, BST), and a time that does not
    exist (the March spring-forward gap) moves forward by the hour the clocks skipped,
    as PEP 495 prescribes.
    """
    aware = moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment
    return aware.astimezone(UTC).astimezone(LONDON)


def london_date(moment: date | datetime) -> date:
    """The Europe/London calendar date of a date or datetime."""
    if isinstance(moment, datetime):
        return to_london(moment).date()
    return moment


def period_beginning_with(start: date, days: int) -> date:
    """Last day of "a period of ``days`` days beginning with" ``start`` (start is day 1)."""
    return start + timedelta(days=days - 1)


def add_clock_hours(start: datetime, hours: float) -> datetime:
    """Exactly ``hours`` of elapsed time after ``start``, returned in Europe/London.

    The arithmetic is done in UTC because wall-clock arithmetic across a clock change
    would give 23 or 25 real hours.
    """
    elapsed = to_london(start).astimezone(UTC) + timedelta(hours=hours)
    return elapsed.astimezone(LONDON)


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """England & Wales bank holidays in ``year``, substitute days included."""
    table = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(table.keys())


def is_bank_holiday(d: date) -> bool:
    return d in bank_holidays(d.year)


def is_working_day(d: date) -> bool:
    """Monday to Friday and not an England & Wales bank holiday."""
    return d.weekday() < _SATURDAY and not is_bank_holiday(d)


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start``; ``start`` itself never counts.

    ``n == 0`` returns ``start`` unchanged. A negative ``n`` is refused because no rule
    counts working days backwards and silently mirroring would hide a caller's bug.
    """
    if n < 0:
        raise ValueError(f"add_working_days: n must be >= 0, got {n}")
    current = start
    remaining = n
    while remaining:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_before(end: date, n: int) -> date:
    """The last working day that is at least ``n`` working days before ``end``.

    That is the latest working day ``d`` with ``add_working_days(d, n) <= end``: ``end``
    counts as one of the ``n`` when it is a working day, so 5 working days before Thursday
    28 January 2027 is Thursday 21 January. A notice given on the result leaves the other
    side ``n`` working days up to and including ``end``.
    """
    if n < 0:
        raise ValueError(f"working_days_before: n must be >= 0, got {n}")
    current = end
    remaining = n
    while remaining:
        if is_working_day(current):
            remaining -= 1
        current -= timedelta(days=1)
    while not is_working_day(current):
        current -= timedelta(days=1)
    return current


def next_working_day_not_friday(d: date) -> date:
    """T16: ``d`` if it is a working Monday to Thursday, else the next such day.

    A Friday, weekend day or bank holiday moves forward, so a move-out never starts a
    period when services are closed.
    """
    current = d
    while current.weekday() == _FRIDAY or not is_working_day(current):
        current += timedelta(days=1)
    return current


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def add_months(d: date, n: int) -> date:
    """``n`` calendar months after ``d`` (``n`` may be negative), clamped to month end.

    31 August + 6 months = 28 (or 29) February; 29 February + 12 months = 28 February.
    """
    month_index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(month_index, 12)
    day = min(d.day, _days_in_month(year, month0 + 1))
    return date(year, month0 + 1, day)


def birthday(dob: date, age: int) -> date:
    """The date someone born on ``dob`` reaches ``age``.

    A 29 February birthday falls on 28 February in a non-leap year (the convention of
    this product; note it is a choice, not a rule of English law for every purpose).
    """
    return add_months(dob, 12 * age)


def working_days_between(start: date, end: date) -> int:
    """Number of working days in the half-open interval (``start``, ``end``]."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
