"""The intentional-homelessness pathway's pure rules: dual sign-off by two different people,
the CWSA 2026 s.9 bar, the review's independence and seniority, the letter's review period and
the reasonable notice; and (hypothesis) that no sequence of attempts gets past the gates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from notifications.templates import template_names
from pathways.deadlines import RULES
from pathways.definitions.intentionality import INTENTIONALITY
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot, HistoryEntry
from pathways.engine.transitions import Plan, decide
from pathways.engine.validate import definition_problems
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import parse_role
from tests.support.snapshots import snapshot_after

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LIMITS = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=12)
POLICY = {
    "family_ih_signoff": True,
    "role_seniority": {
        "lha-housing-officer": 1,
        "lha-senior-officer": 2,
        "lha-reviewing-officer": 3,
        "housing-director": 4,
    },
}
HO, SO, HD, CD = (
    "lha-housing-officer",
    "lha-senior-officer",
    "housing-director",
    "ics-assistant-director",
)
RO = "lha-reviewing-officer"
WHY = {"rationale": "Fictional reasons for the test."}
REVIEW = {
    "steps_and_support_in_place": "PA contact weekly.",
    "interventions_to_avoid_finding": "Arrears plan.",
    "accommodation_plan_if_found": "Supported lodgings.",
    "joint_plan_for_future_needs": "Pathway plan review.",
}
CARE_LEAVER = {
    "applicant": {"full_name": "Fictional Applicant", "date_of_birth": "2005-03-14"},
    "trigger": "minded_to_find_intentional",
    "application_made_on": "2026-11-02",
    "household_has_children": False,
    "care_leaver": True,
    "was_eligible_child_when_last_ceased": True,
    "relevant_child_at_18": True,
}
FAMILY = {
    "applicant": {"full_name": "Fictional Parent", "date_of_birth": "1990-01-01"},
    "trigger": "final_offer_refused",
    "application_made_on": "2026-11-02",
    "household_has_children": True,
    "care_leaver": False,
    "s213a_consent_invited": True,
    "s213a_consent_given": False,
}
DECISION = {
    "decided_on": "2026-11-30",
    "deemed_notified_on": "2026-11-30",
    "letter_reference": "S184-TEST",
}


class Case:
    """A case walked through the pure rules, keeping the history the actor rules read."""

    def __init__(
        self,
        referral: dict[str, Any],
        in_force: dict[str, date] | None = None,
        policy: dict[str, Any] | None = None,
    ) -> None:
        self.in_force = in_force or {}
        facts = {"authority": "dartford", "case_policy": {**POLICY, **(policy or {})}}
        self.snapshot = CaseSnapshot("referred", facts=facts, today=TODAY, in_force=self.in_force)
        self.do("open_referral", HO, referral, actor="ho.one")

    def attempt(
        self, transition: str, role: str, payload: dict[str, Any] | None = None, actor: str = ""
    ) -> Plan | Refusal:
        who = Actor(actor or f"{role}.one", parse_role(role))
        return decide(INTENTIONALITY, self.snapshot, transition, who, payload or {}, limits=LIMITS)

    def do(
        self, transition: str, role: str, payload: dict[str, Any] | None = None, actor: str = ""
    ) -> Case:
        plan = self.attempt(transition, role, payload, actor)
        assert isinstance(plan, Plan), (transition, plan)
        moved = snapshot_after(self.snapshot, plan)
        entry = HistoryEntry(
            transition,
            actor or f"{role}.one",
            parse_role(role),
            NOW,
            decision=plan.transition.decision,
        )
        self.snapshot = CaseSnapshot(
            moved.state,
            moved.status,
            moved.facts,
            moved.open_timers,
            history=(*self.snapshot.history, entry),
            today=TODAY,
            in_force=self.in_force,
        )
        return self


def refused(result: Plan | Refusal, *words: str) -> str:
    assert isinstance(result, Refusal), result
    for word in words:
        assert word in result.reason, result.reason
    return result.reason


def signed(case: Case) -> Case:
    return (
        case.do("record_joint_review", HO, REVIEW)
        .do("request_sign_off", HO)
        .do("housing_director_approves", HD, WHY, actor="hd.one")
        .do("childrens_director_approves", CD, WHY, actor="cd.one")
    )


def test_definition_is_valid_with_its_templates() -> None:
    assert definition_problems(INTENTIONALITY, RULES, template_names()) == []


def test_the_cohort_is_a_care_leaver_or_a_household_with_children() -> None:
    neither = {**FAMILY, "household_has_children": False}
    start = CaseSnapshot("referred", facts={"case_policy": POLICY}, today=TODAY)
    refused(
        decide(
            INTENTIONALITY,
            start,
            "open_referral",
            Actor("ho", parse_role(HO)),
            neither,
            limits=LIMITS,
        ),
        "care leaver or a household with children",
    )
    case = Case(CARE_LEAVER)
    assert case.snapshot.facts["care_leaver_category"] == "former_relevant_child"
    assert "2005-03-14" not in str(case.snapshot.facts)
    assert "turns_25" in case.snapshot.open_timers


def test_a_contradictory_ics_record_is_refused_naming_the_field() -> None:
    start = CaseSnapshot("referred", facts={"case_policy": POLICY}, today=TODAY)
    wrong = {**CARE_LEAVER, "was_eligible_child_when_last_ceased": False}
    refused(
        decide(
            INTENTIONALITY,
            start,
            "open_referral",
            Actor("ho", parse_role(HO)),
            wrong,
            limits=LIMITS,
        ),
        "was_eligible_child_when_last_ceased",
    )


def test_sign_off_needs_the_joint_review_and_both_directors() -> None:
    case = Case(CARE_LEAVER)
    refused(case.attempt("request_sign_off", HO), "joint case review first")
    case.do("record_joint_review", HO, REVIEW).do("request_sign_off", HO)
    reason = refused(case.attempt("issue_decision", HO, DECISION), "still missing")
    assert "housing Director" in reason and "children's services Director" in reason
    refused(case.attempt("housing_director_approves", HO, WHY), "may not")
    case.do("housing_director_approves", HD, WHY, actor="both.roles")
    refused(
        case.attempt("childrens_director_approves", CD, WHY, actor="both.roles"),
        "different person",
    )
    case.do("childrens_director_approves", CD, WHY, actor="cd.one")
    plan = case.attempt("issue_decision", HO, DECISION)
    assert isinstance(plan, Plan)
    assert plan.recorded_facts["review_request_ends_on"] == "2026-12-20"  # 21 days beginning with


def test_a_decline_returns_to_the_review_and_both_must_sign_again() -> None:
    case = Case(CARE_LEAVER).do("record_joint_review", HO, REVIEW).do("request_sign_off", HO)
    case.do("housing_director_approves", HD, WHY, actor="hd.one")
    case.do("director_declines", CD, WHY, actor="cd.one")
    assert case.snapshot.state == "joint_review"
    assert not case.snapshot.facts["housing_signoff"]
    plan = case.attempt("close_without_finding", HO, WHY)
    assert isinstance(plan, Plan) and plan.outcome == "IH_SIGNOFF_DECLINED"


def test_a_care_leaver_from_another_area_is_signed_off_by_the_corporate_parent() -> None:
    case = Case({**CARE_LEAVER, "corporate_parent": "Fictional County Council"})
    case.do("record_joint_review", HO, REVIEW).do("request_sign_off", HO)
    refused(case.attempt("childrens_director_approves", CD, WHY), "corporate parent")
    sign_off = {"document_reference": "CP-1", "signed_on": "2026-11-29"}
    case.do("corporate_parent_approves", HO, sign_off)
    case.do("housing_director_approves", HD, WHY, actor="hd.one")
    assert isinstance(case.attempt("issue_decision", HO, DECISION), Plan)


def test_once_cwsa_2026_s9_is_in_force_the_finding_is_barred() -> None:
    commenced = {"cwsa-2026-s9": date(2026, 11, 1)}
    case = Case(CARE_LEAVER, in_force=commenced).do("record_joint_review", HO, REVIEW)
    refused(case.attempt("request_sign_off", HO), "s.191(1ZA)-(1C)")
    plan = case.attempt("record_finding_barred", HO)
    assert isinstance(plan, Plan) and plan.outcome == "IH_BLOCKED_CWSA2026"
    not_yet = Case(CARE_LEAVER, in_force={"cwsa-2026-s9": date(2027, 1, 1)})
    refused(not_yet.do("record_joint_review", HO, REVIEW).attempt("record_finding_barred", HO))
    family = Case(FAMILY, in_force=commenced).do("record_joint_review", HO, REVIEW)
    refused(family.attempt("record_finding_barred", HO), "not barred")


def test_a_family_needs_no_sign_off_where_the_authority_says_so() -> None:
    case = Case(FAMILY, policy={"family_ih_signoff": False}).do("record_joint_review", HO, REVIEW)
    refused(case.attempt("request_sign_off", HO), "family_ih_signoff")
    assert isinstance(case.attempt("issue_decision", HO, DECISION), Plan)


def test_the_letters_longer_review_period_is_the_clocks_and_never_shorter() -> None:
    case = signed(Case(CARE_LEAVER))
    refused(
        case.attempt("issue_decision", HO, {**DECISION, "review_period_days": 14}),
        "review_period_days",
    )
    plan = case.attempt("issue_decision", HO, {**DECISION, "review_period_days": 28})
    assert isinstance(plan, Plan)
    assert plan.recorded_facts["review_request_ends_on"] == "2026-12-27"
    [timer] = plan.timers_to_open
    assert (timer.name, timer.amount_from) == ("review_request", "review_period_days")


def test_the_reviewer_took_no_part_and_is_senior_to_the_decision_maker() -> None:
    case = signed(Case(CARE_LEAVER)).do("issue_decision", HO, DECISION, actor="ho.one")
    case.do("record_review_request", HO, {"requested_on": "2026-11-30"})
    assert "review_decision_eight_weeks" in case.snapshot.open_timers
    decided = {"notified_on": "2026-11-30", **WHY}
    refused(case.attempt("review_upheld", RO, decided, actor="ho.one"), "took part")
    refused(case.attempt("review_upheld", RO, decided, actor="hd.one"), "took part")
    plan = case.attempt("review_upheld", RO, decided, actor="ro.one")
    assert isinstance(plan, Plan) and plan.recorded_facts["appeal_ends_on"] == "2026-12-21"
    junior = {**POLICY, "role_seniority": {HO: 3, RO: 2}}
    case.snapshot = CaseSnapshot(
        case.snapshot.state,
        facts={**case.snapshot.facts, "case_policy": junior},
        history=case.snapshot.history,
        today=TODAY,
    )
    refused(case.attempt("review_upheld", RO, decided, actor="ro.one"), "not senior")


def test_an_extension_is_agreed_in_writing_and_replaces_the_clock() -> None:
    case = signed(Case(CARE_LEAVER)).do("issue_decision", HO, DECISION)
    case.do("record_review_request", HO, {"requested_on": "2026-11-30", "kind": "three_weeks"})
    refused(
        case.attempt(
            "agree_review_extension", RO, {"agreed_in_writing": False, "extended_to": "2027-01-30"}
        ),
        "agreed_in_writing",
    )
    refused(
        case.attempt(
            "agree_review_extension", RO, {"agreed_in_writing": True, "extended_to": "2026-12-01"}
        ),
        "after the present due date",
    )
    case.do("agree_review_extension", RO, {"agreed_in_writing": True, "extended_to": "2027-01-30"})
    assert "review_decision_three_weeks" not in case.snapshot.open_timers
    assert "review_decision_extended" in case.snapshot.open_timers


def test_reasonable_notice_never_ends_on_a_friday_and_a_change_needs_a_reason() -> None:
    case = signed(Case(FAMILY)).do("issue_decision", HO, DECISION)
    # 28 days after Friday 6 November 2026 is Friday 4 December: it moves to Monday 7 December.
    notice = {"notice_given_on": "2026-11-06", "priority_need_established": True}
    refused(case.attempt("give_reasonable_notice", HO, {**notice, "notice_days": 35}), "reason")
    refused(
        case.attempt("give_reasonable_notice", HO, {**notice, "priority_need_established": False}),
        "s.190(2)(a)",
    )
    plan = case.attempt("give_reasonable_notice", HO, notice)
    assert isinstance(plan, Plan)
    assert plan.recorded_facts["accommodation_ends_on"] == "2026-12-07"  # Fri 4 Dec moved
    # A family without s.213A consent: children's services are not told the date.
    assert not plan.notifications
    shared = {**notice, "share_with_ics_override_rationale": "Significant harm concern."}
    override = case.attempt("give_reasonable_notice", HO, shared)
    assert isinstance(override, Plan) and override.notifications


def test_closing_waits_for_the_applicants_windows() -> None:
    case = signed(Case(CARE_LEAVER)).do("issue_decision", HO, DECISION)
    refused(case.attempt("close_decision_stands", HO), "still open")
    case.snapshot = CaseSnapshot(
        case.snapshot.state,
        facts=case.snapshot.facts,
        history=case.snapshot.history,
        today=date(2026, 12, 21),
    )
    plan = case.attempt("close_decision_stands", HO)
    assert isinstance(plan, Plan) and plan.outcome == "IH_ISSUED"


# Any sequence of attempts keeps the gates

PAYLOADS: dict[str, dict[str, Any]] = {
    "record_joint_review": REVIEW,
    "continue_relief_duty": WHY,
    "request_sign_off": {},
    "housing_director_approves": WHY,
    "childrens_director_approves": WHY,
    "director_declines": WHY,
    "close_without_finding": WHY,
    "record_finding_barred": {},
    "issue_decision": DECISION,
    "record_joint_message": {"advised_accept_offer": True, "advised_request_review": True},
    "record_review_request": {"requested_on": "2026-11-30"},
    "review_upheld": {"notified_on": "2026-11-30", **WHY},
    "review_overturned": {"notified_on": "2026-11-30", **WHY},
}
ROLES = sorted({r for t in INTENTIONALITY.transitions for r in t.roles} - {"system"})
ACTORS = ("first.person", "second.person", "third.person")


class SignOffMachine(RuleBasedStateMachine):
    @initialize(referral=st.sampled_from([CARE_LEAVER, FAMILY]))
    def start(self, referral: dict[str, Any]) -> None:
        self.case = Case(referral)

    @rule(
        transition=st.sampled_from(sorted(PAYLOADS)),
        role=st.sampled_from(ROLES),
        actor=st.sampled_from(ACTORS),
    )
    def attempt_any(self, transition: str, role: str, actor: str) -> None:
        before = self.case.snapshot
        result = self.case.attempt(transition, role, PAYLOADS[transition], actor)
        if isinstance(result, Refusal):
            return
        if transition == "issue_decision":
            assert before.facts.get("housing_signoff") and before.facts.get("childrens_signoff")
            signers = before.actors_of(decision="ih_signoff")
            assert len(signers) == 2
        if transition in ("review_upheld", "review_overturned"):
            involved = {e.actor for e in before.history if e.transition == "issue_decision"}
            assert actor not in involved
        self.case.do(transition, role, PAYLOADS[transition], actor)

    @invariant()
    def terminal_means_closed(self) -> None:
        snapshot = self.case.snapshot
        assert INTENTIONALITY.steps[snapshot.state].terminal == (snapshot.status == "closed")


SignOffMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=30)
test_sign_off_invariants = SignOffMachine.TestCase
