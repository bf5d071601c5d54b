"""Hand-checked deadlines (spec §0.1, §1, §10, §13).

Every expected value below was worked out by hand against a printed calendar for
2026-2028 (weekdays checked with Python's ``calendar`` module), not produced by the
code under test. Bank holidays relied on: Fri 25 Dec 2026, Sat 26 Dec 2026 (Boxing Day)
with its substitute Mon 28 Dec 2026, Fri 1 Jan 2027, Good Friday 26 Mar 2027, Easter
Monday 29 Mar 2027. Clock changes: 29 Mar 2026, 25 Oct 2026, 28 Mar 2027.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import holidays
import pytest

from pathways.calendar import LONDON, is_working_day
from pathways.deadlines import (
    RULES,
    OverrideError,
    UnknownRuleError,
    check_amount,
    compute_deadline,
    validate_overrides,
    warning_point,
)

BST = timezone(timedelta(hours=1))
GMT = UTC

# (rule id, start, expected due date) for every day-based rule.
DATE_ROWS: list[tuple[str, date | datetime, date]] = [
    # rfs-triage: 1 working day after; the start day never counts.
    ("rfs-triage", date(2026, 12, 24), date(2026, 12, 29)),  # skips 25, 26-27, 28 (subst.)
    ("rfs-triage", date(2026, 12, 23), date(2026, 12, 24)),
    ("rfs-triage", date(2026, 12, 31), date(2027, 1, 4)),  # skips New Year, weekend
    ("rfs-triage", date(2027, 3, 25), date(2027, 3, 30)),  # skips Good Friday .. Easter Monday
    ("rfs-triage", date(2026, 12, 26), date(2026, 12, 29)),  # starts on a bank holiday
    # escalation-step: 5 working days.
    ("escalation-step", date(2026, 12, 21), date(2026, 12, 30)),  # 22,23,24,29,30
    ("escalation-step", date(2026, 12, 29), date(2027, 1, 6)),  # 30,31,4,5,6
    ("escalation-step", date(2027, 3, 24), date(2027, 4, 2)),  # 25,30,31,1,2
    # cf-assessment: 45 working days.
    ("cf-assessment", date(2026, 12, 24), date(2027, 3, 2)),  # 3 in Dec, 20 Jan, 20 Feb, 2 Mar
    ("cf-assessment", date(2027, 2, 15), date(2027, 4, 21)),  # across Easter 2027
    # "beginning with": start is day 1.
    ("review-request", date(2026, 12, 24), date(2027, 1, 13)),
    ("review-request", date(2027, 3, 26), date(2027, 4, 15)),  # bank holidays do not matter
    ("prevention-duty", date(2026, 12, 25), date(2027, 2, 18)),
    ("relief-duty", date(2027, 1, 1), date(2027, 2, 25)),
    ("review-decision", date(2027, 2, 1), date(2027, 3, 28)),  # a Sunday: no roll-forward
    ("review-decision-short", date(2027, 3, 26), date(2027, 4, 15)),
    ("review-decision-local-connection", date(2026, 12, 24), date(2027, 3, 3)),
    # s208-notice (errata 9, s.208(4)): 14 days beginning with the day, so start + 13.
    ("s208-notice", date(2026, 12, 28), date(2027, 1, 10)),
    ("s208-notice", date(2027, 3, 19), date(2027, 4, 1)),  # Easter does not matter
    # bb-stay (T24): 6 weeks beginning with the placement day, so start + 41.
    ("bb-stay", date(2026, 12, 21), date(2027, 1, 31)),
    ("bb-stay", date(2027, 2, 1), date(2027, 3, 14)),
    # "days after": start day excluded.
    ("county-court-appeal", date(2026, 12, 24), date(2027, 1, 14)),
    ("county-court-appeal", date(2027, 3, 10), date(2027, 3, 31)),
    ("weekly-home-meeting", date(2026, 12, 25), date(2027, 1, 1)),
    ("weekly-case-review", date(2027, 3, 26), date(2027, 4, 2)),
    # ih-reasonable-notice: +28 days, then never a Friday, weekend or bank holiday.
    ("ih-reasonable-notice", date(2026, 11, 27), date(2026, 12, 29)),  # 25 Dec (Fri) -> Tue
    ("ih-reasonable-notice", date(2026, 11, 30), date(2026, 12, 29)),  # 28 Dec (subst.) -> Tue
    ("ih-reasonable-notice", date(2026, 12, 4), date(2027, 1, 4)),  # 1 Jan (Fri) -> Mon
    ("ih-reasonable-notice", date(2026, 12, 2), date(2026, 12, 30)),  # a Wednesday stays
    ("ih-reasonable-notice", date(2026, 11, 26), date(2026, 12, 24)),  # Thu 24 Dec stays
    ("ih-reasonable-notice", date(2027, 2, 26), date(2027, 3, 30)),  # Good Friday -> Tue
    ("ih-reasonable-notice", date(2027, 1, 15), date(2027, 2, 15)),  # plain Friday -> Mon
    ("ih-reasonable-notice", date(2027, 1, 16), date(2027, 2, 15)),  # Saturday -> Mon
    ("ih-reasonable-notice", date(2027, 2, 25), date(2027, 3, 25)),  # Thu before Easter stays
    # needs-assessment: start = DOB; 16th birthday + 3 months.
    ("needs-assessment", date(2008, 2, 29), date(2024, 5, 29)),  # 2024 is a leap year
    ("needs-assessment", date(2010, 11, 30), date(2027, 2, 28)),  # clamp to 28 Feb
    ("needs-assessment", date(2010, 12, 31), date(2027, 3, 31)),
    ("needs-assessment", date(2084, 2, 29), date(2100, 5, 28)),  # 2100 not leap: 28 Feb
    # pre18-panel: start = DOB; 18th birthday first, then 6 months back.
    ("pre18-panel", date(2008, 2, 29), date(2025, 8, 28)),  # 18th = 28 Feb 2026
    ("pre18-panel", date(2008, 8, 31), date(2026, 2, 28)),
    ("pre18-panel", date(2010, 8, 31), date(2028, 2, 29)),
    ("pre18-panel", date(2009, 6, 15), date(2026, 12, 15)),
    # month rules: clamp to the month end.
    ("pathway-plan-review", date(2026, 8, 31), date(2027, 2, 28)),
    ("pathway-plan-review", date(2027, 8, 31), date(2028, 2, 29)),
    ("pathway-plan-review", date(2026, 12, 31), date(2027, 6, 30)),
    ("monthly-stakeholder-review", date(2027, 1, 31), date(2027, 2, 28)),
    ("monthly-stakeholder-review", date(2028, 1, 30), date(2028, 2, 29)),
    ("monthly-stakeholder-review", date(2026, 12, 31), date(2027, 1, 31)),
    ("monthly-stakeholder-review", date(2028, 2, 29), date(2028, 3, 29)),
    # move-agreement: start = planned move date; agreed 28 days before.
    ("move-agreement", date(2027, 1, 1), date(2026, 12, 4)),
    ("move-agreement", date(2027, 3, 1), date(2027, 2, 1)),
    # ih-signoff-sla (spec §5 D3): 5 working days after the request.
    ("ih-signoff-sla", date(2026, 12, 21), date(2026, 12, 30)),  # 22,23,24,29,30
    ("ih-signoff-sla", date(2027, 1, 15), date(2027, 1, 22)),  # a Friday: Mon-Fri next week
    ("ih-signoff-sla", date(2027, 3, 26), date(2027, 4, 5)),  # Good Friday: 30,31,1,2,5
    # ih-eviction-notice-to-ics: the last working day from which the 5th working day on is
    # no later than the end date (start = the end date; it counts when a working day).
    ("ih-eviction-notice-to-ics", date(2027, 1, 28), date(2027, 1, 21)),  # Thu -> Thu
    ("ih-eviction-notice-to-ics", date(2027, 2, 2), date(2027, 1, 26)),  # across a weekend
    ("ih-eviction-notice-to-ics", date(2027, 1, 30), date(2027, 1, 22)),  # Sat: 25..29 count
    ("ih-eviction-notice-to-ics", date(2026, 12, 29), date(2026, 12, 18)),  # 21,22,23,24,29
    ("ih-eviction-notice-to-ics", date(2027, 1, 4), date(2026, 12, 23)),  # 24,29,30,31,4
    ("ih-eviction-notice-to-ics", date(2027, 4, 1), date(2027, 3, 23)),  # 24,25,30,31,1
    # review-decision-appointed (T13): 12 weeks beginning with the request, start + 83.
    ("review-decision-appointed", date(2026, 12, 24), date(2027, 3, 17)),
    ("review-decision-appointed", date(2027, 2, 1), date(2027, 4, 25)),  # a Sunday stays
    # review-decision-extended: the agreed date itself, whatever day it is.
    ("review-decision-extended", date(2027, 1, 15), date(2027, 1, 15)),
    ("review-decision-extended", date(2026, 12, 25), date(2026, 12, 25)),  # a bank holiday
    # age-25: start = DOB; the 25th birthday itself.
    # Due the day before the 25th birthday: 25 from the birthday's first moment.
    ("age-25", date(2004, 2, 29), date(2029, 2, 27)),  # 2029 is not a leap year: 28 Feb
    ("age-25", date(2002, 6, 15), date(2027, 6, 14)),
    ("age-25", date(2002, 1, 1), date(2026, 12, 31)),
    # A datetime start uses its Europe/London date: 23:30 UTC on 30 June is 1 July in BST.
    ("review-request", datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2026, 7, 21)),
    ("review-request", datetime(2026, 12, 24, 23, 30, tzinfo=UTC), date(2027, 1, 13)),
]

# (start, expected exact due instant) for the 24-clock-hour rule.
CLOCK_ROWS: list[tuple[date | datetime, datetime]] = [
    # Spring forward 29 Mar 2026: 24 real hours end at 13:00 BST on the wall clock.
    (datetime(2026, 3, 28, 12, 0), datetime(2026, 3, 29, 13, 0, tzinfo=BST)),
    (datetime(2026, 3, 29, 0, 30), datetime(2026, 3, 30, 1, 30, tzinfo=BST)),
    # Fall back 25 Oct 2026: 24 real hours end at 11:00 GMT.
    (datetime(2026, 10, 24, 12, 0), datetime(2026, 10, 25, 11, 0, tzinfo=GMT)),
    # Ambiguous 01:30 on 25 Oct 2026 is read as its first occurrence (BST, 00:30 UTC).
    (datetime(2026, 10, 25, 1, 30), datetime(2026, 10, 26, 0, 30, tzinfo=GMT)),
    # A date-only start means 00:00 Europe/London (BST on 25 Oct = 23:00 UTC on 24 Oct).
    (date(2026, 10, 25), datetime(2026, 10, 25, 23, 0, tzinfo=GMT)),
    # Spring forward 28 Mar 2027.
    (datetime(2027, 3, 27, 9, 30), datetime(2027, 3, 28, 10, 30, tzinfo=BST)),
    # An aware start in another zone keeps its instant.
    (datetime(2026, 12, 24, 18, 0, tzinfo=UTC), datetime(2026, 12, 25, 18, 0, tzinfo=GMT)),
]

# (start, expected exact due instant) for T03: s.20 accommodation for *more than* 24 hours,
# so the first whole minute after 24 real hours.
LOOKED_AFTER_ROWS: list[tuple[datetime, datetime]] = [
    (datetime(2026, 12, 21, 9, 0, tzinfo=UTC), datetime(2026, 12, 22, 9, 1, tzinfo=GMT)),
    # Placed 20:00 BST the night before the clocks go back: 24 real hours end at 19:00 GMT.
    (datetime(2026, 10, 24, 20, 0), datetime(2026, 10, 25, 19, 1, tzinfo=GMT)),
    # Placed 22:00 GMT the night before spring forward: 24 real hours end at 23:00 BST.
    (datetime(2027, 3, 27, 22, 0), datetime(2027, 3, 28, 23, 1, tzinfo=BST)),
]

# (start, expected exact due instant) for T02: 23:59 on the enquiry's day, but never less
# than 4 clock hours after the enquiry.
SAME_DAY_ROWS: list[tuple[date | datetime, datetime]] = [
    (date(2026, 12, 21), datetime(2026, 12, 21, 23, 59, tzinfo=GMT)),
    (date(2026, 12, 25), datetime(2026, 12, 25, 23, 59, tzinfo=GMT)),  # a bank holiday: no change
    (datetime(2026, 12, 21, 15, 0), datetime(2026, 12, 21, 23, 59, tzinfo=GMT)),
    (datetime(2026, 12, 21, 19, 59), datetime(2026, 12, 21, 23, 59, tzinfo=GMT)),  # exactly 4h
    (datetime(2026, 12, 21, 22, 30), datetime(2026, 12, 22, 2, 30, tzinfo=GMT)),
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: that day's 23:59.
    (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), datetime(2026, 7, 1, 23, 59, tzinfo=BST)),
    # 23:30 GMT on 25 Oct (after the fall back): 4 real hours later is 03:30 GMT.
    (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), datetime(2026, 10, 26, 3, 30, tzinfo=GMT)),
    # 23:00 GMT on 28 Mar 2026, the night of spring forward: 4 real hours end at 04:00 BST.
    (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 4, 0, tzinfo=BST)),
]

BANK_HOLIDAYS_RELIED_ON = [
    date(2026, 12, 25),
    date(2026, 12, 26),
    date(2026, 12, 28),
    date(2027, 1, 1),
    date(2027, 3, 26),
    date(2027, 3, 29),
]


@pytest.mark.parametrize(("rule_id", "start", "expected"), DATE_ROWS)
def test_date_rule(rule_id: str, start: date | datetime, expected: date) -> None:
    deadline = compute_deadline(rule_id, start)
    assert deadline.due_date == expected
    assert not deadline.is_datetime
    assert deadline.due_at.tzinfo is LONDON
    assert deadline.due_at.replace(tzinfo=None) == datetime(
        expected.year, expected.month, expected.day, 23, 59
    )


@pytest.mark.parametrize(("start", "expected"), CLOCK_ROWS)
def test_joint_visit_clock_hours(start: date | datetime, expected: datetime) -> None:
    deadline = compute_deadline("joint-visit-1617", start)
    assert deadline.is_datetime
    assert deadline.due_at == expected
    assert deadline.due_at.utcoffset() == expected.utcoffset()
    assert deadline.due_at.astimezone(UTC) - deadline.start_at.astimezone(UTC) == timedelta(
        hours=24
    )
    assert deadline.due_date == expected.date()


@pytest.mark.parametrize(("start", "expected"), LOOKED_AFTER_ROWS)
def test_looked_after_after_24_clock_hours(start: datetime, expected: datetime) -> None:
    deadline = compute_deadline("looked-after-24h", start)
    assert deadline.is_datetime
    assert deadline.due_at == expected
    assert deadline.due_at.utcoffset() == expected.utcoffset()
    assert "s.22(2)" in deadline.rule.citation


# An ordinary day, then placements the night before fall back and spring forward.
@pytest.mark.parametrize(
    "start",
    [datetime(2026, 12, 21, 9, 0), datetime(2026, 10, 24, 20, 0), datetime(2027, 3, 27, 22, 0)],
)
def test_looked_after_boundary_a_minute_either_side(start: datetime) -> None:
    # s.22(2): looked after once the accommodation has lasted *more than* 24 hours. The sweep
    # treats due_at <= now as reached, so exactly 24h00m must still be before due_at.
    due = compute_deadline("looked-after-24h", start).due_at
    begun = start.replace(tzinfo=LONDON).astimezone(UTC)
    assert begun + timedelta(hours=23, minutes=59) < due
    assert begun + timedelta(hours=24) < due
    assert begun + timedelta(hours=24, minutes=1) >= due


@pytest.mark.parametrize(("start", "expected"), SAME_DAY_ROWS)
def test_same_day_never_less_than_four_hours(start: date | datetime, expected: datetime) -> None:
    deadline = compute_deadline("same-day", start)
    assert deadline.is_datetime
    assert deadline.due_at == expected
    assert deadline.due_at.utcoffset() == expected.utcoffset()


def test_same_day_minimum_follows_the_authority() -> None:
    late = datetime(2026, 12, 21, 22, 30)
    assert compute_deadline("same-day", late, {"same-day": 2}).due_at == datetime(
        2026, 12, 22, 0, 30, tzinfo=GMT
    )
    assert compute_deadline("same-day", datetime(2026, 12, 21, 12, 0), {"same-day": 2}).due_at == (
        datetime(2026, 12, 21, 23, 59, tzinfo=GMT)
    )


def test_s208_notice_cites_the_amended_subsection() -> None:
    rule = RULES["s208-notice"]
    assert rule.convention == "days-beginning-with"
    assert "s.208(4)" in rule.citation and "s.208(2)" not in rule.citation
    assert "Enfield v A [2025] EWCA Civ 1355" in rule.citation
    assert "start + 13" in rule.convention_text


def test_bb_stay_may_only_be_shortened() -> None:
    start = date(2026, 12, 21)
    assert compute_deadline("bb-stay", start, {"bb-stay": 2}).due_date == date(2027, 1, 3)
    with pytest.raises(OverrideError, match=r"bb-stay.*only shorten.*at most 6 weeks"):
        compute_deadline("bb-stay", start, {"bb-stay": 8})


@pytest.mark.parametrize("day", BANK_HOLIDAYS_RELIED_ON)
def test_holidays_package_has_the_bank_holidays_relied_on(day: date) -> None:
    assert day in holidays.country_holidays("GB", subdiv="ENG", years=day.year)
    assert not is_working_day(day)


def test_boxing_day_2026_is_a_saturday_with_a_monday_substitute() -> None:
    assert date(2026, 12, 26).weekday() == 5
    assert date(2026, 12, 28).weekday() == 0
    assert is_working_day(date(2026, 12, 24))
    assert is_working_day(date(2026, 12, 29))


def test_due_at_is_2359_london_in_summer() -> None:
    deadline = compute_deadline("review-request", date(2026, 7, 1))
    assert deadline.due_at.isoformat() == "2026-07-21T23:59:00+01:00"


def test_authority_override_changes_the_amount() -> None:
    deadline = compute_deadline("review-request", date(2026, 12, 24), {"review-request": 28})
    assert deadline.amount == 28
    assert deadline.due_date == date(2027, 1, 20)


def test_override_for_another_rule_is_ignored() -> None:
    deadline = compute_deadline("review-request", date(2026, 12, 24), {"rfs-triage": 2})
    assert deadline.amount == 21
    assert deadline.due_date == date(2027, 1, 13)


def test_override_of_a_statutory_rule_is_refused() -> None:
    with pytest.raises(OverrideError, match=r"prevention-duty.*cannot be overridden"):
        compute_deadline("prevention-duty", date(2026, 12, 24), {"prevention-duty": 60})


@pytest.mark.parametrize("amount", [0, -1])
def test_non_positive_override_is_refused(amount: int) -> None:
    with pytest.raises(OverrideError, match=r"review-request.*positive"):
        compute_deadline("review-request", date(2026, 12, 24), {"review-request": amount})


def test_validate_overrides_checks_every_key() -> None:
    validate_overrides({"review-request": 28, "escalation-step": 3})
    with pytest.raises(UnknownRuleError):
        validate_overrides({"no-such-rule": 3})
    with pytest.raises(OverrideError):
        validate_overrides({"review-request": 28, "county-court-appeal": 28})


def test_unknown_rule_lists_the_valid_ids() -> None:
    with pytest.raises(UnknownRuleError, match="unknown rule 'foo'") as caught:
        compute_deadline("foo", date(2026, 12, 24))
    assert isinstance(caught.value, LookupError)
    for rule_id in RULES:
        assert rule_id in str(caught.value)


def test_warning_at_75_percent_of_a_24_hour_timer_across_fall_back() -> None:
    deadline = compute_deadline("joint-visit-1617", datetime(2026, 10, 24, 12, 0))
    # 18 real hours after 11:00 UTC is 05:00 UTC = 05:00 GMT on 25 Oct.
    assert deadline.warn_at(0.75) == datetime(2026, 10, 25, 5, 0, tzinfo=GMT)


def test_warning_point_for_a_day_rule() -> None:
    start = datetime(2027, 1, 1, 0, 0, tzinfo=GMT)
    due = compute_deadline("weekly-case-review", start).due_at  # 8 Jan 23:59 GMT
    assert warning_point(start, due, 0.5) == datetime(2027, 1, 4, 23, 59, 30, tzinfo=GMT)


def test_warning_point_refuses_a_backwards_timer_and_bad_fraction() -> None:
    deadline = compute_deadline("move-agreement", date(2027, 1, 1))
    with pytest.raises(ValueError, match="before its start"):
        deadline.warn_at(0.75)
    with pytest.raises(ValueError, match="between 0 and 1"):
        compute_deadline("weekly-case-review", date(2027, 1, 1)).warn_at(1.5)


def test_rule_metadata_is_complete() -> None:
    # Rules are only ever added (a removed one would orphan running timers).
    assert len(RULES) >= 23
    assert {"s208-notice", "same-day", "looked-after-24h", "bb-stay"} <= set(RULES)
    for rule in RULES.values():
        # A timer id from spec §1, or the spec section of a step that has none.
        assert rule.citation.startswith(("T", "Spec §")), rule.id
        assert rule.convention_text.endswith("."), rule.id
        # Zero only for a fixed date (an agreed day, a birthday), which no authority changes.
        assert rule.default > 0 or (rule.default == 0 and not rule.overridable_per_authority)
    assert RULES["review-request"].overridable_per_authority
    assert RULES["review-request"].status == "conflict"
    assert not RULES["relief-duty"].overridable_per_authority
    for rule_id in ("needs-assessment", "pre18-panel", "pathway-plan-review"):
        assert "29 February" in RULES[rule_id].citation + RULES[rule_id].convention_text


def test_review_request_may_only_be_lengthened() -> None:
    start = date(2026, 12, 24)
    # Errata 18: a letter giving a longer period is itself a written allowance.
    assert compute_deadline("review-request", start, {"review-request": 42}).due_date == date(
        2027, 2, 3
    )
    assert compute_deadline("review-request", start, {"review-request": 21}).amount == 21
    with pytest.raises(
        OverrideError, match=r"review-request.*only lengthen.*at least 21 days.*s\.202\(3\)"
    ):
        compute_deadline("review-request", start, {"review-request": 14})


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2027, 1, 8), 35, date(2027, 2, 15)),  # day 35 is Fri 12 Feb -> Mon
        (date(2027, 1, 11), 14, date(2027, 1, 25)),  # a Monday stays
        (date(2027, 2, 19), 35, date(2027, 3, 30)),  # Good Friday 26 Mar -> Tue after Easter
    ],
)
def test_reasonable_notice_per_case_amount_keeps_the_friday_rule(
    start: date, days: int, expected: date
) -> None:
    overrides = {"ih-reasonable-notice": days}
    assert compute_deadline("ih-reasonable-notice", start, overrides).due_date == expected


@pytest.mark.parametrize(
    "rule_id", ["review-decision-appointed", "review-decision-extended", "age-25"]
)
def test_new_statutory_rules_cannot_be_overridden(rule_id: str) -> None:
    with pytest.raises(OverrideError, match=rf"{rule_id}.*cannot be overridden"):
        compute_deadline(rule_id, date(2026, 12, 24), {rule_id: 3})


def test_new_assumptions_follow_the_authority() -> None:
    start = date(2027, 1, 28)
    assert compute_deadline(
        "ih-eviction-notice-to-ics", start, {"ih-eviction-notice-to-ics": 1}
    ).due_date == date(2027, 1, 27)
    assert compute_deadline(
        "ih-signoff-sla", date(2026, 12, 21), {"ih-signoff-sla": 3}
    ).due_date == date(2026, 12, 24)
    for rule_id in ("ih-signoff-sla", "ih-eviction-notice-to-ics"):
        assert RULES[rule_id].status == "assumption"
        assert "ASSUMPTION" in RULES[rule_id].citation


def test_zero_default_rules_fall_due_on_their_start() -> None:
    deadline = compute_deadline("review-decision-extended", date(2027, 1, 15))
    assert deadline.amount == 0
    assert deadline.due_at == datetime(2027, 1, 15, 23, 59, tzinfo=GMT)
    assert compute_deadline("age-25", date(2002, 6, 15)).amount == 0
    assert "s.191(1ZA)" in RULES["age-25"].citation
    assert "Children's Wellbeing and Schools Act 2026 s.9" in RULES["age-25"].citation
    assert "29 February" in RULES["age-25"].convention_text


@pytest.mark.parametrize(
    ("rule_id", "amount", "fragments"),
    [
        ("review-request", 28, None),
        ("review-request", 21, None),
        ("review-request", 14, ("review-request", "at least 21 days", "s.202(3)")),
        ("review-request", 0, ("review-request", "positive")),
        ("ih-reasonable-notice", 14, None),
        ("ih-reasonable-notice", 35, None),
        ("ih-reasonable-notice", 0, ("ih-reasonable-notice", "positive")),
        ("bb-stay", 8, ("bb-stay", "at most 6 weeks")),
        ("review-decision", 8, ("review-decision", "cannot be overridden")),
    ],
)
def test_check_amount(rule_id: str, amount: int, fragments: tuple[str, ...] | None) -> None:
    refusal = check_amount(rule_id, amount)
    if fragments is None:
        assert refusal is None
        return
    assert refusal is not None
    for fragment in fragments:
        assert fragment in refusal


def test_check_amount_of_an_unknown_rule_raises() -> None:
    with pytest.raises(UnknownRuleError):
        check_amount("no-such-rule", 3)
