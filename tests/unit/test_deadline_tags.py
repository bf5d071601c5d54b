"""The deadline tag says how long is left, or how late it is, in the rule's own unit."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from dashboard.deadline_tags import deadline_tag

# Tuesday 3 March 2026, 10:00 UTC (10:00 in London): no bank holiday near it.
NOW = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
SHAPE = re.compile(r"(due in|overdue by) (under 1 h|\d+ h|\d+ (working )?days?)")


def test_hours_left_are_shown_in_hours() -> None:
    tag = deadline_tag(NOW + timedelta(hours=3), NOW, "hours", done=False)
    assert (tag.text, tag.colour) == ("due in 3 h", "orange")


def test_under_an_hour() -> None:
    assert deadline_tag(NOW + timedelta(minutes=20), NOW, "hours", done=False).text == (
        "due in under 1 h"
    )


def test_working_day_rules_count_working_days() -> None:
    # Tuesday to Thursday of the same week: two working days.
    tag = deadline_tag(NOW + timedelta(days=2), NOW, "working_days", done=False)
    assert (tag.text, tag.colour) == ("due in 2 working days", "blue")


def test_a_weekend_is_not_counted_as_working_days() -> None:
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    monday = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert deadline_tag(monday, friday, "working_days", done=False).text == ("due in 1 working day")


def test_calendar_day_rules_count_days() -> None:
    assert deadline_tag(NOW + timedelta(days=10), NOW, "days", done=False).text == (
        "due in 10 days"
    )


def test_late_work_is_overdue_and_red() -> None:
    tag = deadline_tag(NOW - timedelta(days=1, hours=2), NOW, "days", done=False)
    assert (tag.text, tag.colour) == ("overdue by 1 day", "red")


def test_due_exactly_now_is_overdue() -> None:
    assert deadline_tag(NOW, NOW, "hours", done=False).colour == "red"


def test_done_wins() -> None:
    assert deadline_tag(NOW - timedelta(days=3), NOW, "days", done=True).text == "done"


@given(
    offset=st.integers(min_value=-90 * 24 * 60, max_value=90 * 24 * 60),
    unit=st.sampled_from(["hours", "days", "weeks", "working_days", "months"]),
)
def test_every_deadline_gets_a_tag_that_matches_its_side_of_now(offset: int, unit: str) -> None:
    due = NOW + timedelta(minutes=offset)
    tag = deadline_tag(due, NOW, unit, done=False)
    if due <= NOW:
        assert tag.text.startswith("overdue by ") and tag.colour == "red"
    else:
        assert tag.text.startswith("due in ") and tag.colour in ("orange", "blue")
    assert SHAPE.fullmatch(tag.text), tag.text
