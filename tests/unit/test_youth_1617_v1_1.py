"""Pathway 1.1 of the 16/17 intake (issue #9): each correction as a refused move and the allowed
one, and (hypothesis) that no sequence of attempts by any role gets past the gates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from notifications.templates import template_names
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.definitions.youth_1617 import YOUTH_1617
from pathways.definitions.youth_1617_gates import CLOSURE_AGREEMENTS_1_1, in_childrens_services_care
from pathways.engine.definition import ANY_STEP
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import Plan, decide
from pathways.engine.validate import definition_problems
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import parse_role, service_of
from tests.support.intake_form import intake_form
from tests.support.snapshots import snapshot_after as after

HO, SO, SW, TM = (
    "lha-housing-officer",
    "lha-senior-officer",
    "ics-social-worker",
    "ics-team-manager",
)
EH, DCS, SGL = "early-help-practitioner", "ics-assistant-director", "lha-safeguarding-lead"
PLACED = "2026-12-21T15:00:00+00:00"
LIMITS = InputLimits(
    now=datetime(2026, 12, 24, 12, 0, tzinfo=UTC),
    max_clock_skew=timedelta(minutes=5),
    min_parent_age_gap_years=12,
)
POLICY = {
    "closure_agreement": "both_agencies",
    "parent_consent_required": True,
    "reviews_start": "case_opened",
}
SEEN = {"saw_family": True, "saw_young_person": True}
RATIONALE = {"rationale": "Fictional reasons recorded for the test."}
Move = tuple[str, str, dict[str, Any]]


def by(role: str) -> Actor:
    return Actor(f"{role}.tester", parse_role(role))


def intake(**changes: Any) -> dict[str, Any]:
    return intake_form(
        {
            "young_person": {"full_name": "Fictional Young Person", "date_of_birth": "2009-05-01"},
            "parent_or_pr_holder": {"full_name": "Fictional Parent"},
            "enquiry_received_at": "2026-12-21T09:00:00+00:00",
        },
        **changes,
    )


def opened(policy: dict[str, Any] | None = None, **changes: Any) -> CaseSnapshot:
    facts = {"authority": "dartford", "case_policy": {**POLICY, **(policy or {})}}
    start = CaseSnapshot("new_enquiry", facts=facts)
    plan = decide(YOUTH_1617, start, "record_enquiry", by(HO), intake(**changes), limits=LIMITS)
    assert isinstance(plan, Plan), plan
    return after(start, plan)


def attempt(
    snapshot: CaseSnapshot, transition: str, role: str, payload: dict[str, Any] | None = None
) -> Plan | Refusal:
    return decide(YOUTH_1617, snapshot, transition, by(role), payload or {}, limits=LIMITS)


def walk(snapshot: CaseSnapshot, *moves: Move) -> CaseSnapshot:
    for transition, role, payload in moves:
        plan = attempt(snapshot, transition, role, payload)
        assert isinstance(plan, Plan), (transition, plan)
        snapshot = after(snapshot, plan)
    return snapshot


def refused(result: Plan | Refusal, *words: str) -> str:
    assert isinstance(result, Refusal), result
    for word in words:
        assert word in result.reason, result.reason
    return result.reason


def placement(district: str = "dartford", **more: Any) -> dict[str, Any]:
    return {
        "placed_at": PLACED,
        "accommodation": "supported_lodgings",
        "district": district,
        **more,
    }


NOT_SAFE: Move = ("triage_not_safe_tonight", HO, {})
IN_S20: tuple[Move, ...] = (NOT_SAFE, ("place_under_s20", SW, placement()))
LOOKED_AFTER: tuple[Move, ...] = (*IN_S20, ("mark_looked_after", "system", {}))
PACKAGE: tuple[Move, ...] = (
    ("triage_safe_tonight", HO, {}),
    ("support_package_needed", HO, SEEN),
    ("agree_caf_plan", EH, {"plan": "caf_action_plan", "stress_areas": ["debt"]}),
)
NOT_EFFECTIVE: Move = (
    "record_team_review",
    EH,
    {"support_taken_up": False, "progress": "worsening", "package_effective": False},
)
ASSESSED_S20: tuple[Move, ...] = (
    *PACKAGE,
    NOT_EFFECTIVE,
    ("escalate_to_assessment", SW, {}),
    ("record_referral_decision", TM, {"decision": "child_and_family_assessment", **RATIONALE}),
    ("complete_assessment", SW, {"decision": "s20_offer", **RATIONALE}),
)
AGREED: tuple[Move, ...] = (
    ("family_asks_to_stop", HO, {}),
    ("young_person_asks_to_stop", HO, {}),
    ("lha_manager_agrees_closure", SO, RATIONALE),
    ("ics_manager_agrees_closure", TM, RATIONALE),
)
REFUSED_S20: Move = (
    "s20_declined_after_advice",
    SW,
    {"advice_given": True, "advocacy_offered": True},
)


def test_version_1_1_is_the_latest_and_1_0_stays_registered() -> None:
    assert get_definition("youth-1617-intake").version == "1.1"
    assert get_definition("youth-1617-intake", "1.0").transition("team_agrees_to_close")


def test_definition_is_valid_with_its_templates() -> None:
    assert definition_problems(YOUTH_1617, RULES, template_names()) == []


# 1. s.20 refused is not the end of the case


def test_s20_refused_leads_to_s17_support_with_the_part7_route_not_a_closure() -> None:
    case = walk(opened(), *ASSESSED_S20, REFUSED_S20)
    assert (case.state, case.status) == ("s17_support", "open")
    assert case.facts["childrens_services_support"] == "s17_child_in_need"
    assert case.facts["lha_route"] == "part7"
    assert "priority_need" not in case.facts  # the LHA's own s.184 decision
    assert {"weekly_home_meeting", "weekly_case_review"} <= case.open_timers


def test_priority_need_is_a_housing_decision() -> None:
    case = walk(opened(), *ASSESSED_S20, REFUSED_S20)
    decision = {"priority_need": True, "decided_on": "2026-12-23", **RATIONALE}
    refused(attempt(case, "record_priority_need_decision", SW, decision), "may not")
    case = walk(case, ("record_priority_need_decision", HO, decision))
    assert case.facts["priority_need"] is True


def test_after_s20_refused_the_case_closes_through_the_gate_as_o5a() -> None:
    case = walk(opened(), *ASSESSED_S20, REFUSED_S20)
    refused(attempt(case, "close_s17_support", SW), "still missing")
    plan = attempt(walk(case, *AGREED), "close_s17_support", SW)
    assert isinstance(plan, Plan) and plan.outcome == "O5a"


# 2. Only children's services, with the director's approval, end looked-after status


@pytest.mark.parametrize(
    ("transition", "payload"),
    [
        ("returned_home_no_further_input", SEEN),
        ("support_package_needed", SEEN),
        ("supported_back_to_home_authority", {"home_authority": "Fictional Borough Council"}),
        ("assistance_rejected", {}),
    ],
)
def test_a_housing_officer_cannot_end_s20_or_looked_after_status(
    transition: str, payload: dict[str, Any]
) -> None:
    for moves in (IN_S20, LOOKED_AFTER):
        refused(attempt(walk(opened(), *moves), transition, HO, payload), "only children's")


def test_ending_looked_after_status_needs_the_directors_approval() -> None:
    case = walk(opened(), *LOOKED_AFTER)
    refused(attempt(case, "returned_home_no_further_input", SW, SEEN), "reg.39(5)")
    approval = {"reg39_assessments_completed": True, **RATIONALE}
    refused(attempt(case, "approve_ceasing_to_look_after", TM, approval), "may not")
    refused(
        attempt(
            case,
            "approve_ceasing_to_look_after",
            DCS,
            {**approval, "reg39_assessments_completed": False},
        ),
        "reg39_assessments_completed",
    )
    case = walk(case, ("approve_ceasing_to_look_after", DCS, approval))
    case = walk(case, ("returned_home_no_further_input", SW, SEEN))
    assert case.state == "returned_home" and case.facts["looked_after"] is False


def test_a_looked_after_young_person_goes_home_by_a_transfer_between_childrens_services() -> None:
    case = walk(opened(), *LOOKED_AFTER)
    back = {"home_authority": "Fictional Borough Council"}
    refused(attempt(case, "supported_back_to_home_authority", SW, back), "transfer between")
    transfer = {
        **back,
        "receiving_childrens_services": "Fictional Children's Services",
        "receiving_authority_agreed": True,
    }
    refused(attempt(case, "transfer_to_home_childrens_services", SW, transfer), "reg.39(5)")
    approval = {"reg39_assessments_completed": True, **RATIONALE}
    case = walk(case, ("approve_ceasing_to_look_after", DCS, approval))
    plan = attempt(case, "transfer_to_home_childrens_services", SW, transfer)
    assert isinstance(plan, Plan)
    assert (plan.to_step, plan.outcome) == ("transferred_childrens_services", "O4")
    assert plan.recorded_facts["transfer"] == "between_childrens_services"


# 3. The closure gate has no side doors


def test_assistance_rejected_is_recorded_by_one_worker_but_closes_only_through_the_gate() -> None:
    case = walk(opened(), ("triage_safe_tonight", HO, {}))
    refused(attempt(case, "assistance_rejected", HO), "record that the young person rejected")
    case = walk(case, ("record_assistance_rejected", HO, {}))
    reason = refused(attempt(case, "assistance_rejected", HO), "still missing")
    assert "the family asking to stop" in reason and "LHA manager" in reason
    plan = attempt(walk(case, *AGREED), "assistance_rejected", HO)
    assert isinstance(plan, Plan) and plan.outcome == "O5b"
    assert plan.recorded_facts["closure_agreed_by"] == ["housing", "childrens"]


def test_returned_home_with_no_further_input_also_closes_through_the_gate() -> None:
    case = walk(
        opened(), ("triage_safe_tonight", HO, {}), ("returned_home_no_further_input", HO, SEEN)
    )
    refused(attempt(case, "close_returned_home", HO), "still missing")
    plan = attempt(walk(case, *AGREED), "close_returned_home", HO)
    assert isinstance(plan, Plan) and plan.outcome == "O1"


def test_one_agency_policy_needs_one_manager_and_records_which() -> None:
    case = walk(
        opened({"closure_agreement": "one_agency"}),
        *PACKAGE,
        ("family_asks_to_stop", HO, {}),
        ("young_person_asks_to_stop", HO, {}),
    )
    refused(attempt(case, "close_case", HO), "agency still involved")
    plan = attempt(walk(case, ("ics_manager_agrees_closure", TM, RATIONALE)), "close_case", HO)
    assert isinstance(plan, Plan)
    assert plan.recorded_facts["closure_agreed_by"] == ["childrens"]
    assert plan.recorded_facts["closure_agreement_rule"] == "one_agency"


def test_every_ending_except_the_handoffs_passes_the_closure_gate() -> None:
    handoffs = {
        "s20_accepted",
        "supported_back_to_home_authority",
        "transfer_to_home_childrens_services",
    }
    endings = [
        t
        for t in YOUTH_1617.transitions
        if t.to_step in YOUTH_1617.steps and YOUTH_1617.steps[t.to_step].terminal
    ]
    assert {t.name for t in endings} - handoffs == STOPS
    for transition in endings:
        if transition.name in handoffs:
            continue
        step = (
            next(s for s in transition.from_steps if s != ANY_STEP)
            if transition.from_steps != (ANY_STEP,)
            else "support_package"
        )
        bare = CaseSnapshot(step, facts={"assistance_rejected": True})
        reason = refused(attempt(bare, transition.name, SW))
        assert "still missing" in reason, (transition.name, reason)


# 4. Consent is enforced, not only recorded


def test_a_caf_plan_is_refused_without_consent_naming_whose() -> None:
    case = walk(
        opened(parent_consent={"purpose": "joint working", "given": False}),
        ("triage_safe_tonight", HO, {}),
        ("support_package_needed", HO, SEEN),
    )
    plan = {"plan": "caf_action_plan", "stress_areas": ["debt"]}
    reason = refused(attempt(case, "agree_caf_plan", EH, plan), "the parent's consent (not given)")
    assert "young person's" not in reason
    later = {"whose": "parent", "consent": {"purpose": "intensive Early Help", "given": True}}
    assert isinstance(
        attempt(walk(case, ("consent_given", HO, later)), "agree_caf_plan", EH, plan), Plan
    )


def test_withdrawn_consent_blocks_the_assessment_until_the_safeguarding_lead_overrides() -> None:
    case = walk(opened(), *PACKAGE, NOT_EFFECTIVE)
    withdrawn = {"whose": "young_person", "consent": {"purpose": "assessment", "given": False}}
    case = walk(case, ("consent_withdrawn", SW, withdrawn))
    refused(attempt(case, "escalate_to_assessment", SW), "the young person's consent (withdrawn)")
    override = {"significant_harm_concern": True, **RATIONALE}
    refused(attempt(case, "override_consent_for_safeguarding", TM, override), "may not")
    refused(
        attempt(
            case,
            "override_consent_for_safeguarding",
            SGL,
            {**override, "significant_harm_concern": False},
        ),
        "significant_harm_concern",
    )
    case = walk(case, ("override_consent_for_safeguarding", SGL, override))
    assert isinstance(attempt(case, "escalate_to_assessment", SW), Plan)
    spec = YOUTH_1617.transition("override_consent_for_safeguarding")
    assert spec is not None and spec.decision == "consent_override"


def test_parent_consent_is_not_needed_where_the_authority_says_so() -> None:
    case = walk(
        opened(
            {"parent_consent_required": False},
            parent_consent={"purpose": "joint working", "given": False},
        ),
        *PACKAGE,
    )
    assert case.state == "support_package"


# 5. A homeless young person in interim accommodation


def test_a_young_person_placed_under_s188_is_owed_relief_not_prevention() -> None:
    case = walk(
        opened(approached="housing_options"), NOT_SAFE, ("place_under_s188", HO, placement())
    )
    duty = {"satisfied_on": "2026-12-21", "personalised_housing_plan_agreed": True}
    refused(attempt(case, "open_prevention_duty", HO, duty), "relief duty (s.189B)")
    case = walk(case, ("open_relief_duty", HO, duty))
    assert "relief_duty" in case.open_timers and case.facts["lha_duty"] == "relief"


def test_a_homeless_young_person_is_referred_for_assessment_without_a_failed_package() -> None:
    placed = walk(opened(approached="housing_options"), NOT_SAFE)
    case = walk(placed, ("place_under_s188", HO, placement()))
    referral = attempt(case, "refer_homeless_for_assessment", HO)
    assert isinstance(referral, Plan)
    assert "action_required" in {n.template for n in referral.notifications}
    assert {"referral_decision", "cf_assessment"} <= {t.name for t in referral.timers_to_open}
    case = after(case, referral)
    assert case.state == "assessment" and case.facts["assessment_reason"] == "homeless_s188"
    # The joint visit is still owed, and is recorded beside the assessment.
    assert "joint_visit" in case.open_timers
    refused(attempt(case, "joint_visit_held_during_assessment", SW, {**SEEN, "saw_family": False}))
    visited = walk(case, ("joint_visit_held_during_assessment", SW, SEEN))
    assert "joint_visit" not in visited.open_timers and visited.state == "assessment"
    not_homeless = walk(opened(), ("triage_safe_tonight", HO, {}))
    refused(attempt(not_homeless, "refer_homeless_for_assessment", HO), "s.188")


# 7. Placement location and the s.208 notice


def test_an_out_of_district_s188_placement_opens_the_s208_notice_and_tells_the_host() -> None:
    before = walk(opened(approached="housing_options"), NOT_SAFE)
    plan = attempt(before, "place_under_s188", HO, placement("swale"))
    assert isinstance(plan, Plan)
    assert "s208_notice" in {t.name for t in plan.timers_to_open}
    assert "out_of_district_placement" in {n.template for n in plan.notifications}
    at_home = attempt(before, "place_under_s188", HO, placement("dartford"))
    assert isinstance(at_home, Plan)
    assert "s208_notice" not in {t.name for t in at_home.timers_to_open}
    assert "out_of_district_placement" not in {n.template for n in at_home.notifications}
    case = after(before, plan)
    case = walk(case, ("record_s208_notice_sent", HO, {"sent_on": "2026-12-22"}))
    assert "s208_notice" not in case.open_timers


def test_an_s20_placement_elsewhere_is_not_a_part7_placement() -> None:
    case = walk(opened(), NOT_SAFE, ("place_under_s20", SW, placement("swale")))
    assert "s208_notice" not in case.open_timers
    refused(attempt(case, "record_s208_notice_sent", HO, {"sent_on": "2026-12-22"}), "no s.208")


# 8. Weekly contact continues


def test_reviews_run_from_case_opening_and_contact_goes_on_during_the_assessment() -> None:
    assert {"weekly_case_review", "monthly_stakeholder_review"} <= opened().open_timers
    assert "weekly_case_review" not in opened({"reviews_start": "caf_plan_agreed"}).open_timers
    case = walk(opened(), *PACKAGE, NOT_EFFECTIVE, ("escalate_to_assessment", SW, {}))
    assert {"weekly_home_meeting", "weekly_case_review"} <= case.open_timers
    meeting = {"support_taken_up": True, "progress": "no_change"}
    assert isinstance(attempt(case, "record_home_meeting", EH, meeting), Plan)


# 9. "More than 24 hours"


@pytest.mark.parametrize(
    ("ended", "allowed"),
    [
        ("2026-12-22T14:59:00+00:00", True),
        ("2026-12-22T15:00:00+00:00", True),
        ("2026-12-22T15:01:00+00:00", False),
    ],
)
def test_an_s20_placement_can_end_without_approval_only_within_24_hours(
    ended: str, allowed: bool
) -> None:
    result = attempt(walk(opened(), *IN_S20), "end_s20_placement", SW, {"ended_at": ended})
    if allowed:
        assert isinstance(result, Plan)
    else:
        refused(result, "more than 24 hours", "s.22(2)")


# 10. The linked care-leaver case


def test_an_earlier_s188_placement_is_not_when_looking_after_began() -> None:
    case = walk(
        opened(approached="housing_options"),
        NOT_SAFE,
        ("place_under_s188", HO, placement()),
        ("refer_homeless_for_assessment", HO, {}),
        ("record_referral_decision", TM, {"decision": "child_and_family_assessment", **RATIONALE}),
        ("complete_assessment", SW, {"decision": "s20_offer", **RATIONALE}),
    )
    plan = attempt(case, "s20_accepted", SW, {"accommodated_from": "2026-12-23"})
    assert isinstance(plan, Plan) and plan.transition.opens_case is not None
    payload = plan.transition.opens_case.payload
    assert payload is not None
    # The application hands the payload the facts after the step, looked_after included.
    facts = {**case.facts, **plan.recorded_facts}
    assert payload(facts, plan.input)["looked_after_since"] == "2026-12-23"
    looked_after = walk(opened(), *LOOKED_AFTER)
    assert (
        payload({**looked_after.facts, "looked_after": True}, plan.input)["looked_after_since"]
        == "2026-12-21"
    )


def test_the_handoff_counts_eligibility_from_when_the_young_person_was_accommodated() -> None:
    accepted = {"accommodated_from": "2026-12-23"}
    case = walk(opened(), *ASSESSED_S20)
    plan = attempt(case, "s20_accepted", SW, accepted)
    assert isinstance(plan, Plan) and plan.transition.opens_case is not None
    payload = plan.transition.opens_case.payload
    assert payload is not None
    assert payload(case.facts, plan.input)["looked_after_since"] == "2026-12-23"


# 11. The small things


def test_the_caf_stress_areas_use_the_seeds_words() -> None:
    from pathways.definitions.youth_1617_inputs import CAF_STRESS_AREAS

    assert (
        "criminal, anti-social or intolerable behaviours of family members"
        in CAF_STRESS_AREAS.values()
    )


# Any sequence of attempts keeps the gates


REVIEW = {"support_taken_up": True, "progress": "no_change"}
PAYLOADS: dict[str, list[dict[str, Any]]] = {
    "triage_safe_tonight": [{}],
    "triage_not_safe_tonight": [{}],
    "place_under_s20": [placement(), placement("swale")],
    "place_under_s188": [placement(), placement("swale")],
    "end_s20_placement": [
        {"ended_at": "2026-12-22T10:00:00+00:00"},
        {"ended_at": "2026-12-23T10:00:00+00:00"},
    ],
    "mark_looked_after": [{}],
    "returned_home_no_further_input": [SEEN],
    "support_package_needed": [SEEN],
    "agree_caf_plan": [{"plan": "caf_action_plan", "stress_areas": ["debt"]}],
    "open_relief_duty": [{"satisfied_on": "2026-12-22", "personalised_housing_plan_agreed": True}],
    "open_prevention_duty": [
        {"satisfied_on": "2026-12-22", "personalised_housing_plan_agreed": True}
    ],
    "end_lha_duty": [{"duty_outcome": "56_days_elapsed"}],
    "record_team_review": [{**REVIEW, "package_effective": False}],
    "escalate_to_assessment": [{}],
    "refer_homeless_for_assessment": [{}],
    "record_referral_decision": [{"decision": "child_and_family_assessment", **RATIONALE}],
    "complete_assessment": [
        {"decision": "s20_offer", **RATIONALE},
        {"decision": "child_in_need_support", **RATIONALE},
    ],
    "start_child_in_need_support": [{}],
    "s20_accepted": [{"accommodated_from": "2026-12-23"}],
    "s20_declined_after_advice": [{"advice_given": True, "advocacy_offered": True}],
    "approve_ceasing_to_look_after": [{"reg39_assessments_completed": True, **RATIONALE}],
    "consent_withdrawn": [{"whose": "young_person", "consent": {"purpose": "p", "given": False}}],
    "consent_given": [{"whose": "young_person", "consent": {"purpose": "p", "given": True}}],
    "override_consent_for_safeguarding": [{"significant_harm_concern": True, **RATIONALE}],
    "family_asks_to_stop": [{}],
    "young_person_asks_to_stop": [{}],
    "record_assistance_rejected": [{}],
    "lha_manager_agrees_closure": [RATIONALE],
    "ics_manager_agrees_closure": [RATIONALE],
    "close_returned_home": [{"duty_outcome": "accommodation_secured_6_months_existing"}],
    "close_case": [{"duty_outcome": "accommodation_secured_6_months_existing"}],
    "close_s17_support": [{"duty_outcome": "accommodation_secured_6_months_existing"}],
    "assistance_rejected": [{"duty_outcome": "accommodation_secured_6_months_existing"}],
    "supported_back_to_home_authority": [{"home_authority": "Fictional Borough Council"}],
    "transfer_to_home_childrens_services": [
        {
            "home_authority": "F",
            "receiving_childrens_services": "F",
            "receiving_authority_agreed": True,
        }
    ],
}
ROLES = sorted({r for t in YOUTH_1617.transitions for r in t.roles})
STOPS = {"close_returned_home", "close_case", "close_s17_support", "assistance_rejected"}
GATED_BY_CONSENT = {"agree_caf_plan", "escalate_to_assessment", "refer_homeless_for_assessment"}


class CorrectedCaseMachine(RuleBasedStateMachine):
    """Any step, by any role, from the opening, an s.20 placement or a package."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot = opened()
        self.reached: set[str] = set()

    @initialize(moves=st.sampled_from([(), IN_S20, LOOKED_AFTER, PACKAGE]))
    def start(self, moves: tuple[Move, ...]) -> None:
        self.snapshot = walk(opened(), *moves)

    @rule(
        transition=st.sampled_from(sorted(PAYLOADS)),
        role=st.sampled_from(ROLES),
        choice=st.integers(min_value=0, max_value=1),
    )
    def attempt_any(self, transition: str, role: str, choice: int) -> None:
        self._try(transition, role, choice)

    # By a role that may make the move, so the deep steps and the endings are reached too.
    @rule(
        transition=st.sampled_from(sorted(PAYLOADS)),
        pick=st.integers(min_value=0, max_value=5),
        choice=st.integers(min_value=0, max_value=1),
    )
    def advance(self, transition: str, pick: int, choice: int) -> None:
        spec = YOUTH_1617.transition(transition)
        assert spec is not None
        self._try(transition, spec.roles[pick % len(spec.roles)], choice)

    def _try(self, transition: str, role: str, choice: int) -> None:
        before = self.snapshot
        options = PAYLOADS[transition]
        decision = attempt(before, transition, role, options[choice % len(options)])
        if isinstance(decision, Refusal):
            assert decision.reason
            return
        now = after(before, decision)
        if transition in STOPS:
            assert all(before.facts.get(fact) for fact in CLOSURE_AGREEMENTS_1_1)
        if in_childrens_services_care(before.facts) and not in_childrens_services_care(now.facts):
            assert service_of(parse_role(role)) == "childrens", transition
        if before.facts.get("looked_after") and not now.facts.get("looked_after"):
            # Or it was never so: an end within 24 hours recorded after the sweep (s.22(2)).
            assert before.facts.get("ceasing_to_look_after_approved") or (
                transition == "end_s20_placement"
            ), transition
        if transition in GATED_BY_CONSENT:
            assert before.facts.get("consent_override") or (
                before.facts.get("young_person_consent_given")
                and before.facts.get("parent_consent_given")
            )
        self.snapshot = now
        self.reached.add(now.state)

    @invariant()
    def a_terminal_step_is_closed(self) -> None:
        terminal = YOUTH_1617.steps[self.snapshot.state].terminal
        assert terminal == (self.snapshot.status == "closed")
        if terminal:
            assert not self.snapshot.open_timers


