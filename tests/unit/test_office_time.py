"""Office time between two moments: weekends, bank holidays, the clock change and an oracle that
counts minute by minute through ``is_out_of_hours``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.calendar import LONDON
from pathways.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours, is_out_of_hours
from pathways.office_time import office_time_between

HOUR = timedelta(hours=1)


def london(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_a_request_inside_one_working_day_counts_its_clock_time() -> None:
    assert office_time_between(london(2026, 3, 3, 10, 0), london(2026, 3, 3, 12, 30)) == 2.5 * HOUR


def test_friday_evening_to_monday_morning_is_one_working_hour() -> None:
    friday, monday = london(2026, 3, 6, 16, 30), london(2026, 3, 9, 9, 30)
    assert office_time_between(friday, monday) == HOUR


def test_a_bank_holiday_and_the_nights_do_not_count() -> None:
    # Good Friday 3 April and Easter Monday 6 April 2026 are bank holidays.
    thursday, tuesday = london(2026, 4, 2, 15, 0), london(2026, 4, 7, 11, 0)
    assert office_time_between(thursday, tuesday) == 4 * HOUR


def test_office_hours_are_wall_time_on_the_day_the_clocks_go_forward() -> None:
    # Monday 30 March 2026 is the first BST working day: 09:00-17:00 is 08:00-16:00 UTC.
    start, end = datetime(2026, 3, 30, 7, 0, tzinfo=UTC), datetime(2026, 3, 30, 9, 0, tzinfo=UTC)
    assert office_time_between(start, end) == HOUR


def test_an_authoritys_own_hours_and_an_empty_interval() -> None:
    short = OfficeHours(time(9, 0), time(16, 30))
    day_start, day_end = london(2026, 3, 3, 8, 0), london(2026, 3, 3, 18, 0)
    assert office_time_between(day_start, day_end, short) == 7.5 * HOUR
    assert office_time_between(day_end, day_start) == timedelta(0)


@settings(max_examples=40, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 3, 20), max_value=datetime(2026, 4, 10), timezones=st.just(UTC)
    ),
    minutes=st.integers(min_value=0, max_value=4 * 24 * 60),
)
def test_it_agrees_with_counting_each_office_minute(start: datetime, minutes: int) -> None:
    start = start.replace(second=0, microsecond=0)
    counted = sum(
        not is_out_of_hours(start + timedelta(minutes=m), DEFAULT_OFFICE_HOURS)
        for m in range(minutes)
    )
    assert office_time_between(start, start + timedelta(minutes=minutes)) == timedelta(
        minutes=counted
    )
