"""The 16/17 intake's pure rules: the age gate, the B&B gate, the closure gate, who may record
each step, and (hypothesis) that no sequence of attempts breaks the pathway's invariants."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import combinations
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from notifications.templates import template_names
from pathways.deadlines import RULES
from pathways.definitions.youth_1617_rules import CLOSURE_AGREEMENTS
from pathways.definitions.youth_1617_v1_0 import YOUTH_1617
from pathways.eligibility import DateOfBirthError, age_gate, age_on
from pathways.engine.definition import ANY_STEP, TransitionSpec
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide
from pathways.engine.validate import definition_problems
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import ROLES, parse_role
from tests.support.intake_form import intake_form
from tests.support.snapshots import snapshot_after

HO = "lha-housing-officer"
SW = "ics-social-worker"
ENQUIRY_DAY = date(2026, 12, 21)
# The application clock the inputs below are checked against: the day after the enquiry.
LIMITS = InputLimits(
    now=datetime(2026, 12, 22, 12, 0, tzinfo=UTC),
    max_clock_skew=timedelta(minutes=5),
    min_parent_age_gap_years=12,
)


def by(role: str) -> Actor:
    return Actor("tester", parse_role(role))


def intake(**changes: Any) -> dict[str, Any]:
    return intake_form(
        {
            "young_person": {"full_name": "Fictional Young Person", "date_of_birth": "2009-05-01"},
            "parent_or_pr_holder": {"full_name": "Fictional Parent"},
            "enquiry_received_at": "2026-12-21T09:00:00+00:00",
        },
        **changes,
    )


def born(dob: str) -> dict[str, Any]:
    return intake(young_person={"full_name": "Fictional Young Person", "date_of_birth": dob})


def open_with(payload: dict[str, Any], role: str = HO) -> Plan | Refusal:
    return decide(
        YOUTH_1617, CaseSnapshot("new_enquiry"), "record_enquiry", by(role), payload, limits=LIMITS
    )


# The age gate


@pytest.mark.parametrize(
    ("dob", "day", "route", "age"),
    [
        (date(2010, 12, 21), ENQUIRY_DAY, "youth-1617", 16),  # 16th birthday today
        (date(2010, 12, 22), ENQUIRY_DAY, "ics-safeguarding", 15),  # 16 tomorrow
        (date(2008, 12, 21), ENQUIRY_DAY, "lha-standard", 18),  # 18th birthday today
        (date(2008, 12, 22), ENQUIRY_DAY, "youth-1617", 17),  # 18 tomorrow
        (date(2008, 2, 29), date(2024, 2, 28), "ics-safeguarding", 15),  # leap year: 29 Feb
        (date(2008, 2, 29), date(2024, 2, 29), "youth-1617", 16),
        (date(2008, 2, 29), date(2026, 2, 27), "youth-1617", 17),
        (date(2008, 2, 29), date(2026, 2, 28), "lha-standard", 18),  # non-leap: 28 Feb
        (date(1906, 12, 21), ENQUIRY_DAY, "lha-standard", 120),  # 120 years ago: possible
        (ENQUIRY_DAY, ENQUIRY_DAY, "ics-safeguarding", 0),  # born today
    ],
)
def test_age_gate_boundaries(dob: date, day: date, route: str, age: int) -> None:
    result = age_gate(dob, day)
    assert (result.route, result.age) == (route, age)
    assert result.admitted == (route == "youth-1617")
    assert (result.message is None) == result.admitted


def test_under_16_is_routed_to_children_services_safeguarding() -> None:
    message = age_gate(date(2011, 1, 1), ENQUIRY_DAY).message or ""
    assert "under 16" in message
    assert "children's services safeguarding (Integrated Front Door)" in message


def test_18_or_over_is_routed_to_the_lha_or_the_care_leaver_pathway() -> None:
    adult = age_gate(date(2008, 1, 1), ENQUIRY_DAY).message or ""
    leaver = age_gate(date(2008, 1, 1), ENQUIRY_DAY, care_leaver=True)
    assert "standard LHA homelessness route" in adult
    assert leaver.route == "care-leaver"
    assert "care-leaver transition pathway" in (leaver.message or "")


@pytest.mark.parametrize(
    ("dob", "problem"),
    [
        (date(2026, 12, 22), "cannot be in the future"),
        (date(1905, 12, 21), "not possible"),  # 121 years old
    ],
)
def test_impossible_dates_of_birth_name_the_field(dob: date, problem: str) -> None:
    with pytest.raises(DateOfBirthError, match=problem) as raised:
        age_gate(dob, ENQUIRY_DAY)
    assert "date_of_birth" in str(raised.value)
    assert dob.isoformat() not in str(raised.value)  # a reason never repeats the date


def test_age_on_counts_completed_years() -> None:
    assert age_on(date(2009, 5, 1), date(2026, 4, 30)) == 16
    assert age_on(date(2009, 5, 1), date(2026, 5, 1)) == 17


def test_opening_admits_a_16_year_old_on_the_enquiry_date() -> None:
    plan = open_with(born("2010-12-21"))
    assert isinstance(plan, Plan)
    assert [t.name for t in plan.timers_to_open] == ["joint_visit"]
    assert "young_person" not in plan.recorded_facts
    assert "2010-12-21" not in str(plan.recorded_facts)


@pytest.mark.parametrize(
    ("dob", "care_leaver", "reason"),
    [
        ("2010-12-22", False, "refer to children's services safeguarding"),
        ("2008-12-21", False, "standard LHA homelessness route"),
        ("2008-12-21", True, "care-leaver transition pathway"),
    ],
)
def test_opening_refuses_out_of_age_applicants_with_a_route(
    dob: str, care_leaver: bool, reason: str
) -> None:
    refused = open_with({**born(dob), "care_leaver": care_leaver})
    assert isinstance(refused, Refusal)
    assert refused.code == "refused"
    assert reason in refused.reason
    assert dob not in refused.reason


def test_opening_measures_age_on_the_london_date_of_the_enquiry() -> None:
    # 23:30 UTC on 20 December is still 20 December in London (GMT): the birthday is tomorrow.
    refused = open_with({**born("2010-12-21"), "enquiry_received_at": "2026-12-20T23:30:00+00:00"})
    assert isinstance(refused, Refusal)
    assert "under 16" in refused.reason


@pytest.mark.parametrize(
    ("dob", "problem"),
    [("2027-01-01", "cannot be in the future"), ("1900-01-01", "not possible")],
)
def test_opening_rejects_an_impossible_date_of_birth_as_bad_input(dob: str, problem: str) -> None:
    refused = open_with(born(dob))
    assert isinstance(refused, Refusal)
    assert (refused.code, refused.http_status, refused.field) == (
        "invalid_input",
        422,
        "young_person.date_of_birth",
    )
    assert "date_of_birth" in refused.reason
    assert problem in refused.reason
    assert dob not in refused.reason


def test_opening_needs_a_real_date_and_the_enquiry_time() -> None:
    not_a_date = open_with(born("2009-02-30"))
    assert isinstance(not_a_date, Refusal)
    assert not_a_date.field == "young_person.date_of_birth"
    no_time = open_with({k: v for k, v in intake().items() if k != "enquiry_received_at"})
    assert isinstance(no_time, Refusal)
    assert no_time.field == "enquiry_received_at"


# The B&B gate


def place(role: str = SW, **changes: Any) -> Plan | Refusal:
    payload = {"placed_at": "2026-12-21T15:00:00+00:00", "accommodation": "bed_and_breakfast"}
    payload.update(changes)
    snapshot = CaseSnapshot(
        "emergency_accommodation",
        facts={"enquiry_received_at": "2026-12-21T09:00:00+00:00", "approached": "co_located_team"},
        open_timers=frozenset({"joint_visit", "emergency_accommodation"}),
    )
    name = "place_under_s20" if role == SW else "place_under_s188"
    return decide(YOUTH_1617, snapshot, name, by(role), payload, limits=LIMITS)


@pytest.mark.parametrize("role", [SW, HO])
@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, ["bb_exceptional_reason", "bb_authorised_by"]),
        ({"bb_exceptional_reason": "no other bed in the county tonight"}, ["bb_authorised_by"]),
        ({"bb_authorised_by": "tm.dartford"}, ["bb_exceptional_reason"]),
        ({"bb_exceptional_reason": "  ", "bb_authorised_by": ""}, ["bb_exceptional_reason"]),
    ],
)
def test_bed_and_breakfast_needs_a_reason_and_a_manager(
    role: str, given: dict[str, str], missing: list[str]
) -> None:
    refused = place(role, **given)
    assert isinstance(refused, Refusal)
    assert "Code of Guidance" in refused.reason
    for field in missing:
        assert field in refused.reason


def test_bed_and_breakfast_with_reason_and_manager_is_recorded_as_an_exception() -> None:
    plan = place(
        bb_exceptional_reason="no other bed in the county tonight", bb_authorised_by="tm.dartford"
    )
    assert isinstance(plan, Plan)
    assert plan.recorded_facts["bb_exceptional_use"]["authorised_by"] == "tm.dartford"
    assert [t.name for t in plan.timers_to_open] == ["looked_after_24h"]
    assert plan.timers_to_close == ("emergency_accommodation",)


def test_other_accommodation_needs_no_exception() -> None:
    assert isinstance(place(accommodation="supported_lodgings"), Plan)


def test_placement_cannot_start_before_the_enquiry() -> None:
    refused = place(accommodation="nightstop", placed_at="2026-12-21T08:00:00+00:00")
    assert isinstance(refused, Refusal)
    assert "placed_at" in refused.reason


# The closure gate


AGREEMENTS = list(CLOSURE_AGREEMENTS)


@pytest.mark.parametrize(
    "recorded",
    [set(c) for n in range(len(AGREEMENTS)) for c in combinations(AGREEMENTS, n)],
    ids=lambda recorded: "+".join(sorted(recorded)) or "none",
)
def test_close_is_refused_naming_every_missing_agreement(recorded: set[str]) -> None:
    snapshot = CaseSnapshot("support_package", facts=dict.fromkeys(recorded, True))
    refused = decide(YOUTH_1617, snapshot, "close_case", by(HO), {})
    assert isinstance(refused, Refusal)
    for fact, label in CLOSURE_AGREEMENTS.items():
        assert (label in refused.reason) == (fact not in recorded)


def test_close_with_all_three_agreements_ends_o2() -> None:
    snapshot = CaseSnapshot("support_package", facts=dict.fromkeys(AGREEMENTS, True))
    plan = decide(YOUTH_1617, snapshot, "close_case", by(SW), {})
    assert isinstance(plan, Plan)
    assert (plan.outcome, plan.ends_case) == ("O2", True)


def test_close_needs_the_open_duty_outcome_too() -> None:
    facts = {**dict.fromkeys(AGREEMENTS, True), "lha_duty": "prevention"}
    snapshot = CaseSnapshot("support_package", facts=facts)
    refused = decide(YOUTH_1617, snapshot, "close_case", by(HO), {})
    assert isinstance(refused, Refusal)
    assert "duty_outcome" in refused.reason
    plan = decide(YOUTH_1617, snapshot, "close_case", by(HO), {"duty_outcome": "contact_lost"})
    assert isinstance(plan, Plan)
    assert plan.recorded_facts == {"duty_outcome": "contact_lost"}


def test_escalation_clears_earlier_requests_to_stop_and_pauses_the_package() -> None:
    snapshot = CaseSnapshot(
        "support_package",
        facts={**dict.fromkeys(AGREEMENTS, True), "package_effective": False},
        open_timers=frozenset(
            {"weekly_home_meeting", "weekly_case_review", "monthly_stakeholder_review"}
        ),
    )
    plan = decide(YOUTH_1617, snapshot, "escalate_to_assessment", by(SW), {})
    assert isinstance(plan, Plan)
    assert not any(plan.recorded_facts[fact] for fact in AGREEMENTS)
    assert {t.name for t in plan.timers_to_open} == {"referral_decision", "cf_assessment"}
    assert set(plan.timers_to_close) == set(snapshot.open_timers)
    assert not {t.name for t in plan.timers_to_open} & set(snapshot.open_timers)


def test_a_recorded_meeting_starts_the_next_weekly_occurrence() -> None:
    snapshot = CaseSnapshot("support_package", open_timers=frozenset({"weekly_home_meeting"}))
    plan = decide(
        YOUTH_1617,
        snapshot,
        "record_home_meeting",
        by(HO),
        {"support_taken_up": True, "progress": "improving"},
    )
    assert isinstance(plan, Plan)
    assert plan.timers_to_close == ("weekly_home_meeting",)
    assert [t.name for t in plan.timers_to_open] == ["weekly_home_meeting"]


# Who may record each step


def _a_from_step(transition: TransitionSpec) -> str:
    step = transition.from_steps[0]
    return "support_package" if step == ANY_STEP else step


ROLE_CASES = [
    (transition.name, role)
    for transition in YOUTH_1617.transitions
    for role in sorted(ROLES)
    if role not in transition.roles
]


@pytest.mark.parametrize(("transition", "role"), ROLE_CASES)
def test_every_other_role_is_refused_with_403(transition: str, role: str) -> None:
    spec = YOUTH_1617.transition(transition)
    assert spec is not None
    refused = decide(YOUTH_1617, CaseSnapshot(_a_from_step(spec)), transition, by(role), {})
    assert isinstance(refused, Refusal)
    assert (refused.code, refused.http_status) == ("forbidden", 403)
    assert role in refused.reason


def test_roles_are_the_ones_the_spec_names() -> None:
    roles = {t.name: set(t.roles) for t in YOUTH_1617.transitions}
    assert roles["record_enquiry"] == {HO, SW}  # A1: HO or SW
    assert roles["place_under_s20"] == {SW}  # A1a: SW for s.20
    assert roles["place_under_s188"] == {HO}  # A1a: HO for s.188
    assert roles["mark_looked_after"] == {"system"}  # T03 breach
    assert roles["record_stakeholder_review"] == {"ics-team-manager", "lha-senior-officer"}
    assert roles["escalate_to_assessment"] == {SW, "ics-team-manager"}  # A6
    assert roles["s20_accepted"] == roles["s20_declined_after_advice"] == {SW}  # A7
    assert roles["supported_back_to_home_authority"] == {HO, SW}  # A8


# The definition as a whole


def test_definition_is_valid_with_its_templates() -> None:
    assert definition_problems(YOUTH_1617, RULES, template_names()) == []


SENSITIVE = ("s.47", "significant harm", "declined", "rejected", "looked after", "health")


def test_alerts_never_say_what_the_minimal_data_rule_forbids() -> None:
    for transition in YOUTH_1617.transitions:
        for notification in transition.notifications:
            said = (notification.event or transition.title).lower()
            assert not [word for word in SENSITIVE if word in said], transition.name
    for timer in YOUTH_1617.timers.values():
        assert not [word for word in SENSITIVE if word in timer.title.lower()], timer.name


def test_looked_after_is_recorded_by_the_system_when_t03_breaches() -> None:
    timer = YOUTH_1617.timers["looked_after_24h"]
    assert (timer.rule, timer.on_breach, timer.starts_from) == (
        "looked-after-24h",
        "mark_looked_after",
        "placed_at",
    )
    assert "s.22(2)" in RULES[timer.rule].citation


# Any sequence of attempts keeps the invariants


def _ending(**more: Any) -> list[dict[str, Any]]:
    return [{**more}, {**more, "duty_outcome": "accommodation_secured_6_months_existing"}]


Move = tuple[str, str, dict[str, Any]]
REVIEW = {"support_taken_up": True, "progress": "no_change"}
PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "triage_safe_tonight": [{}],
    "triage_not_safe_tonight": [{}],
    "place_under_s20": [
        {"placed_at": "2026-12-21T15:00:00+00:00", "accommodation": "supported_lodgings"},
        {"placed_at": "2026-12-21T15:00:00+00:00", "accommodation": "bed_and_breakfast"},
    ],
    "place_under_s188": [
        {"placed_at": "2026-12-21T15:00:00+00:00", "accommodation": "nightstop"},
    ],
    "end_s20_placement": [{}],
    "mark_looked_after": [{}],
    "returned_home_no_further_input": [
        {"saw_family": True, "saw_young_person": True},
        {"saw_family": False, "saw_young_person": True},
    ],
    "support_package_needed": [{"saw_family": True, "saw_young_person": True}],
    "joint_visit_stays_accommodated": [
        {"saw_family": True, "saw_young_person": True},
        {"saw_family": True, "saw_young_person": False},
    ],
    "agree_caf_plan": [
        {"plan": "caf_action_plan", "support_domains": ["debt", "behaviour_asb"]},
        {"plan": "caf_action_plan", "support_domains": []},
    ],
    "open_prevention_duty": [
        {"satisfied_on": "2026-12-22", "personalised_housing_plan_agreed": True}
    ],
    "end_prevention_duty": [{"duty_outcome": "56_days_elapsed"}, {}],
    "record_home_meeting": [REVIEW],
    "record_team_review": [{**REVIEW, "package_effective": False}],
    "record_stakeholder_review": [{**REVIEW, "package_effective": True}],
    "escalate_to_assessment": [{}],
    "record_referral_decision": [
        {"decision": "child_and_family_assessment", "rationale": "needs are complex"}
    ],
    "complete_assessment": [
        {"decision": "s20_offer", "rationale": "cannot return home"},
        {"decision": "child_in_need_support", "rationale": "home with support"},
    ],
    "start_child_in_need_support": [{}],
    "s20_accepted": _ending(),
    "s20_declined_after_advice": [
        *_ending(advice_given=True, advocacy_offered=True),
        {"advice_given": False, "advocacy_offered": True},
    ],
    "family_asks_to_stop": [{}],
    "young_person_asks_to_stop": [{}],
    "team_agrees_to_close": [{"rationale": "the family is coping"}],
    "close_case": _ending(),
    "supported_back_to_home_authority": _ending(home_authority="Fictional Borough Council"),
    "assistance_rejected": _ending(),
}
CLOSED_STATE = CaseSnapshot("closed", "closed")
MOVES = sorted(
    t.name for t in YOUTH_1617.transitions if t.name in PAYLOADS and ANY_STEP not in t.from_steps
)


def _walk(*moves: Move) -> CaseSnapshot:
    """The snapshot a real case reaches by these moves (each must be allowed)."""
    opened = open_with(intake(safe_tonight=False))
    assert isinstance(opened, Plan)
    snapshot = YouthCaseMachine.after(CaseSnapshot("new_enquiry"), opened)
    for transition, role, payload in moves:
        plan = decide(YOUTH_1617, snapshot, transition, by(role), payload, limits=LIMITS)
        assert isinstance(plan, Plan), plan
        snapshot = YouthCaseMachine.after(snapshot, plan)
    return snapshot


VISITED: tuple[Move, ...] = (
    ("triage_not_safe_tonight", HO, {}),
    ("support_package_needed", HO, PAYLOADS["support_package_needed"][0]),
    ("agree_caf_plan", HO, PAYLOADS["agree_caf_plan"][0]),
)
ASSESSED: tuple[Move, ...] = (
    *VISITED,
    ("record_team_review", HO, PAYLOADS["record_team_review"][0]),
    ("escalate_to_assessment", SW, {}),
    ("record_referral_decision", "ics-team-manager", PAYLOADS["record_referral_decision"][0]),
    ("complete_assessment", SW, PAYLOADS["complete_assessment"][0]),
)


class YouthCaseMachine(RuleBasedStateMachine):
    """Starts from an admitted enquiry, a running support package or an assessment outcome,
    then tries any step, by any role, with good or bad input."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = CaseSnapshot("new_enquiry")
        self.ended_as: CaseSnapshot | None = None

    @initialize(moves=st.sampled_from([(), VISITED, ASSESSED]))
    def start(self, moves: tuple[Move, ...]) -> None:
        self.snapshot = _walk(*moves)

    @rule(
        transition=st.sampled_from(sorted(PAYLOADS)),
        role=st.sampled_from(sorted({r for t in YOUTH_1617.transitions for r in t.roles})),
        choice=st.integers(min_value=0, max_value=2),
    )
    def attempt(self, transition: str, role: str, choice: int) -> None:
        self._try(transition, role, choice)

    # Moves along the protocol by a role that may make them, so deep steps are reached too.
    @rule(
        transition=st.sampled_from(MOVES),
        pick=st.integers(min_value=0, max_value=5),
        choice=st.integers(min_value=0, max_value=2),
    )
    def advance(self, transition: str, pick: int, choice: int) -> None:
        spec = YOUTH_1617.transition(transition)
        assert spec is not None
        self._try(transition, spec.roles[pick % len(spec.roles)], choice)

    def _try(self, transition: str, role: str, choice: int) -> None:
        options = PAYLOADS[transition]
        before = self.snapshot
        payload = options[choice % len(options)]
        decision = decide(YOUTH_1617, before, transition, by(role), payload, limits=LIMITS)
        if isinstance(decision, Refusal):
            assert decision.reason
            return
        assert before.status == "open" and role in decision.transition.roles
        if transition == "close_case":
            assert all(before.facts.get(fact) is True for fact in CLOSURE_AGREEMENTS)
        self.snapshot = self.after(before, decision)

    after = staticmethod(snapshot_after)

    @invariant()
    def a_terminal_step_is_closed_and_final(self) -> None:
        terminal = YOUTH_1617.steps[self.snapshot.state].terminal
        assert terminal == (self.snapshot.status == "closed")
        if self.ended_as is not None:
            assert self.snapshot == self.ended_as
        if terminal:
            assert not self.snapshot.open_timers
            self.ended_as = self.snapshot

    @invariant()
    def the_looked_after_clock_runs_only_while_accommodated_under_s20(self) -> None:
        # T03's breach records mark_looked_after, which only this step allows.
        if "looked_after_24h" in self.snapshot.open_timers:
            assert self.snapshot.state == "accommodated_s20"

    @invariant()
    def the_same_day_clock_runs_only_while_accommodation_is_needed(self) -> None:
        if "emergency_accommodation" in self.snapshot.open_timers:
            assert self.snapshot.state == "emergency_accommodation"


YouthCaseMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40)
test_youth_case_invariants = YouthCaseMachine.TestCase


def test_a_closed_case_refuses_everything() -> None:
    for transition in YOUTH_1617.transitions:
        for role in transition.roles:
            refused = decide(YOUTH_1617, CLOSED_STATE, transition.name, by(role), {})
            assert isinstance(refused, Refusal)
            assert refused.code == "case_closed"