CorrectedCaseMachine.TestCase.settings = settings(max_examples=200, stateful_step_count=50)
test_corrected_case_invariants = CorrectedCaseMachine.TestCase


def test_moving_on_from_bed_and_breakfast_is_to_somewhere_else_and_after_the_placement() -> None:
    bb = placement(
        accommodation="bed_and_breakfast",
        bb_exceptional_reason="No other bed in the county tonight.",
        bb_authorised_by="so.dartford",
    )
    case = walk(opened(), NOT_SAFE, ("place_under_s20", SW, bb))
    assert "bb_stay" in case.open_timers
    later = "2026-12-22T10:00:00+00:00"
    still_bb = {"moved_at": later, "accommodation": "bed_and_breakfast"}
    refused(attempt(case, "move_on_from_bed_and_breakfast", SW, still_bb), "not B&B")
    early = {"moved_at": "2026-12-21T14:00:00+00:00", "accommodation": "supported_lodgings"}
    refused(attempt(case, "move_on_from_bed_and_breakfast", SW, early), "moved_at")
    moved = walk(
        case,
        ("move_on_from_bed_and_breakfast", SW, {**still_bb, "accommodation": "nightstop"}),
    )
    assert "bb_stay" not in moved.open_timers


def test_a_notice_cannot_be_sent_before_the_placement_and_an_override_needs_a_gap() -> None:
    case = walk(opened(approached="housing_options"), NOT_SAFE)
    case = walk(case, ("place_under_s188", HO, placement("swale")))
    refused(attempt(case, "record_s208_notice_sent", HO, {"sent_on": "2026-12-20"}), "sent_on")
    override = {"significant_harm_concern": True, **RATIONALE}
    refused(attempt(case, "override_consent_for_safeguarding", SGL, override), "nothing to")


def test_an_end_within_24_hours_recorded_after_the_sweep_undoes_looked_after() -> None:
    case = walk(opened(), *LOOKED_AFTER)
    ended = walk(case, ("end_s20_placement", SW, {"ended_at": "2026-12-22T10:00:00+00:00"}))
    assert (ended.state, ended.facts["looked_after"]) == ("awaiting_joint_visit", False)
    late = {"ended_at": "2026-12-22T15:01:00+00:00"}
    refused(attempt(case, "end_s20_placement", SW, late), "more than 24 hours")
