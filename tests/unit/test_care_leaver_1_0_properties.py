"""Pathway B 1.0 for any input: the opening's cohort rule around the 16th, 18th, 21st and 25th
birthdays (29 February included), the planned-move notice rule for any dates and any override,
and random sequences of steps by the roles allowed to take them.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pathways.definitions.care_leaver import CARE_LEAVER
from pathways.definitions.care_leaver_gates import closure_gate
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide
from pathways.principal import Actor
from pathways.refusal import Refusal
from tests.unit.test_care_leaver_1_0 import (
    APPROVAL,
    DUTY_ENDED,
    HO,
    LOOKED_AFTER,
    NAME,
    NINETEEN,
    OUT_OF_DISTRICT,
    PA,
    PLAN,
    REFERRAL,
    RELIEF,
    REQUEST,
    SEVENTEEN,
    SW,
    TODAY,
    TWENTY_TWO,
    after,
    attempt,
    opening,
    planning,
)

STATUSES: Final = ("looked_after_s20", "eligible_child", "relevant_child", "former_relevant_child")
LOOKED_AFTER_NOW: Final = frozenset({"looked_after_s20", "eligible_child"})
BASES: Final = ("s20", "care_order", "left_care")
DOB_FIELD: Final = "young_person.date_of_birth"


# --- the opening's cohort rule -------------------------------------------------------------------


def nth_birthday(dob: date, years: int) -> date:
    """The product's convention, written out: a 29 February birthday falls on 28 February in a
    year without one."""
    year = dob.year + years
    if (dob.month, dob.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return dob.replace(year=year)


def age(dob: date, today: date) -> int:
    years = today.year - dob.year
    return years if nth_birthday(dob, years) <= today else years - 1


def expected_field(years: int, status: str, basis: str, to_25: bool) -> str | None:
    """The field the cohort rule refuses, or None when the young person is in the cohort."""
    if years >= 25 or years < 16:
        return DOB_FIELD
    if (status == "former_relevant_child") != (years >= 18):
        return "legal_status"
    if years >= 21 and not to_25:
        return "support_to_25_requested"
    if (status in LOOKED_AFTER_NOW) == (basis == "left_care"):
        return "legal_basis"
    return None


LEAP_DAYS = st.sampled_from([date(year, 2, 29) for year in (1996, 2000, 2004, 2008, 2012)])
BIRTHS = st.one_of(st.dates(min_value=date(1996, 1, 1), max_value=date(2012, 12, 31)), LEAP_DAYS)


@given(
    dob=BIRTHS,
    years=st.sampled_from([16, 18, 21, 25]),
    offset=st.integers(min_value=-3, max_value=3),
    status=st.sampled_from(STATUSES),
    basis=st.sampled_from(BASES),
    to_25=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_an_opening_is_accepted_iff_the_cohort_rule_holds(
    dob: date, years: int, offset: int, status: str, basis: str, to_25: bool
) -> None:
    today = nth_birthday(dob, years) + timedelta(days=offset)
    limits = InputLimits(
        now=datetime.combine(today, time(12), UTC),
        max_clock_skew=timedelta(minutes=5),
        min_parent_age_gap_years=12,
    )
    payload: dict[str, Any] = {
        "young_person": {"full_name": NAME, "date_of_birth": dob.isoformat()},
        "legal_status": status,
        "legal_basis": basis,
        "support_to_25_requested": to_25,
    }
    if status in LOOKED_AFTER_NOW:
        # Looked after for 100 days: an eligible child by today if aged 16 or 17.
        payload["looked_after_since"] = (today - timedelta(days=100)).isoformat()
    outcome = decide(
        CARE_LEAVER,
        CaseSnapshot("referred"),
        "open_care_leaver_case",
        Actor("sw", SW),
        payload,
        limits=limits,
    )
    years_now = age(dob, today)
    field = expected_field(years_now, status, basis, to_25)
    if field is None:
        assert isinstance(outcome, Plan), (years_now, outcome)
        opened = {spec.name for spec in outcome.timers_to_open}
        assert ("pre18_panel" in opened) == (years_now < 18)
        assert ("pa_support_25" in opened) == to_25 and ("pa_support_21" in opened) != to_25
        assert dob.isoformat() not in str(outcome.recorded_facts)
        return
    assert isinstance(outcome, Refusal), (years_now, status, basis, to_25)
    assert outcome.code == "invalid_input"
    allowed = {field}
    if status == "eligible_child":
        # 0.2's history check comes first: not eligible by today names the legal status.
        allowed = {*allowed, "legal_status"}
    assert outcome.field in allowed, (years_now, status, outcome)
    assert outcome.reason.startswith(f"{outcome.field}: ")
    assert dob.isoformat() not in outcome.reason and NAME not in outcome.reason
    assert dob.strftime("%d/%m/%Y") not in outcome.reason


# --- the planned-move notice rule ----------------------------------------------------------------

SHORT: Final = {"short_notice_reason": "emergency", "short_notice_detail": "The provider left."}
CASE_AT_PLANNING = planning()


def _with(overrides: dict[str, int], **facts: Any) -> CaseSnapshot:
    return CaseSnapshot(
        CASE_AT_PLANNING.state,
        facts={**CASE_AT_PLANNING.facts, **facts},
        open_timers=CASE_AT_PLANNING.open_timers,
        rule_overrides=overrides,
    )


@given(
    move_on=st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)),
    agreed_on=st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 3, 1)),
    notice=st.one_of(st.none(), st.integers(min_value=1, max_value=90)),
    reason=st.booleans(),
    agreeing_later=st.booleans(),
)
@settings(max_examples=400, deadline=None)
def test_a_move_is_refused_without_a_reason_iff_the_notice_is_short(
    move_on: date, agreed_on: date, notice: int | None, reason: bool, agreeing_later: bool
) -> None:
    overrides = {} if notice is None else {"move-agreement": notice}
    days = 28 if notice is None else notice
    given_reason = SHORT if reason else {}
    if agreeing_later:
        case = _with(overrides, planned_move_on=move_on.isoformat())
        payload = {"agreed_on": agreed_on.isoformat(), **given_reason}
        outcome = attempt(case, "agree_planned_move", HO, payload)
        if agreed_on > TODAY:
            assert isinstance(outcome, Refusal) and outcome.field == "agreed_on"
            return
    else:
        case = _with(overrides)
        payload = {
            "planned_move_on": move_on.isoformat(),
            "plan_agreed_on": agreed_on.isoformat(),
            **given_reason,
        }
        outcome = attempt(case, "record_planned_move", PA, payload)
    ahead = (move_on - agreed_on).days
    if ahead < 0:
        assert isinstance(outcome, Refusal)
        assert outcome.reason.startswith("plan_agreed_on: ")
        return
    short = ahead < days
    if short != reason:
        assert isinstance(outcome, Refusal), (ahead, days, reason)
        assert outcome.code == "refused"
        assert outcome.reason.startswith("short_notice_reason: ")
        assert f"{days} days" in outcome.reason
        return
    assert isinstance(outcome, Plan), (ahead, days, reason, outcome)
    move = outcome.recorded_facts["moves"][-1]
    assert (move["notice_days"], move["short_notice"]) == (ahead, short)
    assert bool(outcome.notifications) == short
    assert "provider" not in str(outcome.recorded_facts)


# --- random sequences of steps -------------------------------------------------------------------

PAYLOADS: Final[dict[str, list[dict[str, Any]]]] = {
    "open_care_leaver_case": [
        opening(SEVENTEEN),
        LOOKED_AFTER,
        opening(NINETEEN, "former_relevant_child"),
        opening(TWENTY_TWO, "former_relevant_child", support_to_25_requested=True),
        opening(TWENTY_TWO, "former_relevant_child"),
    ],
    "record_cohort_details": [
        {"personal_adviser": "pa.one", "consent_to_share_with_lha": True},
        {"pregnant": True, "has_children": True},
        {"responsible_authority": "other"},
    ],
    "record_needs_assessment": [{"completed_on": "2026-11-01"}, {"completed_on": "2028-01-01"}],
    "record_pathway_plan": [PLAN, {"agreed_on": "2026-12-01"}],
    "record_lac_review": [{"held_on": "2027-01-05"}],
    "request_pathway_plan_review": [{"reason": "young_person_asked"}, {"reason": "nope"}],
    "record_pathway_plan_review": [{"held_on": "2027-01-06"}],
    "approve_ceasing_to_look_after": [APPROVAL, {"reg39_assessments_completed": True}],
    "record_left_care": [{"ceased_on": "2027-01-10"}, {"ceased_on": "2027-01-10", "at_18": True}],
    "register_on_housing_register": [
        {"registered_with": "dartford", "registered_on": "2027-01-02"}
    ],
    "record_pre18_panel": [
        {
            "held_on": "2027-01-03",
            "attendees": ["housing", "childrens_services"],
            "option": "family",
        },
        {"held_on": "2027-01-03", "attendees": ["housing"], "option": "family"},
    ],
    "agree_accommodation_plan": [
        {"agreed_on": "2027-01-04", "option": "staying_put"},
        {"agreed_on": "2027-01-04", "option": "bed_and_breakfast"},
    ],
    "record_contingency_plan": [{"agreed_on": "2027-01-04", "option": "family"}],
    "record_planned_move": [
        {"planned_move_on": "2027-03-01"},
        {"planned_move_on": "2027-02-01", "plan_agreed_on": "2027-01-12"},
        {"planned_move_on": "2027-02-01", "plan_agreed_on": "2027-01-12", **SHORT},
    ],
    "agree_planned_move": [{"agreed_on": "2027-01-12"}, {"agreed_on": "2027-01-12", **SHORT}],
    "record_consent": [{"consent_to_share_with_lha": True}, {"consent_to_share_with_lha": False}],
    "record_risk_trigger": [{"trigger": "placement_breakdown", "on": "2027-01-11"}],
    "tell_lha_without_consent": [{"rationale": "Risk of losing the tenancy."}],
    "refer_to_housing": [
        REFERRAL,
        {**REFERRAL, "chosen_authority": None, "other_authority": "Leeds City Council"},
        {**REFERRAL, "consent_to_refer": False},
    ],
    "acknowledge_referral": [{"acknowledged_on": "2027-01-12"}],
    "open_lha_duty": [RELIEF, {"duty": "prevention", "satisfied_on": "2027-01-11"}],
    "record_php": [
        {
            "agreed_on": "2027-01-12",
            "informed_by_pathway_plan": True,
            "personal_adviser_input": True,
        }
    ],
    "end_lha_duty": [DUTY_ENDED],
    "record_interim_accommodation": [OUT_OF_DISTRICT, {**OUT_OF_DISTRICT, "district": "dartford"}],
    "record_s208_notice_sent": [{"sent_on": "2027-01-12"}],
    "hand_off_to_intentionality": [
        {"risk": "non_cooperation", "application_made_on": "2027-01-05"}
    ],
    "lha_closes_its_case": [{}],
    "record_turns_18_reached": [{}],
    "record_pa_support_21_reached": [{}],
    "record_pa_support_25_reached": [{}],
    "request_support_to_25": [{"asked_on": "2027-01-12"}],
    "close_at_21": [{}],
    "close_at_25": [{}],
    "close_at_young_persons_request": [REQUEST, {"asked_on": "2027-01-12"}],
}


def test_the_machine_knows_every_transition() -> None:
    assert set(PAYLOADS) == {t.name for t in CARE_LEAVER.transitions}


class CareLeaverMachine(RuleBasedStateMachine):
    """Whatever the allowed roles record, in whatever order: no ending while the young person
    is looked after or a housing duty is open, and nothing after an ending."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = CaseSnapshot("referred", facts={"authority": "dartford"})
        self.checked_terminal = False

    @initialize(
        opening=st.sampled_from(PAYLOADS["open_care_leaver_case"][:4]),
        stage=st.integers(min_value=0, max_value=3),
    )
    def start(self, opening: dict[str, Any], stage: int) -> None:
        """Most sequences start from a case already some way along, so that the later steps
        and the endings are reached; stage 0 starts at the referral."""
        path = [
            ("open_care_leaver_case", SW, opening),
            ("record_needs_assessment", SW, {"completed_on": "2026-11-01"}),
            ("record_pathway_plan", PA, PLAN),
        ]
        for transition, role, payload in path[:stage]:
            plan = attempt(self.snapshot, transition, role, payload)
            assert isinstance(plan, Plan), plan
            self.snapshot = after(self.snapshot, plan, role)

    @rule(
        transition=st.sampled_from(sorted(PAYLOADS)),
        choice=st.integers(min_value=0, max_value=4),
        who=st.integers(min_value=0, max_value=7),
    )
    def record(self, transition: str, choice: int, who: int) -> None:
        spec = CARE_LEAVER.transition(transition)
        assert spec is not None
        role = spec.roles[who % len(spec.roles)]
        options = PAYLOADS[transition]
        before = self.snapshot
        outcome = attempt(before, transition, role, options[choice % len(options)])
        if isinstance(outcome, Refusal):
            assert outcome.reason and outcome.code != "forbidden", outcome
            assert NAME not in outcome.reason
            if before.status == "closed":
                assert outcome.code == "case_closed"
            return
        assert before.status == "open"
        assert set(outcome.timers_to_close) <= before.open_timers
        if outcome.ends_case:
            assert closure_gate(before.facts, None) is None
            assert not before.facts.get("looked_after")
            assert not before.facts.get("lha_duty")
        self.snapshot = after(before, outcome, role)

    @invariant()
    def a_terminal_step_is_reached_only_through_the_closure_gate(self) -> None:
        terminal = CARE_LEAVER.steps[self.snapshot.state].terminal
        assert terminal == (self.snapshot.status == "closed")
        if not terminal:
            return
        facts = self.snapshot.facts
        assert not facts.get("looked_after") and not facts.get("lha_duty")
        assert not self.snapshot.open_timers
        if self.checked_terminal:
            return
        self.checked_terminal = True
        # Even were the case's status not yet written as closed, its step takes nothing.
        still_open = CaseSnapshot(self.snapshot.state, "open", facts, history=self.snapshot.history)
        for spec in CARE_LEAVER.transitions:
            for role in spec.roles:
                for payload in PAYLOADS[spec.name]:
                    outcome = attempt(still_open, spec.name, role, payload)
                    assert isinstance(outcome, Refusal), spec.name
                    assert outcome.code == "not_allowed_now", outcome

    @invariant()
    def errata_20_no_six_month_review_clock_while_looked_after(self) -> None:
        if self.snapshot.facts.get("looked_after"):
            assert "pathway_plan_review" not in self.snapshot.open_timers

    @invariant()
    def facts_hold_no_name_and_no_date_of_birth(self) -> None:
        written = str(dict(self.snapshot.facts))
        assert NAME not in written
        for dob in (SEVENTEEN, NINETEEN, TWENTY_TWO, LOOKED_AFTER["young_person"]["date_of_birth"]):
            assert dob not in written

    @invariant()
    def open_timers_are_the_definitions(self) -> None:
        assert self.snapshot.open_timers <= set(CARE_LEAVER.timers)


CareLeaverMachine.TestCase.settings = settings(
    max_examples=200, stateful_step_count=40, deadline=None
)
TestCareLeaverMachine = CareLeaverMachine.TestCase
