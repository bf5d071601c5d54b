"""The care-leaver case's needs-assessment clock (issue 9 point 10; spec errata 13; T17).

reg.42(1) SI 2010/959: the needs assessment is due "not more than three months after the date
on which C reaches the age of 16 or becomes an eligible child after that age". A 17-year-old
who becomes looked after must not open a case already "overdue" from before they were in care.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.templates import template_names
from pathways.calendar import birthday
from pathways.deadlines import RULES, compute_deadline
from pathways.definitions.care_leaver_v0 import CARE_LEAVER_0_1
from pathways.definitions.care_leaver_v0 import CARE_LEAVER_0_2 as CARE_LEAVER
from pathways.eligibility import eligible_child_on
from pathways.engine.definition import PathwayDefinition
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide
from pathways.engine.validate import definition_problems
from pathways.principal import Actor
from pathways.refusal import Refusal

NOW = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
LIMITS = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=12)
NAME = "Fictional Young Person"
SEVENTEEN = "2009-09-01"  # 16 on 2025-09-01, 18 on 2027-09-01
SIXTEEN = "2010-09-01"  # 16 on 2026-09-01
NEEDS_ASSESSMENT_TIMERS = {"needs_assessment", "needs_assessment_after_eligibility"}


def opening(dob: str = SEVENTEEN, **fields: Any) -> dict[str, Any]:
    return {
        "young_person": {"full_name": NAME, "date_of_birth": dob},
        "legal_status": "looked_after_s20",
        **fields,
    }


def attempt(
    payload: dict[str, Any],
    definition: PathwayDefinition = CARE_LEAVER,
    limits: InputLimits = LIMITS,
) -> Plan | Refusal:
    # "system": the 16/17 intake opens the case on its s.20 hand-off.
    return decide(
        definition,
        CaseSnapshot("referred"),
        "open_care_leaver_case",
        Actor("system", "system"),
        payload,
        limits=limits,
    )


def opened(payload: dict[str, Any], **where: Any) -> Plan:
    plan = attempt(payload, **where)
    assert isinstance(plan, Plan), plan
    return plan


def refused(payload: dict[str, Any], **where: Any) -> Refusal:
    refusal = attempt(payload, **where)
    assert isinstance(refusal, Refusal), f"accepted: {payload}"
    assert refusal.code == "invalid_input", refusal
    assert NAME not in refusal.reason
    dob = payload["young_person"]["date_of_birth"]
    assert dob not in refusal.reason and dob[:4] not in refusal.reason
    return refusal


def timers(plan: Plan) -> set[str]:
    return {spec.name for spec in plan.timers_to_open}


def needs_assessment_due(plan: Plan, dob: date) -> date:
    """The due date the application would give the needs-assessment timer this plan opens."""
    (spec,) = [s for s in plan.timers_to_open if s.name in NEEDS_ASSESSMENT_TIMERS]
    start = dob if spec.starts_from == "young_person.date_of_birth" else None
    if spec.starts_from is not None and spec.starts_from in plan.recorded_facts:
        start = date.fromisoformat(plan.recorded_facts[spec.starts_from])
    assert start is not None, spec.starts_from
    return compute_deadline(spec.rule, start).due_date


# The statute's two cases


def test_a_17_year_old_newly_looked_after_is_due_three_months_after_becoming_eligible() -> None:
    plan = opened(opening(looked_after_since="2027-01-10"))
    # 13 weeks from 10 January 2027, counting it as day 1, are complete on 10 April.
    assert plan.recorded_facts["eligible_child_on"] == "2027-04-11"
    assert plan.recorded_facts["needs_assessment_from"] == "becoming_eligible"
    assert timers(plan) == {"needs_assessment_after_eligibility", "pre18_panel"}
    assert needs_assessment_due(plan, date(2009, 9, 1)) == date(2027, 7, 11)
    # 0.1 counted from the 16th birthday: "due" 2025-12-01, before they were ever in care.
    assert compute_deadline("needs-assessment", date(2009, 9, 1)).due_date == date(2025, 12, 1)


def test_a_child_eligible_at_16_keeps_the_birthday_date() -> None:
    plan = opened(opening(SIXTEEN, looked_after_since="2026-01-10"))
    assert plan.recorded_facts["needs_assessment_from"] == "16th_birthday"
    assert "eligible_child_on" not in plan.recorded_facts
    assert timers(plan) == {"needs_assessment", "pre18_panel"}
    # Exactly the date version 0.1 gives: three months after the 16th birthday (2026-09-01).
    assert needs_assessment_due(plan, date(2010, 9, 1)) == date(2026, 12, 1)
    old = opened(
        {"young_person": opening(SIXTEEN)["young_person"], "legal_status": "eligible_child"},
        definition=CARE_LEAVER_0_1,
    )
    assert needs_assessment_due(old, date(2010, 9, 1)) == date(2026, 12, 1)


def test_earlier_weeks_since_14_bring_eligibility_forward() -> None:
    plan = opened(opening(looked_after_since="2027-01-10", weeks_looked_after_since_14_before=5))
    assert plan.recorded_facts["eligible_child_on"] == "2027-03-07"  # 8 more weeks
    assert needs_assessment_due(plan, date(2009, 9, 1)) == date(2027, 6, 7)
    again = opened(opening(looked_after_since="2027-01-10", weeks_looked_after_since_14_before=13))
    assert again.recorded_facts["eligible_child_on"] == "2027-01-10"
    assert needs_assessment_due(again, date(2009, 9, 1)) == date(2027, 4, 10)


def test_two_days_in_care_gives_a_clock_13_weeks_and_3_months_ahead() -> None:
    plan = opened(opening(looked_after_since="2027-01-10"))  # NOW is 12 January 2027
    assert date.fromisoformat(plan.recorded_facts["eligible_child_on"]) > NOW.date()
    assert needs_assessment_due(plan, date(2009, 9, 1)) == date(2027, 7, 11)


def test_too_late_to_be_eligible_before_18_opens_no_needs_assessment_clock() -> None:
    # Born 2009-02-01: 18 on 2027-02-01, three weeks after care began.
    plan = opened(opening("2009-02-01", looked_after_since="2027-01-10"))
    assert plan.recorded_facts["needs_assessment_from"] == "not_eligible_before_18"
    assert timers(plan) == {"pre18_panel"}


def test_a_young_person_who_has_left_care_keeps_the_birthday_clock() -> None:
    plan = opened(opening(legal_status="relevant_child"))
    assert plan.recorded_facts == {
        "legal_status": "relevant_child",
        "needs_assessment_from": "16th_birthday",
    }
    assert timers(plan) == {"needs_assessment", "pre18_panel"}


def test_the_16_17_intakes_hand_off_payload_validates() -> None:
    """The s.20 hand-off (outcome O3), with the young person copied onto the new case."""
    payload = {
        "legal_status": "looked_after_s20",
        "looked_after_since": "2027-01-12",
        "weeks_looked_after_since_14_before": 0,
    }
    plan = opened({**payload, "young_person": {"full_name": NAME, "date_of_birth": SEVENTEEN}})
    assert plan.recorded_facts["eligible_child_on"] == "2027-04-13"


# Bad input: the field and the rule named, nothing written


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({}, "looked_after_since", "is required for legal_status looked_after_s20"),
        ({"legal_status": "eligible_child"}, "looked_after_since", "is required"),
        ({"looked_after_since": None}, "looked_after_since", "is required"),
        ({"looked_after_since": "2027-01-13"}, "looked_after_since", "cannot be in the future"),
        ({"looked_after_since": "2009-08-31"}, "looked_after_since", "before the young person"),
        ({"looked_after_since": 1736467200}, "looked_after_since", "must be a date"),
        ({"looked_after_since": "10/01/2027"}, "looked_after_since", ""),
        (
            {"looked_after_since": "2027-01-10", "weeks_looked_after_since_14_before": 261},
            "weeks_looked_after_since_14_before",
            "260",
        ),
        (
            {"looked_after_since": "2027-01-10", "weeks_looked_after_since_14_before": -1},
            "weeks_looked_after_since_14_before",
            "",
        ),
        (
            {"looked_after_since": "2027-01-10", "weeks_looked_after_since_14_before": True},
            "weeks_looked_after_since_14_before",
            "integer",
        ),
        (
            {"looked_after_since": "2027-01-10", "weeks_looked_after_since_14_before": "3"},
            "weeks_looked_after_since_14_before",
            "integer",
        ),
        (
            {"looked_after_since": "2027-01-10", "weeks_looked_after_since_14_before": 2.5},
            "weeks_looked_after_since_14_before",
            "integer",
        ),
        (
            {"looked_after_since": "2023-09-07", "weeks_looked_after_since_14_before": 1},
            "weeks_looked_after_since_14_before",
            "14th birthday",
        ),
        (
            {"legal_status": "relevant_child", "looked_after_since": "2027-01-10"},
            "looked_after_since",
            "only for a young person who is still looked after",
        ),
        (
            {"legal_status": "former_relevant_child", "weeks_looked_after_since_14_before": 4},
            "weeks_looked_after_since_14_before",
            "only for a young person who is still looked after",
        ),
        (
            {"legal_status": "eligible_child", "looked_after_since": "2027-01-10"},
            "legal_status",
            "record looked_after_s20",
        ),
    ],
)
def test_a_history_that_cannot_be_right_is_refused(
    fields: dict[str, Any], field: str, rule: str
) -> None:
    refusal = refused(opening(**fields))
    assert refusal.field == field
    assert refusal.reason.startswith(f"{field}: ")
    assert rule in refusal.reason


def test_an_eligible_child_really_eligible_by_today_is_accepted() -> None:
    plan = opened(
        opening(
            legal_status="eligible_child",
            looked_after_since="2027-01-10",
            weeks_looked_after_since_14_before=13,
        )
    )
    assert plan.recorded_facts["eligible_child_on"] == "2027-01-10"


def test_version_0_1_takes_no_history() -> None:
    refusal = refused(opening(looked_after_since="2027-01-10"), definition=CARE_LEAVER_0_1)
    assert refusal.field == "looked_after_since"


# The definitions


def test_both_versions_are_valid_and_0_1_is_unchanged() -> None:
    for definition in (CARE_LEAVER_0_1, CARE_LEAVER):
        assert definition_problems(definition, RULES, template_names()) == [], definition.key
    assert (CARE_LEAVER_0_1.key, CARE_LEAVER.key) == (
        "care-leaver-transition@0.1",
        "care-leaver-transition@0.2",
    )
    assert set(CARE_LEAVER_0_1.timers) == {"needs_assessment", "pre18_panel"}
    assert all(timer.opens_when is None for timer in CARE_LEAVER_0_1.timers.values())
    old = opened(opening(legal_status="looked_after_s20"), definition=CARE_LEAVER_0_1)
    assert old.recorded_facts == {"legal_status": "looked_after_s20"}
    assert timers(old) == {"needs_assessment", "pre18_panel"}


def test_recording_the_needs_assessment_closes_whichever_clock_runs() -> None:
    for name in NEEDS_ASSESSMENT_TIMERS:
        snapshot = CaseSnapshot("needs_assessment", open_timers=frozenset({name, "pre18_panel"}))
        plan = decide(
            CARE_LEAVER,
            snapshot,
            "record_needs_assessment",
            Actor("sw", "ics-social-worker"),
            {},
            limits=LIMITS,
        )
        assert isinstance(plan, Plan), plan
        assert plan.timers_to_close == (name,)


def test_the_rule_from_eligibility_is_statute_and_cites_reg_42_1_and_errata_13() -> None:
    rule = RULES["needs-assessment-after-eligibility"]
    assert (rule.status, rule.overridable_per_authority) == ("statute", False)
    assert "reg.42(1)" in rule.citation and "errata 13" in rule.citation
    # Month ends clamp: eligible on 30 November, due on 28 February (not leap) or 29 (leap).
    assert compute_deadline(rule.id, date(2026, 11, 30)).due_date == date(2027, 2, 28)
    assert compute_deadline(rule.id, date(2027, 11, 30)).due_date == date(2028, 2, 29)
    assert compute_deadline(rule.id, date(2027, 4, 11)).due_date == date(2027, 7, 11)


# For any young person: never due before they became eligible, never the date of birth kept

births = st.dates(min_value=date(2008, 1, 1), max_value=date(2011, 1, 12))
since_offsets = st.integers(min_value=0, max_value=19 * 366)
earlier_weeks = st.integers(min_value=0, max_value=260)


@given(dob=births, offset=since_offsets, earlier=earlier_weeks)
@settings(max_examples=200, deadline=None)
def test_the_needs_assessment_is_never_due_before_the_young_person_became_eligible(
    dob: date, offset: int, earlier: int
) -> None:
    since = min(dob + timedelta(days=offset), NOW.date())
    outcome = attempt(
        opening(
            dob.isoformat(),
            looked_after_since=since.isoformat(),
            weeks_looked_after_since_14_before=earlier,
        )
    )
    if isinstance(outcome, Refusal):
        assert outcome.field == "weeks_looked_after_since_14_before", outcome
        return
    facts = outcome.recorded_facts
    assert dob.isoformat() not in str(facts)
    assert "looked_after_since" not in facts
    eligible = eligible_child_on(dob, since, earlier)
    opened_here = timers(outcome) & NEEDS_ASSESSMENT_TIMERS
    if eligible is None:
        assert opened_here == set()
        return
    due = needs_assessment_due(outcome, dob)
    assert due > eligible and due > since
    # Exactly reg.42(1): three months after the later of the 16th birthday and eligibility.
    assert due == compute_deadline("needs-assessment-after-eligibility", eligible).due_date
    assert eligible >= birthday(dob, 16)
