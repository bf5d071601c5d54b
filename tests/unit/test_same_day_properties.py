"""T02 same-day: due at the end of the enquiry's day, but never less than N clock hours on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pathways.calendar import LONDON, end_of_day
from pathways.deadlines import compute_deadline

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
minimum_hours = st.integers(min_value=1, max_value=12)


@given(start=instants, hours=minimum_hours)
def test_due_is_the_later_of_end_of_day_and_the_minimum(start: datetime, hours: int) -> None:
    due = compute_deadline("same-day", start, {"same-day": hours}).due_at
    at_least = start + timedelta(hours=hours)  # UTC arithmetic: real elapsed time
    day_end = end_of_day(start.astimezone(LONDON).date())
    assert due >= at_least
    assert due >= day_end
    # Compared as UTC instants: PEP 495 makes an instant in the repeated October hour unequal
    # to the same instant in another zone.
    assert due.astimezone(UTC) == max(at_least, day_end).astimezone(UTC)
    assert due.tzinfo is LONDON


@given(start=instants)
def test_the_default_minimum_is_four_hours(start: datetime) -> None:
    deadline = compute_deadline("same-day", start)
    assert deadline.amount == 4
    assert deadline.due_at.astimezone(UTC) - start >= timedelta(hours=4)
