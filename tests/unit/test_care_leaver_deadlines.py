"""Pathway B's deadline rules (care leaver transition 1.0, issue #12): the birthday timers, the
planned-move rule and the two working-day rules.

Every expected date in the tables was worked out by hand on a calendar, not produced by the
code under test. The birthday convention is the product's (pathways.calendar.birthday): a
29 February birthday falls on 28 February in a common year, so a young person born on 29
February 2008 is 18 on Saturday 28 February 2026 and the eve of that birthday is 27 February.
18, 21 and 25 are not multiples of 4, so those birthdays of a 29 February baby always fall in a
common year; the 16th is on 29 February itself unless it falls in a century year like 2100.

Bank holidays relied on (England & Wales): Fri 25 Dec 2026, Mon 28 Dec 2026 (Boxing Day
substitute), Fri 1 Jan 2027, Good Friday 26 Mar 2027, Easter Monday 29 Mar 2027, May Day Mon
3 May 2027, Mon 27 and Tue 28 Dec 2027 (Christmas and Boxing Day substitutes), Mon 3 Jan 2028.

Not repeated here: tests/unit/test_deadlines_table.py already has the first hand-checked rows
of needs-assessment, pre18-panel, age-25 and move-agreement; tests/unit/test_calendar_properties
already proves every rule monotonic in its start (so in the date of birth), every working-day
rule's result a working day, and the leap-day birthday itself.
"""

from __future__ import annotations

import calendar as stdlib_calendar
from datetime import date, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.deadlines import RULES, OverrideError, compute_deadline, describe_amount

BIRTHDAY_RULES = (
    "needs-assessment",
    "pre18-panel",
    "accommodation-plan-by-18",
    "pa-support-21",
    "pa-support-25",
)
EVE_OF_BIRTHDAY_RULES = ("accommodation-plan-by-18", "pa-support-21", "pa-support-25", "age-25")
WORKING_DAY_RULES = ("pathway-plan-review-on-request", "duty-to-refer-acknowledgement")

# The contract's new rules: (convention, anchor age, default, unit, status, overridable).
NEW_RULES = {
    "accommodation-plan-by-18": ("eve-of-birthday", 18, 0, "months", "guidance", False),
    "pa-support-21": ("eve-of-birthday", 21, 0, "months", "statute", False),
    "pa-support-25": ("eve-of-birthday", 25, 0, "months", "statute", False),
    "pathway-plan-review-on-request": (
        "working-days-after",
        None,
        20,
        "working_days",
        "assumption",
        True,
    ),
    "duty-to-refer-acknowledgement": (
        "working-days-after",
        None,
        2,
        "working_days",
        "assumption",
        True,
    ),
}

