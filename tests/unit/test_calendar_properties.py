"""Property tests for the counting conventions (pathways.calendar) and every rule."""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.calendar import (
    LONDON,
    add_clock_hours,
    add_months,
    add_working_days,
    birthday,
    is_working_day,
    next_working_day_not_friday,
    period_beginning_with,
    working_days_before,
)
from pathways.deadlines import RULES, compute_deadline

# Birthday rules add up to 18 years; keep results inside the holidays table's range.
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31))
utc_moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2080, 12, 31), timezones=st.just(UTC)
)

WORKING_DAY_RULES = [r.id for r in RULES.values() if r.convention == "working-days-after"]

# Spring-forward and fall-back instants (UTC) in the years the table tests use.
DST_CHANGES_UTC = [
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    datetime(2027, 3, 28, 1, 0, tzinfo=UTC),
    datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
]


def _independent_working_day(d: date) -> bool:
    # Deliberately not pathways.calendar.is_working_day: the oracle must not share code.
    return d.weekday() < 5 and d not in holidays.country_holidays("GB", subdiv="ENG", years=d.year)


@pytest.mark.parametrize("rule_id", sorted(RULES))
@given(first=dates, second=dates)
@settings(max_examples=60, deadline=None)
def test_every_rule_is_monotonic_in_its_start(rule_id: str, first: date, second: date) -> None:
    early, late = sorted((first, second))
    assert compute_deadline(rule_id, early).due_at <= compute_deadline(rule_id, late).due_at


@given(first=utc_moments, second=utc_moments)
def test_clock_hours_rule_is_monotonic_for_instants(first: datetime, second: datetime) -> None:
    early, late = sorted((first, second))
    due_early = compute_deadline("joint-visit-1617", early).due_at
    assert due_early <= compute_deadline("joint-visit-1617", late).due_at


@pytest.mark.parametrize(
    "rule_id", [*WORKING_DAY_RULES, "ih-reasonable-notice", "ih-eviction-notice-to-ics"]
)
@given(start=dates)
@settings(max_examples=60, deadline=None)
def test_working_day_results_are_working_days(rule_id: str, start: date) -> None:
    assert _independent_working_day(compute_deadline(rule_id, start).due_date)


@given(start=dates, n=st.integers(min_value=1, max_value=60))
@settings(deadline=None)
def test_add_working_days_counts_exactly_n(start: date, n: int) -> None:
    result = add_working_days(start, n)
    assert result > start
    assert _independent_working_day(result)
    span = (result - start).days
    counted = sum(_independent_working_day(start + timedelta(days=i)) for i in range(1, span + 1))
    assert counted == n


@given(start=dates)
def test_add_zero_working_days_is_the_start(start: date) -> None:
    assert add_working_days(start, 0) == start


def test_add_working_days_refuses_negative() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        add_working_days(date(2026, 1, 1), -1)


@given(end=dates, n=st.integers(min_value=0, max_value=60))
@settings(deadline=None)
def test_working_days_before_is_the_last_day_at_least_n_before(end: date, n: int) -> None:
    result = working_days_before(end, n)
    assert result <= end
    assert _independent_working_day(result)

    def counted_after(day: date) -> int:
        # Working days in (day, end]: the end date counts when it is a working day.
        span = (end - day).days
        return sum(_independent_working_day(day + timedelta(days=i)) for i in range(1, span + 1))

    assert counted_after(result) >= n
    # Every later working day up to the end leaves fewer than n.
    for i in range(1, (end - result).days + 1):
        later = result + timedelta(days=i)
        if _independent_working_day(later):
            assert counted_after(later) < n


def test_working_days_before_refuses_negative() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        working_days_before(date(2026, 1, 1), -1)


@given(d=dates)
def test_not_on_friday(d: date) -> None:
    result = next_working_day_not_friday(d)
    assert result >= d
    assert result.weekday() != 4
    assert _independent_working_day(result)
    if d.weekday() < 4 and _independent_working_day(d):
        assert result == d
    # Nothing in between would have done.
    for i in range((result - d).days):
        skipped = d + timedelta(days=i)
        assert skipped.weekday() == 4 or not _independent_working_day(skipped)


@given(start=dates, n=st.integers(min_value=1, max_value=400))
def test_period_beginning_with(start: date, n: int) -> None:
    assert (period_beginning_with(start, n) - start).days == n - 1


@pytest.mark.parametrize("change", DST_CHANGES_UTC)
@given(offset_minutes=st.integers(min_value=-48 * 60, max_value=48 * 60))
def test_clock_hours_across_dst_are_exactly_24_hours(change: datetime, offset_minutes: int) -> None:
    start = (change + timedelta(minutes=offset_minutes)).astimezone(LONDON)
    result = add_clock_hours(start, 24)
    assert result.tzinfo is LONDON
    # Same-tzinfo subtraction is wall-clock in Python, so compare in UTC.
    assert result.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    rule_result = compute_deadline("joint-visit-1617", start).due_at
    assert rule_result.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)


@given(d=dates, n=st.integers(min_value=-240, max_value=240))
def test_add_months_clamps_to_month_end(d: date, n: int) -> None:
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    last_day = stdlib_calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(d.day, last_day)


LEAP_YEARS = [y for y in range(1904, 2061) if stdlib_calendar.isleap(y)]


@given(year=st.sampled_from(LEAP_YEARS), age=st.integers(min_value=1, max_value=25))
def test_leap_day_birthdays_fall_on_28_february_in_common_years(year: int, age: int) -> None:
    result = birthday(date(year, 2, 29), age)
    expected_day = 29 if stdlib_calendar.isleap(year + age) else 28
    assert result == date(year + age, 2, expected_day)


@given(dob=dates, age=st.integers(min_value=0, max_value=25))
def test_ordinary_birthdays_keep_day_and_month(dob: date, age: int) -> None:
    if (dob.month, dob.day) == (2, 29):
        return
    assert birthday(dob, age) == dob.replace(year=dob.year + age)


@given(d=dates)
def test_is_working_day_matches_the_oracle(d: date) -> None:
    assert is_working_day(d) == _independent_working_day(d)
