"""When a looked-after young person becomes an eligible child (Children Act 1989 Sch.2
para 19B(2); SI 2010/959 reg.40): 13 weeks looked after since 14, ending after 16.

The table's dates were counted by hand on a calendar: the day looked after is day 1, so the
13 weeks (91 days) are complete at the end of day 91 and eligibility starts the day after.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.calendar import birthday
from pathways.eligibility import (
    MAX_EARLIER_WEEKS,
    LookedAfterHistoryError,
    eligible_child_on,
)

# Born 1 September 2009: 14 on 2023-09-01, 16 on 2025-09-01, 18 on 2027-09-01.
DOB = date(2009, 9, 1)
LEAP_DOB = date(2008, 2, 29)  # 14 on 2022-02-28, 16 on 2024-02-29, 18 on 2026-02-28


@pytest.mark.parametrize(
    ("dob", "since", "earlier_weeks", "eligible"),
    [
        # A 17-year-old newly looked after: 13 weeks on, not from the 16th birthday.
        (DOB, date(2027, 1, 10), 0, date(2027, 4, 11)),
        # Earlier weeks since 14 count towards the 13.
        (DOB, date(2027, 1, 10), 5, date(2027, 3, 7)),  # 8 weeks more
        (DOB, date(2027, 1, 10), 12, date(2027, 1, 17)),  # one week more
        (DOB, date(2027, 1, 10), 13, date(2027, 1, 10)),  # eligible the day care resumes
        (DOB, date(2027, 1, 10), 40, date(2027, 1, 10)),
        # 13 weeks complete before 16: eligible on the 16th birthday.
        (DOB, date(2025, 3, 1), 0, date(2025, 9, 1)),
        (DOB, date(2025, 6, 2), 0, date(2025, 9, 1)),  # day 91 ends the day before 16
        (DOB, date(2025, 6, 3), 0, date(2025, 9, 2)),  # one day later: one day after 16
        (DOB, date(2025, 6, 10), 0, date(2025, 9, 9)),
        (DOB, date(2024, 1, 1), 13, date(2025, 9, 1)),
        # Looked after since before 14: only the time from the 14th birthday counts.
        (DOB, date(2020, 1, 1), 0, date(2025, 9, 1)),
        (DOB, DOB, 0, date(2025, 9, 1)),
        # The last possible day is the day before the 18th birthday.
        (DOB, date(2027, 6, 1), 0, date(2027, 8, 31)),
        (DOB, date(2027, 6, 2), 0, None),  # would be the 18th birthday itself
        (DOB, date(2027, 6, 3), 0, None),
        (DOB, date(2027, 8, 31), 13, date(2027, 8, 31)),
        (DOB, date(2027, 9, 1), 13, None),  # looked after again only at 18
        (DOB, date(2028, 1, 1), 0, None),
        # A 29 February birthday falls on 28 February in a non-leap year.
        (LEAP_DOB, date(2025, 11, 28), 0, date(2026, 2, 27)),
        (LEAP_DOB, date(2025, 11, 29), 0, None),  # 2026-02-28 is the 18th birthday
        (LEAP_DOB, date(2023, 11, 30), 0, date(2024, 2, 29)),  # 16 on 29 Feb in a leap year
        (LEAP_DOB, date(2023, 12, 1), 0, date(2024, 3, 1)),
        # Earlier weeks that just fit between the 14th birthday and this period.
        (DOB, date(2023, 9, 8), 1, date(2025, 9, 1)),
    ],
)
def test_the_day_of_becoming_an_eligible_child(
    dob: date, since: date, earlier_weeks: int, eligible: date | None
) -> None:
    assert eligible_child_on(dob, since, earlier_weeks) == eligible


@pytest.mark.parametrize(
    ("since", "earlier_weeks", "field", "rule"),
    [
        (date(2027, 1, 10), -1, "weeks_looked_after_since_14_before", "from 0 to 260"),
        (date(2027, 1, 10), MAX_EARLIER_WEEKS + 1, "weeks_looked_after_since_14_before", "260"),
        (date(2009, 8, 31), 0, "looked_after_since", "before the young person's date of birth"),
        # Earlier periods since 14 cannot come before a period that began before 14...
        (date(2020, 1, 1), 1, "weeks_looked_after_since_14_before", "14th birthday"),
        # ...nor add up to more time than there is between 14 and this period.
        (date(2023, 9, 7), 1, "weeks_looked_after_since_14_before", "more weeks"),
        (date(2027, 1, 10), 176, "weeks_looked_after_since_14_before", "more weeks"),
    ],
)
def test_an_impossible_history_is_refused_naming_the_field_but_no_date(
    since: date, earlier_weeks: int, field: str, rule: str
) -> None:
    with pytest.raises(LookedAfterHistoryError) as raised:
        eligible_child_on(DOB, since, earlier_weeks)
    assert raised.value.field == field
    assert str(raised.value).startswith(f"{field}: ")
    assert rule in raised.value.rule
    # No date: a birthday in a refusal would give away the date of birth.
    assert not re.search(r"\d{4}", str(raised.value))


def test_the_most_earlier_weeks_that_fit_are_accepted() -> None:
    since = date(2027, 1, 10)
    fit = (since - birthday(DOB, 14)).days // 7  # 1227 days: 175 whole weeks and 2 days
    assert fit == 175
    assert eligible_child_on(DOB, since, fit) == since


# Properties, for any date of birth, period of care and earlier weeks.

births = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
offsets = st.integers(min_value=0, max_value=20 * 366)
weeks = st.integers(min_value=0, max_value=MAX_EARLIER_WEEKS)
THIRTEEN_WEEKS = timedelta(weeks=13)


def _history(dob: date, offset: int, earlier: int) -> tuple[date, date | None] | None:
    """(looked_after_since, the answer), or None where the history is impossible."""
    since = dob + timedelta(days=offset)
    try:
        return since, eligible_child_on(dob, since, earlier)
    except LookedAfterHistoryError:
        # The only impossible histories: more earlier weeks than fit since the 14th birthday.
        assert earlier and timedelta(weeks=earlier) > since - birthday(dob, 14)
        return None


@given(dob=births, offset=offsets, earlier=weeks)
@settings(max_examples=300, deadline=None)
def test_eligibility_is_between_16_and_18_and_never_before_care_began(
    dob: date, offset: int, earlier: int
) -> None:
    found = _history(dob, offset, earlier)
    if found is None or found[1] is None:
        return
    since, eligible = found[0], found[1]
    assert birthday(dob, 16) <= eligible < birthday(dob, 18)
    assert eligible >= since
    assert eligible == birthday(dob, 16) or eligible - since <= THIRTEEN_WEEKS


@given(dob=births, offset=offsets, earlier=weeks)
@settings(max_examples=300, deadline=None)
def test_the_13_weeks_are_complete_and_not_a_day_sooner(
    dob: date, offset: int, earlier: int
) -> None:
    found = _history(dob, offset, earlier)
    if found is None:
        return
    since, eligible = found
    counted_from = max(since, birthday(dob, 14))

    def looked_after_by(day: date) -> timedelta:
        """Time looked after since 14 before ``day`` (the current period assumed unbroken)."""
        return max(timedelta(0), day - counted_from) + timedelta(weeks=earlier)

    if eligible is None:
        # Not eligible before 18: the 13 weeks are not complete the day before the 18th
        # birthday, or the young person was looked after only from 18.
        last_day = birthday(dob, 18) - timedelta(days=1)
        assert since > last_day or looked_after_by(last_day) < THIRTEEN_WEEKS
        return
    assert looked_after_by(eligible) >= THIRTEEN_WEEKS
    if eligible > max(birthday(dob, 16), since):
        assert looked_after_by(eligible - timedelta(days=1)) < THIRTEEN_WEEKS


@given(dob=births, offset=offsets, earlier=weeks)
@settings(max_examples=300, deadline=None)
def test_a_date_after_the_16th_birthday_depends_on_the_care_history_alone(
    dob: date, offset: int, earlier: int
) -> None:
    """So recording it as a case fact gives nothing away about the date of birth."""
    found = _history(dob, offset, earlier)
    if found is None or found[1] is None or found[1] == birthday(dob, 16):
        return
    since, eligible = found[0], found[1]
    assert eligible - since == timedelta(weeks=max(0, 13 - earlier))


@given(dob=births, offset=offsets, earlier=st.integers(min_value=0, max_value=30))
@settings(max_examples=300, deadline=None)
def test_more_earlier_weeks_never_make_eligibility_later(
    dob: date, offset: int, earlier: int
) -> None:
    fewer, more = _history(dob, offset, earlier), _history(dob, offset, earlier + 1)
    if fewer is None or more is None or fewer[1] is None:
        return
    assert more[1] is not None and more[1] <= fewer[1]


@given(dob=births, offset=offsets, extra=st.integers(min_value=0, max_value=400))
@settings(max_examples=300, deadline=None)
def test_a_later_start_in_care_never_makes_eligibility_sooner(
    dob: date, offset: int, extra: int
) -> None:
    early = eligible_child_on(dob, dob + timedelta(days=offset))
    late = eligible_child_on(dob, dob + timedelta(days=offset + extra))
    if early is None:
        assert late is None
    elif late is not None:
        assert late >= early