# (rule, date of birth, due date): the young person's date of birth is the start.
BIRTHDAY_ROWS: list[tuple[str, date, date]] = [
    # Born 29 February 2008: 18 on 28 Feb 2026, 21 on 28 Feb 2029, 25 on 28 Feb 2033.
    ("accommodation-plan-by-18", date(2008, 2, 29), date(2026, 2, 27)),
    ("pa-support-21", date(2008, 2, 29), date(2029, 2, 27)),
    ("pa-support-25", date(2008, 2, 29), date(2033, 2, 27)),
    # Born 29 February 2012: 16 on 29 Feb 2028 (a leap year), 18 on 28 Feb 2030.
    ("needs-assessment", date(2012, 2, 29), date(2028, 5, 29)),
    ("pre18-panel", date(2012, 2, 29), date(2029, 8, 28)),  # from 28 Feb, not 29 Feb
    ("accommodation-plan-by-18", date(2012, 2, 29), date(2030, 2, 27)),
    ("pa-support-21", date(2012, 2, 29), date(2033, 2, 27)),
    ("pa-support-25", date(2012, 2, 29), date(2037, 2, 27)),
    # Born 28 February 2008: the same 18th birthday as a 29 February baby of that year, but
    # the 16th was 28 Feb 2024, the day before a 29 February baby's.
    ("needs-assessment", date(2008, 2, 28), date(2024, 5, 28)),
    ("pre18-panel", date(2008, 2, 28), date(2025, 8, 28)),
    ("accommodation-plan-by-18", date(2008, 2, 28), date(2026, 2, 27)),
    # Born 1 March: the eve of the birthday is 28 February, or 29 February in a leap year.
    ("accommodation-plan-by-18", date(2008, 3, 1), date(2026, 2, 28)),
    ("accommodation-plan-by-18", date(2010, 3, 1), date(2028, 2, 29)),
    ("pa-support-21", date(2008, 3, 1), date(2029, 2, 28)),
    ("pa-support-21", date(2007, 3, 1), date(2028, 2, 29)),
    ("pa-support-25", date(2007, 3, 1), date(2032, 2, 29)),
    ("pre18-panel", date(2008, 3, 1), date(2025, 9, 1)),
    # Born 1 January: the eve is New Year's Eve of the year before.
    ("needs-assessment", date(2009, 1, 1), date(2025, 4, 1)),
    ("pre18-panel", date(2009, 1, 1), date(2026, 7, 1)),
    ("accommodation-plan-by-18", date(2009, 1, 1), date(2026, 12, 31)),
    ("pa-support-21", date(2009, 1, 1), date(2029, 12, 31)),
    ("pa-support-25", date(2009, 1, 1), date(2033, 12, 31)),
    # Month ends: 3 months after a 16th birthday late in November lands on February's end.
    ("needs-assessment", date(2011, 11, 30), date(2028, 2, 29)),
    ("needs-assessment", date(2011, 11, 29), date(2028, 2, 29)),
    ("needs-assessment", date(2012, 11, 30), date(2029, 2, 28)),
    ("needs-assessment", date(2011, 12, 31), date(2028, 3, 31)),
    ("needs-assessment", date(2010, 10, 31), date(2027, 1, 31)),
    ("needs-assessment", date(2010, 5, 31), date(2026, 8, 31)),
    # ...and 6 months before an 18th birthday at a month's end.
    ("pre18-panel", date(2008, 12, 31), date(2026, 6, 30)),
    ("pre18-panel", date(2009, 3, 31), date(2026, 9, 30)),
    ("pre18-panel", date(2009, 8, 30), date(2027, 2, 28)),
    ("pre18-panel", date(2009, 8, 31), date(2027, 2, 28)),
    ("pre18-panel", date(2010, 8, 29), date(2028, 2, 29)),
]

# (rule, start, overrides, due date) for the working-day rules and the planned-move rule.
COUNTED_ROWS: list[tuple[str, date, dict[str, int], date]] = [
    # duty-to-refer-acknowledgement: 2 working days after the referral day.
    ("duty-to-refer-acknowledgement", date(2026, 12, 23), {}, date(2026, 12, 29)),  # 24, 29
    ("duty-to-refer-acknowledgement", date(2026, 12, 24), {}, date(2026, 12, 30)),  # 29, 30
    ("duty-to-refer-acknowledgement", date(2026, 12, 25), {}, date(2026, 12, 30)),  # from a BH
    ("duty-to-refer-acknowledgement", date(2026, 12, 31), {}, date(2027, 1, 5)),  # 4, 5
    ("duty-to-refer-acknowledgement", date(2027, 3, 25), {}, date(2027, 3, 31)),  # Easter
    ("duty-to-refer-acknowledgement", date(2027, 4, 30), {}, date(2027, 5, 5)),  # May Day
    ("duty-to-refer-acknowledgement", date(2027, 12, 24), {}, date(2027, 12, 30)),  # 29, 30
    ("duty-to-refer-acknowledgement", date(2027, 12, 30), {}, date(2028, 1, 4)),  # 31, 4
    ("duty-to-refer-acknowledgement", date(2028, 2, 28), {}, date(2028, 3, 1)),  # 29 Feb counts
    # An authority's own period: 5 working days from a Friday is the next Friday.
    (
        "duty-to-refer-acknowledgement",
        date(2027, 1, 15),
        {"duty-to-refer-acknowledgement": 5},
        date(2027, 1, 22),
    ),
    # pathway-plan-review-on-request: 20 working days after the request.
    ("pathway-plan-review-on-request", date(2026, 12, 24), {}, date(2027, 1, 26)),
    ("pathway-plan-review-on-request", date(2027, 3, 8), {}, date(2027, 4, 7)),  # over Easter
    ("pathway-plan-review-on-request", date(2027, 12, 17), {}, date(2028, 1, 19)),
    (
        "pathway-plan-review-on-request",
        date(2026, 12, 24),
        {"pathway-plan-review-on-request": 10},
        date(2027, 1, 12),
    ),
    # move-agreement: 28 calendar days before the move; bank holidays do not move it.
    ("move-agreement", date(2028, 3, 28), {}, date(2028, 2, 29)),
    ("move-agreement", date(2027, 3, 28), {}, date(2027, 2, 28)),
    ("move-agreement", date(2027, 3, 29), {}, date(2027, 3, 1)),  # a move on Easter Monday
    ("move-agreement", date(2027, 1, 25), {}, date(2026, 12, 28)),  # due on a bank holiday
    ("move-agreement", date(2027, 1, 1), {"move-agreement": 35}, date(2026, 11, 27)),
]

