"""Office hours (issue #9 point 6): weekends, bank holidays and outside [start, end) London."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import holidays
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pathways.calendar import LONDON
from pathways.office_hours import (
    DEFAULT_OFFICE_HOURS,
    OfficeHours,
    OfficeHoursError,
    is_out_of_hours,
)

BST = timezone(timedelta(hours=1))
instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
minutes_of_day = st.integers(min_value=0, max_value=24 * 60 - 1)


def _time(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def _oracle_open(moment: datetime, start: time, end: time) -> bool:
    # Deliberately not pathways.calendar: the oracle must not share code.
    local = moment.astimezone(LONDON)
    day = local.date()
    bank = holidays.country_holidays("GB", subdiv="ENG", years=day.year)
    wall = (local.hour, local.minute, local.second, local.microsecond)
    in_hours = (start.hour, start.minute, 0, 0) <= wall < (end.hour, end.minute, 0, 0)
    return day.weekday() < 5 and day not in bank and in_hours


@given(moment=instants)
def test_default_hours_match_the_oracle(moment: datetime) -> None:
    assert is_out_of_hours(moment) == (not _oracle_open(moment, time(9), time(17)))


@given(moment=instants, first=minutes_of_day, second=minutes_of_day)
def test_any_configured_hours_match_the_oracle(moment: datetime, first: int, second: int) -> None:
    assume(first != second)
    start, end = _time(min(first, second)), _time(max(first, second))
    hours = OfficeHours(start=start, end=end)
    assert is_out_of_hours(moment, hours) == (not _oracle_open(moment, start, end))


@given(
    saturday=st.dates(min_value=date(2020, 1, 4), max_value=date(2040, 12, 29)).map(
        lambda d: d + timedelta(days=(5 - d.weekday()) % 7)
    ),
    day=st.integers(min_value=0, max_value=1),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
)
def test_weekends_are_always_out_of_hours(saturday: date, day: int, minute: int) -> None:
    # Weekend days drawn directly: filtering random instants for them trips hypothesis's
    # filter health check now and then.
    local = datetime.combine(saturday + timedelta(days=day), time(0, 0), tzinfo=LONDON)
    moment = local + timedelta(minutes=minute)
    assert moment.weekday() >= 5
    assert is_out_of_hours(moment, OfficeHours(start=time(0, 0), end=time(23, 59)))


@pytest.mark.parametrize(
    "day", [date(2026, 12, 25), date(2026, 12, 28), date(2027, 3, 26), date(2027, 5, 3)]
)
def test_bank_holidays_are_out_of_hours_at_midday(day: date) -> None:
    assert is_out_of_hours(datetime.combine(day, time(11, 0), tzinfo=LONDON))


@pytest.mark.parametrize(
    ("at", "out"),
    [
        (datetime(2027, 1, 12, 8, 59), True),
        (datetime(2027, 1, 12, 9, 0), False),
        (datetime(2027, 1, 12, 16, 59, 59), False),
        (datetime(2027, 1, 12, 17, 0), True),
        # In summer the hours are London wall time: 08:00 UTC is 09:00 BST.
        (datetime(2027, 7, 13, 8, 0, tzinfo=UTC), False),
        (datetime(2027, 7, 13, 16, 0, tzinfo=UTC), True),
        (datetime(2027, 7, 13, 9, 0, tzinfo=BST), False),
        (datetime(2027, 1, 16, 11, 0), True),  # a Saturday
        (datetime(2027, 1, 17, 11, 0), True),  # a Sunday
    ],
)
def test_boundaries(at: datetime, out: bool) -> None:
    assert is_out_of_hours(at) is out


def test_the_default_is_nine_to_five() -> None:
    assert (DEFAULT_OFFICE_HOURS.start, DEFAULT_OFFICE_HOURS.end) == (time(9, 0), time(17, 0))


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (time(17, 0), time(9, 0), "office_hours.end"),
        (time(9, 0), time(9, 0), "office_hours.end"),
        (time(9, 0, tzinfo=UTC), time(17, 0), "office_hours.start"),
    ],
)
def test_impossible_hours_are_refused(start: time, end: time, field: str) -> None:
    with pytest.raises(OfficeHoursError, match=field):
        OfficeHours(start=start, end=end)
