"""Relevant and former relevant children (Children Act 1989 s.23A(2), s.23C(1)) and the
CWSA 2026 s.9 bar on intentional homelessness findings with its transitional rule (s.9(2))."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.care_leaver_status import (
    BARRED_CATEGORIES,
    CATEGORIES,
    CITATION,
    CareLeaverRecordError,
    care_leaver_category,
    intentionality_barred,
)
from pathways.eligibility import DateOfBirthError, age_on

# Born 1 September 2009: 16 on 2025-09-01, 18 on 2027-09-01, 25 on 2034-09-01.
DOB = date(2009, 9, 1)
LEAP_DOB = date(2008, 2, 29)  # 16 on 2024-02-29, 18 on 2026-02-28 (not a leap year)

NEVER = {
    "looked_after_now": False,
    "was_eligible_child_when_last_ceased": False,
    "looked_after_and_eligible_at_18": False,
    "relevant_child_at_18": False,
}


def category(dob: date, on: date, **record: bool) -> str:
    return care_leaver_category(dob, on, **{**NEVER, **record})


# Who is who


@pytest.mark.parametrize(
    ("on", "record", "expected"),
    [
        # Under 16: never eligible, relevant or former relevant, looked after or not.
        (date(2025, 8, 31), {}, "not_relevant_or_former_relevant"),
        (date(2025, 8, 31), {"looked_after_now": True}, "not_relevant_or_former_relevant"),
        # 16 or 17, looked after: an eligible child, or not yet one (13 weeks not served).
        (
            date(2025, 9, 1),
            {"looked_after_now": True, "eligible_child_now": True},
            "eligible_child_looked_after",
        ),
        (
            date(2026, 3, 1),
            {"looked_after_now": True, "eligible_child_now": False},
            "not_relevant_or_former_relevant",
        ),
        (date(2026, 3, 1), {"looked_after_now": True}, "not_relevant_or_former_relevant"),
        # Left care again after an earlier spell as a relevant child, and looked after again:
        # while looked after they are not a relevant child (s.23A(2)(a)).
        (
            date(2026, 3, 1),
            {
                "looked_after_now": True,
                "eligible_child_now": True,
                "was_eligible_child_when_last_ceased": True,
            },
            "eligible_child_looked_after",
        ),
        # 16 or 17, not looked after: relevant only if eligible before last ceasing.
        (
            date(2025, 9, 1),
            {"was_eligible_child_when_last_ceased": True},
            "relevant_child",
        ),
        (date(2027, 8, 31), {"was_eligible_child_when_last_ceased": True}, "relevant_child"),
        (date(2026, 3, 1), {}, "not_relevant_or_former_relevant"),
        # 18 and over: limb (a), has been a relevant child and would be one if under 18.
        (
            date(2027, 9, 1),
            {"was_eligible_child_when_last_ceased": True, "relevant_child_at_18": True},
            "former_relevant_child",
        ),
        # Limb (b): looked after at 18, an eligible child immediately before ceasing.
        (
            date(2027, 9, 1),
            {
                "was_eligible_child_when_last_ceased": True,
                "looked_after_and_eligible_at_18": True,
            },
            "former_relevant_child",
        ),
        # Both limbs: a relevant child at 16 who was looked after again at 18.
        (
            date(2030, 1, 1),
            {
                "was_eligible_child_when_last_ceased": True,
                "relevant_child_at_18": True,
                "looked_after_and_eligible_at_18": True,
            },
            "former_relevant_child",
        ),
        # The definition has no upper age; the bar's "under 25" is a separate test.
        (
            date(2040, 1, 1),
            {"was_eligible_child_when_last_ceased": True, "relevant_child_at_18": True},
            "former_relevant_child",
        ),
        # An adult never looked after, or not as an eligible child.
        (date(2027, 9, 1), {}, "not_relevant_or_former_relevant"),
    ],
)
def test_the_children_act_categories(on: date, record: dict[str, bool], expected: str) -> None:
    assert category(DOB, on, **record) == expected


def test_the_day_before_18_is_a_relevant_child_and_the_18th_birthday_a_former_one() -> None:
    left_care = {"was_eligible_child_when_last_ceased": True}
    assert category(DOB, date(2027, 8, 31), **left_care) == "relevant_child"
    assert (
        category(DOB, date(2027, 9, 1), **left_care, relevant_child_at_18=True)
        == "former_relevant_child"
    )


def test_a_29_february_birthday_turns_16_and_18_as_age_on_counts() -> None:
    left_care = {"was_eligible_child_when_last_ceased": True}
    assert category(LEAP_DOB, date(2024, 2, 28)) == "not_relevant_or_former_relevant"
    assert category(LEAP_DOB, date(2024, 2, 29), **left_care) == "relevant_child"
    assert category(LEAP_DOB, date(2026, 2, 27), **left_care) == "relevant_child"
    assert (
        category(LEAP_DOB, date(2026, 2, 28), **left_care, relevant_child_at_18=True)
        == "former_relevant_child"
    )


@pytest.mark.parametrize(
    ("on", "record", "field"),
    [
        (date(2027, 9, 1), {"looked_after_now": True}, "looked_after_now"),
        (date(2025, 8, 31), {"looked_after_now": True, "eligible_child_now": True}, "eligible"),
        (date(2026, 3, 1), {"eligible_child_now": True}, "eligible_child_now"),
        (
            date(2025, 8, 31),
            {"was_eligible_child_when_last_ceased": True},
            "was_eligible_child_when_last_ceased",
        ),
        (
            date(2027, 8, 31),
            {"was_eligible_child_when_last_ceased": True, "relevant_child_at_18": True},
            "relevant_child_at_18",
        ),
        (
            date(2027, 8, 31),
            {
                "was_eligible_child_when_last_ceased": True,
                "looked_after_and_eligible_at_18": True,
            },
            "looked_after_and_eligible_at_18",
        ),
        # Each limb of s.23C(1) means they last left care as an eligible child...
        (date(2028, 1, 1), {"relevant_child_at_18": True}, "was_eligible_child_when_last_ceased"),
        (
            date(2028, 1, 1),
            {"looked_after_and_eligible_at_18": True},
            "was_eligible_child_when_last_ceased",
        ),
        # ...and an adult who left care as an eligible child falls within one of the limbs.
        (
            date(2028, 1, 1),
            {"was_eligible_child_when_last_ceased": True},
            "was_eligible_child_when_last_ceased",
        ),
    ],
)
def test_a_record_that_contradicts_the_definitions_is_refused_naming_the_field(
    on: date, record: dict[str, bool], field: str
) -> None:
    with pytest.raises(CareLeaverRecordError) as raised:
        category(DOB, on, **record)
    assert raised.value.field.startswith(field)
    assert str(raised.value).startswith(f"{raised.value.field}: ")
    # No date: a refusal is shown and may be logged.
    assert not re.search(r"\d{4}-\d{2}", str(raised.value))


def test_a_date_of_birth_after_the_day_is_refused() -> None:
    with pytest.raises(DateOfBirthError, match="date_of_birth"):
        category(DOB, date(2009, 8, 31))


# The bar and its transitional rule

COMMENCED = date(2026, 10, 1)


def barred(
    *,
    category: str = "former_relevant_child",
    aged_25_or_over: bool = False,
    commenced_on: date | None = COMMENCED,
    today: date = date(2026, 11, 2),
    applied: date = date(2026, 10, 5),
    decided: date | None = None,
) -> str | None:
    return intentionality_barred(category, aged_25_or_over, commenced_on, today, applied, decided)


def test_the_reason_cites_the_provision_and_its_commencement() -> None:
    reason = barred()
    assert reason is not None
    assert (
        "Housing Act 1996 s.191(1ZA)-(1C), inserted by the Children's Wellbeing and Schools "
        "Act 2026 s.9 (in force from 2026-10-01)" in reason
    )
    assert CITATION in reason
    assert "s.9(2)" not in reason  # an application made after commencement


@pytest.mark.parametrize(
    ("commenced_on", "today", "applied", "is_barred"),
    [
        (None, date(2026, 11, 2), date(2026, 10, 5), False),  # no commencement regulations
        (date(2026, 11, 3), date(2026, 11, 2), date(2026, 10, 5), False),  # the day before
        (date(2026, 11, 2), date(2026, 11, 2), date(2026, 10, 5), True),  # the day itself
        (date(2026, 11, 1), date(2026, 11, 2), date(2026, 10, 5), True),
    ],
)
def test_never_barred_before_the_commencement_day(
    commenced_on: date | None, today: date, applied: date, is_barred: bool
) -> None:
    reason = barred(commenced_on=commenced_on, today=today, applied=applied)
    assert (reason is not None) == is_barred


@pytest.mark.parametrize(
    ("category", "aged_25_or_over", "is_barred"),
    [
        ("relevant_child", False, True),  # s.191(1B)
        ("former_relevant_child", False, True),  # s.191(1C): aged 24
        ("former_relevant_child", True, False),  # aged 25
        ("eligible_child_looked_after", False, False),  # still looked after
        ("not_relevant_or_former_relevant", False, False),
        ("not_relevant_or_former_relevant", True, False),
    ],
)
def test_who_is_covered(category: str, aged_25_or_over: bool, is_barred: bool) -> None:
    reason = barred(category=category, aged_25_or_over=aged_25_or_over)
    assert (reason is not None) == is_barred


@pytest.mark.parametrize(
    ("applied", "decided", "is_barred"),
    [
        # Made on or after the commencement day: the amendments apply.
        (COMMENCED, None, True),
        (COMMENCED, date(2026, 10, 20), True),
        (date(2026, 10, 2), date(2026, 10, 20), True),
        # Made before it, s.184 decision still outstanding: the exception in s.9(2).
        (date(2026, 9, 30), None, True),
        (date(2026, 3, 1), None, True),
        # Made before it and decided on or after the commencement day: outstanding at it.
        (date(2026, 9, 30), COMMENCED, True),
        (date(2026, 9, 1), date(2026, 10, 20), True),
        # Made and decided before it (e.g. now under review): the old law.
        (date(2026, 9, 1), date(2026, 9, 30), False),
        (date(2026, 9, 30), date(2026, 9, 30), False),
    ],
)
def test_the_transitional_rule(applied: date, decided: date | None, is_barred: bool) -> None:
    reason = barred(applied=applied, decided=decided)
    assert (reason is not None) == is_barred
    if reason is not None:
        assert ("s.9(2)" in reason) == (applied < COMMENCED)


@pytest.mark.parametrize(
    ("applied", "decided", "field"),
    [
        (date(2026, 11, 3), None, "application_made_on"),
        (date(2026, 10, 5), date(2026, 11, 3), "s184_decision_made_on"),
        (date(2026, 10, 5), date(2026, 10, 4), "s184_decision_made_on"),
    ],
)
def test_dates_out_of_order_are_refused(applied: date, decided: date | None, field: str) -> None:
    with pytest.raises(CareLeaverRecordError) as raised:
        barred(applied=applied, decided=decided)
    assert raised.value.field == field


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(CareLeaverRecordError, match="care_leaver_category"):
        barred(category="care_leaver")


# Properties

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31))
births = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))
categories = st.sampled_from(sorted(CATEGORIES))


@st.composite
def applications(draw: st.DrawFn) -> tuple[date, date, date | None]:
    """(today, application_made_on, s184_decision_made_on), in a possible order."""
    today = draw(days)
    applied = today - timedelta(days=draw(st.integers(0, 800)))
    decided = draw(st.none() | st.integers(0, (today - applied).days))
    return today, applied, None if decided is None else applied + timedelta(days=decided)


@given(
    category=categories,
    aged_25=st.booleans(),
    commenced=st.none() | days,
    application=applications(),
)
@settings(max_examples=500, deadline=None)
def test_barred_exactly_for_the_cohort_once_in_force(
    category: str,
    aged_25: bool,
    commenced: date | None,
    application: tuple[date, date, date | None],
) -> None:
    today, applied, decided = application
    reason = intentionality_barred(category, aged_25, commenced, today, applied, decided)
    if commenced is None or commenced > today:
        assert reason is None
    if category not in BARRED_CATEGORIES:
        assert reason is None
    if category == "former_relevant_child" and aged_25:
        assert reason is None
    if reason is not None:
        assert commenced is not None
        assert f"(in force from {commenced.isoformat()})" in reason
    in_cohort = category == "relevant_child" or (
        category == "former_relevant_child" and not aged_25
    )
    if commenced is not None and commenced <= today and in_cohort:
        old_law = applied < commenced and decided is not None and decided < commenced
        assert (reason is None) == old_law


@given(
    dob=births,
    on=days,
    looked_after_now=st.booleans(),
    was_eligible=st.booleans(),
    at_18=st.booleans(),
    relevant_at_18=st.booleans(),
    eligible_now=st.none() | st.booleans(),
)
@settings(max_examples=500, deadline=None)
def test_categories_keep_to_their_ages_and_care_status(
    dob: date,
    on: date,
    looked_after_now: bool,
    was_eligible: bool,
    at_18: bool,
    relevant_at_18: bool,
    eligible_now: bool | None,
) -> None:
    if dob > on:
        return
    try:
        found = care_leaver_category(
            dob,
            on,
            looked_after_now=looked_after_now,
            was_eligible_child_when_last_ceased=was_eligible,
            looked_after_and_eligible_at_18=at_18,
            relevant_child_at_18=relevant_at_18,
            eligible_child_now=eligible_now,
        )
    except CareLeaverRecordError:
        return
    age = age_on(dob, on)
    if found == "eligible_child_looked_after":
        assert 16 <= age < 18 and looked_after_now
    if found == "relevant_child":
        assert 16 <= age < 18 and not looked_after_now and was_eligible
    if found == "former_relevant_child":
        assert age >= 18 and was_eligible and (at_18 or relevant_at_18)
    if age < 16 or not (was_eligible or eligible_now):
        assert found == "not_relevant_or_former_relevant"
    # Whoever left care as an eligible child and is not looked after again is in the cohort.
    if age >= 16 and was_eligible and not looked_after_now:
        assert found in BARRED_CATEGORIES