BANK_HOLIDAYS_RELIED_ON = [
    date(2027, 5, 3),
    date(2027, 12, 27),
    date(2027, 12, 28),
    date(2028, 1, 3),
]


@pytest.mark.parametrize(("rule_id", "born", "expected"), BIRTHDAY_ROWS)
def test_birthday_rule(rule_id: str, born: date, expected: date) -> None:
    deadline = compute_deadline(rule_id, born)
    assert deadline.due_date == expected
    assert not deadline.is_datetime
    assert deadline.due_iso == expected.isoformat()


@pytest.mark.parametrize(("rule_id", "start", "overrides", "expected"), COUNTED_ROWS)
def test_counted_rule(rule_id: str, start: date, overrides: dict[str, int], expected: date) -> None:
    deadline = compute_deadline(rule_id, start, overrides)
    assert deadline.due_date == expected
    assert deadline.amount == overrides.get(rule_id, RULES[rule_id].default)


@pytest.mark.parametrize("day", BANK_HOLIDAYS_RELIED_ON)
def test_the_holidays_table_has_the_bank_holidays_relied_on(day: date) -> None:
    assert day in holidays.country_holidays("GB", subdiv="ENG", years=day.year)


@pytest.mark.parametrize("rule_id", sorted(NEW_RULES))
def test_the_contracts_rules_are_registered_as_named(rule_id: str) -> None:
    rule = RULES[rule_id]
    convention, anchor_age, default, unit, status, overridable = NEW_RULES[rule_id]
    assert (rule.convention, rule.anchor_age, rule.default, rule.unit) == (
        convention,
        anchor_age,
        default,
        unit,
    )
    assert (rule.status, rule.overridable_per_authority) == (status, overridable)
    if status == "assumption":
        assert "ASSUMPTION" in rule.citation
    if anchor_age is not None:
        assert "29 February" in rule.convention_text and "29 February" in rule.citation
        assert f"{anchor_age}th birthday" in rule.convention_text or (
            f"{anchor_age}st birthday" in rule.convention_text
        )


def test_the_citations_name_the_statute_and_the_seed() -> None:
    assert "Children Act 1989 s.23C(6)" in RULES["pa-support-21"].citation
    assert "Code 22.3" in RULES["pa-support-21"].citation
    assert "s.23CZB" in RULES["pa-support-25"].citation
    assert "Children and Social Work Act 2017 s.3" in RULES["pa-support-25"].citation
    accommodation = RULES["accommodation-plan-by-18"].citation
    assert "seed 004 §2.2" in accommodation and "prior to the care leaver's 18th" in accommodation
    acknowledgement = RULES["duty-to-refer-acknowledgement"].citation
    assert "seed 004 §2.10" in acknowledgement and "acknowledged" in acknowledgement
    assert "s.213B" in acknowledgement
    assert RULES["pathway-plan-review-on-request"].citation.startswith("T18")


@pytest.mark.parametrize("rule_id", ["accommodation-plan-by-18", "pa-support-21", "pa-support-25"])
def test_a_birthday_cannot_be_moved_by_an_authority(rule_id: str) -> None:
    with pytest.raises(OverrideError, match=rf"{rule_id}.*cannot be overridden"):
        compute_deadline(rule_id, date(2009, 6, 15), {rule_id: 1})


@pytest.mark.parametrize("rule_id", WORKING_DAY_RULES)
def test_an_assumed_period_may_be_set_by_an_authority_but_not_to_nothing(rule_id: str) -> None:
    assert describe_amount(rule_id, {rule_id: 1}) == "1 working day"
    with pytest.raises(OverrideError, match=rf"{rule_id}.*positive"):
        compute_deadline(rule_id, date(2027, 1, 15), {rule_id: 0})


# Properties, for any date of birth. The oracles below do not share code with pathways.calendar.

births = st.dates(min_value=date(1980, 1, 1), max_value=date(2090, 12, 31))
LEAP_YEARS = [y for y in range(1980, 2091) if stdlib_calendar.isleap(y)]
ANCHOR = {"accommodation-plan-by-18": 18, "pa-support-21": 21, "pa-support-25": 25, "age-25": 25}


def _birthday(born: date, age: int) -> date:
    year = born.year + age
    if (born.month, born.day) == (2, 29) and not stdlib_calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, born.month, born.day)


def _age_on(born: date, day: date) -> int:
    age = day.year - born.year
    return age if _birthday(born, age) <= day else age - 1


def _months_from(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@pytest.mark.parametrize("rule_id", EVE_OF_BIRTHDAY_RULES)
@given(born=births)
@settings(max_examples=200, deadline=None)
def test_an_eve_of_birthday_rule_is_due_on_the_last_day_before_the_age(
    rule_id: str, born: date
) -> None:
    age = ANCHOR[rule_id]
    due = compute_deadline(rule_id, born).due_date
    # Never before the anchor birthday's eve, never on the birthday itself.
    assert due == _birthday(born, age) - timedelta(days=1)
    assert _age_on(born, due) == age - 1
    assert _age_on(born, due + timedelta(days=1)) == age


@given(born=births)
@settings(max_examples=200, deadline=None)
def test_the_pre18_panel_is_six_calendar_months_before_the_18th_birthday(born: date) -> None:
    due = compute_deadline("pre18-panel", born).due_date
    eighteenth = _birthday(born, 18)
    assert due == _months_from(eighteenth, -6)
    assert due < compute_deadline("accommodation-plan-by-18", born).due_date < eighteenth
    assert 181 <= (eighteenth - due).days <= 184
    assert _age_on(born, due) == 17


@given(born=births)
@settings(max_examples=200, deadline=None)
def test_the_needs_assessment_is_three_months_after_the_16th_birthday(born: date) -> None:
    due = compute_deadline("needs-assessment", born).due_date
    sixteenth = _birthday(born, 16)
    assert due == _months_from(sixteenth, 3)
    assert 89 <= (due - sixteenth).days <= 92
    assert _age_on(born, due) == 16


@given(born=births)
@settings(max_examples=200, deadline=None)
def test_pathway_bs_birthday_timers_fall_due_in_the_order_of_the_protocol(born: date) -> None:
    dues = [compute_deadline(rule_id, born).due_date for rule_id in BIRTHDAY_RULES]
    assert dues == sorted(dues) and len(set(dues)) == len(dues)


@given(born=births)
@settings(max_examples=100, deadline=None)
def test_support_to_25_ends_when_the_act_stops_counting_the_young_person_as_under_25(
    born: date,
) -> None:
    assert compute_deadline("pa-support-25", born).due_date == (
        compute_deadline("age-25", born).due_date
    )


@given(year=st.sampled_from(LEAP_YEARS))
def test_a_29_february_baby_shares_its_later_birthdays_with_the_28_february_baby(
    year: int,
) -> None:
    leap, day_before = date(year, 2, 29), date(year, 2, 28)
    for rule_id in ("pre18-panel", *EVE_OF_BIRTHDAY_RULES):
        due = compute_deadline(rule_id, leap).due_date
        assert due == compute_deadline(rule_id, day_before).due_date, rule_id
    for rule_id in EVE_OF_BIRTHDAY_RULES:
        assert compute_deadline(rule_id, leap).due_date == date(year + ANCHOR[rule_id], 2, 27)
    # The 16th birthday is in a leap year too, except in a century year that is not one.
    sixteenth_in_leap_year = stdlib_calendar.isleap(year + 16)
    needs = compute_deadline("needs-assessment", leap).due_date
    assert needs == date(year + 16, 5, 29 if sixteenth_in_leap_year else 28)


def _independent_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in holidays.country_holidays("GB", subdiv="ENG", years=d.year)


@pytest.mark.parametrize("rule_id", WORKING_DAY_RULES)
@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2060, 12, 31)),
    amount=st.integers(min_value=1, max_value=40),
)
@settings(max_examples=80, deadline=None)
def test_a_working_day_rule_counts_exactly_its_working_days(
    rule_id: str, start: date, amount: int
) -> None:
    due = compute_deadline(rule_id, start, {rule_id: amount}).due_date
    counted = sum(
        _independent_working_day(start + timedelta(days=i))
        for i in range(1, (due - start).days + 1)
    )
    assert counted == amount and _independent_working_day(due)


@given(
    move=st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 12, 31)),
    amount=st.integers(min_value=1, max_value=90),
)
def test_a_move_is_agreed_the_set_number_of_calendar_days_before_it(
    move: date, amount: int
) -> None:
    deadline = compute_deadline("move-agreement", move, {"move-agreement": amount})
    assert deadline.due_date == move - timedelta(days=amount)
