"""Pathway B 1.0 through the pure rules: every transition's gate and refusal (spec §3 Pathway B;
seed 004 §2.2-2.10; errata 11, 16, 17, 20, 23).

Cases are built by applying the steps a worker would take, from the opening on, so each test
reads the facts the rules really record. A refusal names its field and the rule, never the
young person's name or date of birth.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import pytest

from notifications.templates import template_names
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.definitions.care_leaver import CARE_LEAVER
from pathways.definitions.intentionality_inputs import Referral
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot, HistoryEntry
from pathways.engine.transitions import Plan, decide
from pathways.engine.validate import definition_problems
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import Role

NOW = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
LIMITS = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=12)
NAME = "Fictional Care Leaver"
SIXTEEN = "2010-09-01"  # 16 on 2026-09-01
SEVENTEEN = "2009-09-01"  # 18 on 2027-09-01
NINETEEN = "2007-06-01"
TWENTY_TWO = "2004-06-01"

SYSTEM: Final[Role] = "system"
SW: Final[Role] = "ics-social-worker"
TM: Final[Role] = "ics-team-manager"
AD: Final[Role] = "ics-assistant-director"
PA: Final[Role] = "personal-adviser"
IRO: Final[Role] = "independent-reviewing-officer"
HO: Final[Role] = "lha-housing-officer"
SO: Final[Role] = "lha-senior-officer"
COORDINATOR: Final[Role] = "coordinator"
TELL_PA = "role:personal-adviser"
TELL_TM = "role:ics-team-manager"

PLAN = {"agreed_on": "2026-12-01", "personal_adviser": "pa.one"}
REFERRAL = {
    "situation": "threatened_within_56_days",
    "consent_to_refer": True,
    "consent_to_share_contact_details": True,
    "chosen_authority": "thanet",
    "referred_on": "2027-01-11",
}
RELIEF = {"duty": "relief", "satisfied_on": "2027-01-11"}
DUTY_ENDED = {"ended_on": "2027-01-12", "reason": "accommodation_secured_6_months"}
OUT_OF_DISTRICT = {
    "placed_at": "2027-01-12T10:00:00+00:00",
    "accommodation": "supported_accommodation",
    "district": "thanet",
}
REQUEST = {"asked_on": "2027-01-12", "rationale": "They want to manage on their own now."}
APPROVAL = {"reg39_assessments_completed": True, "rationale": "Return home assessed as safe."}


# --- building cases the way workers do -----------------------------------------------------------


def person(dob: str) -> dict[str, str]:
    return {"full_name": NAME, "date_of_birth": dob}


def opening(
    dob: str = SEVENTEEN, legal_status: str = "relevant_child", **fields: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {"young_person": person(dob), "legal_status": legal_status}
    if legal_status in ("relevant_child", "former_relevant_child"):
        payload["legal_basis"] = "left_care"
    else:
        payload["looked_after_since"] = "2026-06-01"
    return {**payload, **fields}


def attempt(
    snapshot: CaseSnapshot, transition: str, role: Role, payload: Mapping[str, Any] | None = None
) -> Plan | Refusal:
    return decide(
        CARE_LEAVER, snapshot, transition, Actor(f"{role}.user", role), payload or {}, limits=LIMITS
    )


def applied(
    snapshot: CaseSnapshot, transition: str, role: Role, payload: Mapping[str, Any] | None = None
) -> Plan:
    plan = attempt(snapshot, transition, role, payload)
    assert isinstance(plan, Plan), plan
    return plan


def refused(
    snapshot: CaseSnapshot,
    transition: str,
    role: Role,
    payload: Mapping[str, Any] | None = None,
    *,
    code: str = "refused",
) -> Refusal:
    refusal = attempt(snapshot, transition, role, payload)
    assert isinstance(refusal, Refusal), f"{transition} accepted: {payload}"
    assert refusal.code == code, refusal
    assert NAME not in refusal.reason and "Fictional" not in refusal.reason
    for dob in (SIXTEEN, SEVENTEEN, NINETEEN, TWENTY_TWO):
        assert dob not in refusal.reason
    return refusal


def after(snapshot: CaseSnapshot, plan: Plan, role: Role) -> CaseSnapshot:
    """The case once ``plan`` is applied, as the application would write it."""
    open_timers = (snapshot.open_timers - set(plan.timers_to_close)) | {
        t.name for t in plan.timers_to_open
    }
    entry = HistoryEntry(
        transition=plan.transition.name,
        actor=f"{role}.user",
        role=role,
        at=NOW,
        decision=plan.transition.decision,
        outcome=plan.outcome,
    )
    return CaseSnapshot(
        plan.to_step,
        "closed" if plan.ends_case else "open",
        {**snapshot.facts, **plan.recorded_facts},
        frozenset() if plan.ends_case else frozenset(open_timers),
        (*snapshot.history, entry),
        rule_overrides=snapshot.rule_overrides,
    )


def step(
    snapshot: CaseSnapshot, transition: str, role: Role, payload: Mapping[str, Any] | None = None
) -> CaseSnapshot:
    return after(snapshot, applied(snapshot, transition, role, payload), role)


def turned_18(snapshot: CaseSnapshot) -> CaseSnapshot:
    """The sweep records the 18th birthday from the ``turns_18`` clock."""
    return step(snapshot, "record_turns_18_reached", SYSTEM)


LEFT = {"ceased_on": "2027-01-12"}


def opened(payload: Mapping[str, Any], role: Role = SW) -> CaseSnapshot:
    # The application adds the authority to every case's facts when it opens.
    start = CaseSnapshot("referred", facts={"authority": "dartford"})
    return step(start, "open_care_leaver_case", role, payload)


def planning(payload: Mapping[str, Any] | None = None, **cohort: Any) -> CaseSnapshot:
    """A case at transition planning: opened, assessed, and its pathway plan agreed."""
    case = opened(payload or opening())
    if cohort:
        case = step(case, "record_cohort_details", SW, cohort)
    case = step(case, "record_needs_assessment", SW, {"completed_on": "2026-11-01"})
    return step(case, "record_pathway_plan", SW, PLAN)


def with_facts(snapshot: CaseSnapshot, **facts: Any) -> CaseSnapshot:
    return CaseSnapshot(
        snapshot.state,
        snapshot.status,
        {**snapshot.facts, **facts},
        snapshot.open_timers,
        snapshot.history,
        rule_overrides=snapshot.rule_overrides,
    )


def timers(plan: Plan) -> set[str]:
    return {spec.name for spec in plan.timers_to_open}


def recipients(plan: Plan) -> set[str]:
    return {to for spec in plan.notifications for to in spec.to}


def field_named(refusal: Refusal, field: str) -> None:
    assert refusal.reason.startswith(f"{field}: "), refusal.reason


# --- the definition -------------------------------------------------------------------------------


def test_1_0_is_valid_and_the_latest() -> None:
    assert definition_problems(CARE_LEAVER, RULES, template_names()) == []
    assert get_definition("care-leaver-transition").key == "care-leaver-transition@1.0"
    assert {"closed_at_21", "closed_at_25", "closed_at_request"} == {
        name for name, spec in CARE_LEAVER.steps.items() if spec.terminal
    }


# --- the opening: age and status gates -----------------------------------------------------------

AT_25_TODAY = "2002-01-12"
DAY_BEFORE_25 = "2002-01-13"
AT_16_TODAY = "2011-01-12"
DAY_BEFORE_16 = "2011-01-13"
AT_18_TODAY = "2009-01-12"
DAY_BEFORE_18 = "2009-01-13"
AT_21_TODAY = "2006-01-12"
DAY_BEFORE_21 = "2006-01-13"
UNDER_18_CLOCKS = {
    "needs_assessment",
    "pre18_panel",
    "accommodation_plan_by_18",
    "turns_18",
    "pa_support_21",
}


@pytest.mark.parametrize(
    ("payload", "expected_timers", "facts"),
    [
        (
            opening(SEVENTEEN),
            UNDER_18_CLOCKS,
            {"looked_after": False, "under_18_at_opening": True, "legal_basis": "left_care"},
        ),
        (
            opening(SEVENTEEN, "looked_after_s20", legal_basis="s20"),
            {
                "needs_assessment_after_eligibility",
                "pre18_panel",
                "accommodation_plan_by_18",
                "turns_18",
                "pa_support_21",
            },
            {"looked_after": True, "eligible_child_on": "2026-08-31"},
        ),
        (
            opening(SIXTEEN, "looked_after_s20", legal_basis="care_order"),
            UNDER_18_CLOCKS,
            {"looked_after": True, "needs_assessment_from": "16th_birthday"},
        ),
        (
            opening(NINETEEN, "former_relevant_child"),
            {"pa_support_21"},
            {
                "under_18_at_opening": False,
                "needs_assessment_from": "assessed_before_18",
                "reached_18": True,
            },
        ),
        (
            opening(TWENTY_TWO, "former_relevant_child", support_to_25_requested=True),
            {"pa_support_25"},
            {"support_to_25_requested": True, "looked_after": False},
        ),
        (opening(AT_16_TODAY), UNDER_18_CLOCKS, {"legal_basis": "left_care"}),
        (opening(DAY_BEFORE_18), UNDER_18_CLOCKS, {}),
        (opening(AT_18_TODAY, "former_relevant_child"), {"pa_support_21"}, {}),
        (opening(DAY_BEFORE_21, "former_relevant_child"), {"pa_support_21"}, {}),
        (
            opening(DAY_BEFORE_25, "former_relevant_child", support_to_25_requested=True),
            {"pa_support_25"},
            {},
        ),
    ],
)
def test_each_cohort_opens_its_own_clocks(
    payload: dict[str, Any], expected_timers: set[str], facts: dict[str, Any]
) -> None:
    plan = applied(CaseSnapshot("referred"), "open_care_leaver_case", SW, payload)
    assert timers(plan) == expected_timers
    assert facts.items() <= plan.recorded_facts.items()
    assert plan.to_step == "needs_assessment"
    dob = payload["young_person"]["date_of_birth"]
    assert dob not in str(plan.recorded_facts) and NAME not in str(plan.recorded_facts)


def test_under_18_clocks_open_only_for_a_young_person_under_18() -> None:
    for payload in (
        opening(NINETEEN, "former_relevant_child"),
        opening(AT_18_TODAY, "former_relevant_child"),
    ):
        plan = applied(CaseSnapshot("referred"), "open_care_leaver_case", SW, payload)
        assert not timers(plan) & {
            "pre18_panel",
            "accommodation_plan_by_18",
            "needs_assessment",
            "needs_assessment_after_eligibility",
        }


def test_the_16_17_intakes_hand_off_opens_a_1_0_case() -> None:
    """Outcome O3 sends only 0.2's fields: the rest of 1.0's opening has defaults."""
    payload = {
        "young_person": person(SEVENTEEN),
        "legal_status": "looked_after_s20",
        "looked_after_since": "2027-01-12",
        "weeks_looked_after_since_14_before": 0,
    }
    plan = applied(CaseSnapshot("referred"), "open_care_leaver_case", SYSTEM, payload)
    assert plan.recorded_facts["eligible_child_on"] == "2027-04-13"
    assert plan.recorded_facts["legal_basis"] == "s20"
    assert "needs_assessment_after_eligibility" in timers(plan)


@pytest.mark.parametrize(
    ("payload", "field", "rule"),
    [
        (opening(DAY_BEFORE_18, "former_relevant_child"), "legal_status", "18 or over"),
        (opening(SIXTEEN, "former_relevant_child"), "legal_status", "relevant_child"),
        (opening(AT_18_TODAY), "legal_status", "former_relevant_child"),
        (opening(NINETEEN, "looked_after_s20", legal_basis="s20"), "legal_status", "s.23C(1)"),
        (opening(NINETEEN, "eligible_child", legal_basis="care_order"), "legal_status", ""),
        (opening(AT_21_TODAY, "former_relevant_child"), "support_to_25_requested", "s.23CZB"),
        (opening(TWENTY_TWO, "former_relevant_child"), "support_to_25_requested", "s.23C(6)"),
        (opening(SEVENTEEN, legal_basis="s20"), "legal_basis", "left_care is for"),
        (opening(SEVENTEEN, legal_basis="care_order"), "legal_basis", ""),
        (opening(SEVENTEEN, "looked_after_s20", legal_basis="left_care"), "legal_basis", ""),
        (opening(legal_basis="adopted"), "legal_basis", ""),
        (
            opening(cohort={"responsible_authority": "other"}),
            "cohort.corporate_parent",
            "is required",
        ),
        (
            opening(cohort={"corporate_parent": "Another Council"}),
            "cohort.corporate_parent",
            "only for another corporate parent",
        ),
        (opening(cohort={"placement_type": "hotel"}), "cohort.placement_type", ""),
        (opening(support_to_25_requested="yes"), "support_to_25_requested", ""),
    ],
)
def test_an_opening_outside_the_cohort_is_refused_naming_the_field(
    payload: dict[str, Any], field: str, rule: str
) -> None:
    refusal = refused(
        CaseSnapshot("referred"), "open_care_leaver_case", SW, payload, code="invalid_input"
    )
    assert refusal.field == field
    field_named(refusal, field)
    assert rule in refusal.reason


@pytest.mark.parametrize(
    ("dob", "status", "rule"),
    [
        (AT_25_TODAY, "former_relevant_child", "25 or over"),
        ("1990-05-05", "former_relevant_child", "25 or over"),
        (DAY_BEFORE_16, "relevant_child", "under 16"),
        ("2013-05-05", "relevant_child", "under 16"),
    ],
)
def test_over_25_and_under_16_are_refused_at_the_date_of_birth(
    dob: str, status: str, rule: str
) -> None:
    refusal = refused(
        CaseSnapshot("referred"),
        "open_care_leaver_case",
        SW,
        opening(dob, status, support_to_25_requested=True),
        code="invalid_input",
    )
    assert refusal.field == "young_person.date_of_birth"
    field_named(refusal, "young_person.date_of_birth")
    assert rule in refusal.reason
    assert dob not in refusal.reason and dob[:4] not in refusal.reason


def test_another_corporate_parent_is_named_in_the_input_only() -> None:
    payload = opening(cohort={"responsible_authority": "other", "corporate_parent": "Essex CC"})
    plan = applied(CaseSnapshot("referred"), "open_care_leaver_case", SW, payload)
    assert plan.recorded_facts["responsible_authority"] == "other"
    assert plan.recorded_facts["corporate_parent_named"] is True
    assert "Essex" not in str(plan.recorded_facts)


def test_who_may_open_and_who_may_not() -> None:
    for role in (SYSTEM, SW, PA, COORDINATOR):
        applied(CaseSnapshot("referred"), "open_care_leaver_case", role, opening())
    for role in (HO, TM, IRO, AD):
        refused(
            CaseSnapshot("referred"), "open_care_leaver_case", role, opening(), code="forbidden"
        )


def test_a_coordinator_opens_but_records_nothing_else() -> None:
    case = opened(opening(), role=COORDINATOR)
    refused(
        case,
        "record_needs_assessment",
        COORDINATOR,
        {"completed_on": "2026-11-01"},
        code="forbidden",
    )
    refused(case, "record_cohort_details", COORDINATOR, {}, code="forbidden")


# --- B1 and B2 ------------------------------------------------------------------------------------


def test_the_needs_assessment_closes_its_clock_and_moves_to_the_pathway_plan() -> None:
    for payload, clock in (
        (opening(), "needs_assessment"),
        (
            opening(legal_status="looked_after_s20", legal_basis="s20"),
            "needs_assessment_after_eligibility",
        ),
    ):
        case = opened(payload)
        assert clock in case.open_timers
        refused(
            case, "record_needs_assessment", PA, {"completed_on": "2026-11-01"}, code="forbidden"
        )
        plan = applied(case, "record_needs_assessment", SW, {"completed_on": "2026-11-01"})
        assert plan.to_step == "pathway_planning"
        assert plan.timers_to_close == (clock,)
        assert plan.recorded_facts == {"needs_assessment_on": "2026-11-01"}


def test_the_pathway_plan_needs_a_personal_adviser() -> None:
    case = step(opened(opening()), "record_needs_assessment", SW, {"completed_on": "2026-11-01"})
    refusal = refused(case, "record_pathway_plan", SW, {"agreed_on": "2026-12-01"})
    field_named(refusal, "personal_adviser")
    assert "s.23B(2)" in refusal.reason
    plan = applied(case, "record_pathway_plan", PA, PLAN)
    assert plan.to_step == "transition_planning"
    assert plan.recorded_facts["personal_adviser"] == "pa.one"
    # A Personal Adviser already recorded with the cohort details will do.
    named = step(case, "record_cohort_details", SW, {"personal_adviser": "pa.two"})
    plan = applied(named, "record_pathway_plan", SW, {"agreed_on": "2026-12-01"})
    assert plan.recorded_facts["pathway_plan_agreed_on"] == "2026-12-01"
    refused(case, "record_pathway_plan", HO, PLAN, code="forbidden")


def test_a_care_leavers_plan_is_reviewed_six_monthly_from_the_plan() -> None:
    case = planning()
    assert "pathway_plan_review" in case.open_timers
    plan = applied(case, "record_pathway_plan_review", PA, {"held_on": "2027-01-10"})
    # Closed and opened again: the next review counts from this one.
    assert "pathway_plan_review" in plan.timers_to_close
    assert "pathway_plan_review" in timers(plan)
    assert plan.recorded_facts == {"pathway_plan_reviewed_on": "2027-01-10"}


LOOKED_AFTER = opening(legal_status="looked_after_s20", legal_basis="s20")


def test_errata_20_no_six_month_clock_while_looked_after_one_after_leaving_care() -> None:
    case = planning(LOOKED_AFTER)
    assert "pathway_plan_review" not in case.open_timers
    reviewed = applied(case, "record_pathway_plan_review", SW, {"held_on": "2027-01-10"})
    assert "pathway_plan_review" not in timers(reviewed)
    lac = applied(case, "record_lac_review", IRO, {"held_on": "2027-01-10"})
    assert lac.recorded_facts == {"pathway_plan_reviewed_on": "2027-01-10"}
    assert "pathway_plan_review" not in timers(lac)
    left = applied(turned_18(case), "record_left_care", SW, LEFT)
    assert "pathway_plan_review" in timers(left)
    assert left.recorded_facts["looked_after"] is False


def test_leaving_care_without_a_plan_opens_no_review_clock() -> None:
    case = turned_18(opened(LOOKED_AFTER))
    left = applied(case, "record_left_care", SW, LEFT)
    assert "pathway_plan_review" not in timers(left)


def test_a_looked_after_review_only_while_looked_after_and_with_a_plan() -> None:
    refusal = refused(opened(LOOKED_AFTER), "record_lac_review", IRO, {"held_on": "2027-01-10"})
    assert "no pathway plan" in refusal.reason
    case = planning(LOOKED_AFTER)
    refused(case, "record_lac_review", PA, {"held_on": "2027-01-10"}, code="forbidden")
    left = step(turned_18(case), "record_left_care", TM, LEFT)
    refusal = refused(left, "record_lac_review", IRO, {"held_on": "2027-01-12"})
    assert "no longer looked after" in refusal.reason
    refusal = refused(planning(), "record_lac_review", SW, {"held_on": "2027-01-10"})
    assert "no longer looked after" in refusal.reason


def test_a_review_asked_for_opens_its_own_clock_closed_by_the_review() -> None:
    refused(opened(opening()), "request_pathway_plan_review", PA, {"reason": "young_person_asked"})
    case = planning()
    plan = applied(case, "request_pathway_plan_review", PA, {"reason": "significant_change"})
    assert timers(plan) == {"pathway_plan_review_requested"}
    assert recipients(plan) == {TELL_PA}
    asked = after(case, plan, PA)
    reviewed = applied(asked, "record_pathway_plan_review", IRO, {"held_on": "2027-01-12"})
    assert set(reviewed.timers_to_close) == {"pathway_plan_review", "pathway_plan_review_requested"}
    bad = refused(
        asked, "request_pathway_plan_review", PA, {"reason": "bored"}, code="invalid_input"
    )
    assert bad.field == "reason"


# --- leaving care: children's services' own status (errata 11) -----------------------------------


def test_leaving_care_before_18_waits_for_the_directors_decision() -> None:
    case = opened(LOOKED_AFTER)
    early = LEFT
    refusal = refused(case, "record_left_care", SW, early)
    assert "under 18" in refusal.reason and "reg.39(5)" in refusal.reason
    decision = applied(case, "approve_ceasing_to_look_after", AD, APPROVAL)
    assert decision.transition.decision == "approve_ceasing_to_look_after"
    approved = after(case, decision, AD)
    plan = applied(approved, "record_left_care", SW, early)
    assert plan.recorded_facts == {
        "looked_after": False,
        "left_care_on": "2027-01-12",
        "legal_status": "relevant_child",
        "legal_basis": "left_care",
    }


def test_leaving_care_at_18_needs_no_decision_and_makes_a_former_relevant_child() -> None:
    case = opened(LOOKED_AFTER)
    assert "turns_18" in case.open_timers
    plan = applied(turned_18(case), "record_left_care", TM, LEFT)
    assert plan.recorded_facts["legal_status"] == "former_relevant_child"


def test_only_a_looked_after_young_person_leaves_care() -> None:
    case = opened(opening())
    refusal = refused(case, "record_left_care", SW, LEFT)
    assert "not recorded as looked after" in refusal.reason
    refused(case, "approve_ceasing_to_look_after", AD, APPROVAL)


def test_roles_a_housing_officer_cannot_end_care_and_a_pa_cannot_approve_it() -> None:
    case = opened(LOOKED_AFTER)
    for role in (HO, SO, PA, IRO):
        refused(
            case,
            "record_left_care",
            role,
            LEFT,
            code="forbidden",
        )
    for role in (PA, SW, TM, HO):
        refused(case, "approve_ceasing_to_look_after", role, APPROVAL, code="forbidden")


# --- B3-B6 ----------------------------------------------------------------------------------------


def test_early_registration_and_the_pre_18_panel() -> None:
    case = planning()
    registration = {"registered_with": "dartford", "registered_on": "2027-01-05"}
    plan = applied(case, "register_on_housing_register", HO, registration)
    assert plan.recorded_facts["housing_register"]["deferred_activation"] is True
    refused(
        opened(opening()), "register_on_housing_register", PA, registration, code="not_allowed_now"
    )
    panel = {
        "held_on": "2027-01-10",
        "attendees": ["housing", "childrens_services"],
        "option": "staying_put",
    }
    plan = applied(case, "record_pre18_panel", HO, panel)
    assert plan.timers_to_close == ("pre18_panel",)
    assert recipients(plan) == {"lha", TELL_PA}
    missing = refused(
        case,
        "record_pre18_panel",
        PA,
        {**panel, "attendees": ["housing", "mental_health"]},
        code="invalid_input",
    )
    assert missing.field == "attendees" and "childrens_services" in missing.reason


@pytest.mark.parametrize(
    ("transition", "extra"),
    [
        (
            "record_pre18_panel",
            {"held_on": "2027-01-10", "attendees": ["housing", "childrens_services"]},
        ),
        ("agree_accommodation_plan", {"agreed_on": "2027-01-10"}),
        ("record_contingency_plan", {"agreed_on": "2027-01-10"}),
    ],
)
def test_bed_and_breakfast_only_with_an_exceptional_reason(
    transition: str, extra: dict[str, Any]
) -> None:
    case = planning()
    payload = {**extra, "option": "bed_and_breakfast"}
    refusal = refused(case, transition, PA, payload, code="invalid_input")
    assert refusal.field == "bed_and_breakfast_exceptional_reason"
    assert "seed 004 §2.4" in refusal.reason
    reason = "No other placement tonight after the fire at the flat."
    plan = applied(
        case, transition, PA, {**payload, "bed_and_breakfast_exceptional_reason": reason}
    )
    assert "No other placement" not in str(plan.recorded_facts)


def test_the_accommodation_plan_closes_its_clock_before_18() -> None:
    case = planning()
    assert "accommodation_plan_by_18" in case.open_timers
    plan = applied(
        case, "agree_accommodation_plan", HO, {"agreed_on": "2027-01-10", "option": "staying_put"}
    )
    assert plan.timers_to_close == ("accommodation_plan_by_18",)
    assert plan.recorded_facts["accommodation_plan"] == {
        "agreed_on": "2027-01-10",
        "option": "staying_put",
        "bed_and_breakfast": False,
    }


# --- T19: planned moves (errata 17: a short notice is a breach, not a block) --------------------


def _move(days_ahead: int, **fields: Any) -> dict[str, Any]:
    return {
        "planned_move_on": (TODAY + timedelta(days=days_ahead)).isoformat(),
        "plan_agreed_on": TODAY.isoformat(),
        **fields,
    }


SHORT = {"short_notice_reason": "placement_breakdown", "short_notice_detail": "The landlord sold."}


def test_a_move_agreed_exactly_28_days_ahead_needs_no_reason() -> None:
    plan = applied(planning(), "record_planned_move", PA, _move(28))
    (move,) = plan.recorded_facts["moves"]
    assert (move["notice_days"], move["short_notice"]) == (28, False)
    assert plan.recorded_facts["short_notice_moves"] == 0
    assert plan.notifications == ()
    assert "move_agreement" not in timers(plan)


def test_a_move_agreed_27_days_ahead_is_recorded_with_its_reason_not_blocked() -> None:
    case = planning()
    refusal = refused(case, "record_planned_move", PA, _move(27))
    field_named(refusal, "short_notice_reason")
    assert "27 days ahead" in refusal.reason and "28 days" in refusal.reason
    refusal = refused(case, "record_planned_move", PA, _move(27, short_notice_reason="emergency"))
    field_named(refusal, "short_notice_detail")
    plan = applied(case, "record_planned_move", HO, _move(27, **SHORT))
    (move,) = plan.recorded_facts["moves"]
    assert (move["notice_days"], move["short_notice"]) == (27, True)
    assert plan.recorded_facts["short_notice_moves"] == 1
    assert recipients(plan) == {TELL_TM}
    assert "landlord" not in str(plan.recorded_facts)


def test_a_reason_is_refused_when_the_notice_was_enough() -> None:
    refusal = refused(planning(), "record_planned_move", PA, _move(28, **SHORT))
    field_named(refusal, "short_notice_reason")
    assert "less than 28 days" in refusal.reason


def test_the_authoritys_override_changes_the_notice() -> None:
    case = planning()
    case = CaseSnapshot(
        case.state,
        case.status,
        case.facts,
        case.open_timers,
        case.history,
        rule_overrides={"move-agreement": 14},
    )
    applied(case, "record_planned_move", PA, _move(14))
    field_named(refused(case, "record_planned_move", PA, _move(13)), "short_notice_reason")
    refusal = refused(case, "record_planned_move", PA, _move(27, **SHORT))
    assert "less than 14 days" in refusal.reason
    applied(case, "record_planned_move", PA, _move(13, **SHORT))


def test_a_plan_agreed_after_the_move_is_refused() -> None:
    payload = {"planned_move_on": "2027-01-01", "plan_agreed_on": "2027-01-05"}
    field_named(refused(planning(), "record_planned_move", PA, payload), "plan_agreed_on")


def test_a_move_not_yet_agreed_waits_on_its_own_clock() -> None:
    case = planning()
    waiting = {"planned_move_on": (TODAY + timedelta(days=40)).isoformat()}
    plan = applied(case, "record_planned_move", PA, waiting)
    assert timers(plan) == {"move_agreement"}
    assert plan.recorded_facts == {"planned_move_on": waiting["planned_move_on"]}
    refused(case, "agree_planned_move", PA, {"agreed_on": "2027-01-12"})
    reason = refused(case, "record_planned_move", PA, {**waiting, **SHORT})
    field_named(reason, "short_notice_reason")
    pending = after(case, plan, PA)
    assert "already waiting" in refused(pending, "record_planned_move", PA, waiting).reason
    agreed = applied(pending, "agree_planned_move", HO, {"agreed_on": "2027-01-12"})
    assert agreed.timers_to_close == ("move_agreement",)
    assert agreed.recorded_facts["planned_move_on"] is None
    assert agreed.recorded_facts["moves"][-1]["notice_days"] == 40


def test_agreeing_a_waiting_move_late_follows_the_same_rule() -> None:
    case = planning()
    soon = {"planned_move_on": (TODAY + timedelta(days=10)).isoformat()}
    pending = step(case, "record_planned_move", PA, soon)
    field_named(
        refused(pending, "agree_planned_move", PA, {"agreed_on": "2027-01-12"}),
        "short_notice_reason",
    )
    plan = applied(pending, "agree_planned_move", PA, {"agreed_on": "2027-01-12", **SHORT})
    assert plan.recorded_facts["short_notice_moves"] == 1
    assert recipients(plan) == {TELL_TM}
    refused(pending, "agree_planned_move", SW, {"agreed_on": "2027-01-12"}, code="forbidden")


# --- consent and risk triggers (errata 23) -------------------------------------------------------

ARREARS = {"trigger": "rent_arrears", "on": "2027-01-11"}


def test_a_risk_trigger_tells_the_pa_and_the_lha_only_with_consent() -> None:
    case = planning()
    untold = applied(case, "record_risk_trigger", HO, ARREARS)
    assert recipients(untold) == {TELL_PA}
    assert untold.recorded_facts["risk_triggers"][-1] == {
        "trigger": "rent_arrears",
        "on": "2027-01-11",
        "lha_told": False,
        "basis": "none",
    }
    consented = step(case, "record_consent", PA, {"consent_to_share_with_lha": True})
    told = applied(consented, "record_risk_trigger", SW, ARREARS)
    assert recipients(told) == {TELL_PA, "lha"}
    assert told.recorded_facts["risk_triggers"][-1]["basis"] == "consent"
    at_opening = planning(opening(cohort={"consent_to_share_with_lha": True}))
    assert recipients(applied(at_opening, "record_risk_trigger", PA, ARREARS)) == {TELL_PA, "lha"}


def test_telling_the_lha_without_consent_is_a_managers_recorded_override() -> None:
    case = planning()
    refused(case, "tell_lha_without_consent", TM, {"rationale": "Risk of eviction."})
    untold = step(case, "record_risk_trigger", PA, ARREARS)
    for role in (PA, SW, HO):
        refused(untold, "tell_lha_without_consent", role, {"rationale": "x"}, code="forbidden")
    refusal = refused(untold, "tell_lha_without_consent", TM, {}, code="invalid_input")
    assert refusal.field == "rationale"
    plan = applied(untold, "tell_lha_without_consent", TM, {"rationale": "Risk of eviction."})
    assert plan.transition.decision == "sharing_override"
    assert recipients(plan) == {"lha"}
    assert plan.recorded_facts["risk_triggers"][-1] == {
        **ARREARS,
        "lha_told": True,
        "basis": "override",
    }
    told = after(untold, plan, TM)
    refused(told, "tell_lha_without_consent", TM, {"rationale": "again"})


# --- B7: the duty to refer -----------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["consent_to_refer", "consent_to_share_contact_details"])
def test_the_duty_to_refer_needs_both_consents(missing: str) -> None:
    refusal = refused(planning(), "refer_to_housing", PA, {**REFERRAL, missing: False})
    field_named(refusal, missing)
    assert "s.213B(3)" in refusal.reason


@pytest.mark.parametrize(
    "authorities",
    [
        {"chosen_authority": None},
        {"chosen_authority": "thanet", "other_authority": "Leeds City Council"},
    ],
)
def test_the_referral_names_exactly_one_authority(authorities: dict[str, Any]) -> None:
    refusal = refused(
        planning(), "refer_to_housing", PA, {**REFERRAL, **authorities}, code="invalid_input"
    )
    assert refusal.field == "chosen_authority"
    field_named(refusal, "chosen_authority")


def test_a_referral_in_the_directory_alerts_that_authority_and_starts_its_clock() -> None:
    plan = applied(planning(), "refer_to_housing", SW, REFERRAL)
    assert timers(plan) == {"referral_acknowledgement"}
    assert recipients(plan) == {"referred_lha"}
    assert plan.recorded_facts["duty_to_refer_authority"] == "thanet"
    assert plan.recorded_facts["duty_to_refer"]["outside_directory"] is False


def test_a_referral_to_any_other_authority_in_england_is_recorded_without_an_alert() -> None:
    payload = {**REFERRAL, "chosen_authority": None, "other_authority": "Leeds City Council"}
    plan = applied(planning(), "refer_to_housing", PA, payload)
    assert plan.notifications == ()
    assert plan.recorded_facts["duty_to_refer"]["outside_directory"] is True
    assert plan.recorded_facts["duty_to_refer_authority"] is None
    assert timers(plan) == {"referral_acknowledgement"}
    referred = after(planning(), plan, PA)
    # The PA records the acknowledgement from an authority outside the directory.
    ack = applied(referred, "acknowledge_referral", PA, {"acknowledged_on": "2027-01-12"})
    assert ack.timers_to_close == ("referral_acknowledgement",)


def test_the_referral_is_acknowledged_once_and_not_before_it_was_made() -> None:
    case = planning()
    refused(case, "acknowledge_referral", HO, {"acknowledged_on": "2027-01-12"})
    referred = step(case, "refer_to_housing", PA, REFERRAL)
    field_named(
        refused(referred, "acknowledge_referral", HO, {"acknowledged_on": "2027-01-10"}),
        "acknowledged_on",
    )
    acknowledged = step(referred, "acknowledge_referral", SO, {"acknowledged_on": "2027-01-12"})
    refused(acknowledged, "acknowledge_referral", HO, {"acknowledged_on": "2027-01-12"})
    refused(
        referred, "acknowledge_referral", SW, {"acknowledged_on": "2027-01-12"}, code="forbidden"
    )


def test_no_referral_before_the_case_is_opened() -> None:
    refused(CaseSnapshot("referred"), "refer_to_housing", PA, REFERRAL, code="not_allowed_now")


# --- the LHA's duties, interim accommodation and s.208 -------------------------------------------


def test_one_lha_duty_at_a_time_ended_only_by_its_notice() -> None:
    case = planning()
    refused(
        case,
        "record_php",
        HO,
        {
            "agreed_on": "2027-01-12",
            "informed_by_pathway_plan": True,
            "personal_adviser_input": True,
        },
    )
    refused(case, "end_lha_duty", HO, DUTY_ENDED)
    plan = applied(case, "open_lha_duty", HO, RELIEF)
    assert timers(plan) == {"relief_duty"}
    assert recipients(plan) == {TELL_PA, "ics"}
    owed = after(case, plan, HO)
    assert (
        "end it first"
        in refused(owed, "open_lha_duty", SO, {**RELIEF, "duty": "prevention"}).reason
    )
    refused(owed, "open_lha_duty", PA, RELIEF, code="forbidden")
    php = {
        "agreed_on": "2027-01-12",
        "informed_by_pathway_plan": True,
        "personal_adviser_input": True,
    }
    assert applied(owed, "record_php", HO, php).recorded_facts["php_linked_to_pathway_plan"] is True
    assert "end the open duty" in refused(owed, "lha_closes_its_case", HO).reason
    ended = applied(owed, "end_lha_duty", SO, DUTY_ENDED)
    assert ended.timers_to_close == ("relief_duty",)
    assert ended.recorded_facts["lha_duty"] is None
    closed = step(after(owed, ended, SO), "lha_closes_its_case", HO)
    assert closed.facts["lha_closed"] is True


def test_interim_accommodation_outside_the_district_owes_the_s208_notice() -> None:
    case = planning()
    plan = applied(case, "record_interim_accommodation", HO, OUT_OF_DISTRICT)
    assert timers(plan) == {"s208_notice"}
    assert "host_lha" in recipients(plan)
    inside = applied(
        case, "record_interim_accommodation", HO, {**OUT_OF_DISTRICT, "district": "dartford"}
    )
    assert "s208_notice" not in timers(inside)
    assert "host_lha" not in recipients(inside)
    placed = after(case, plan, HO)
    sent = applied(placed, "record_s208_notice_sent", HO, {"sent_on": "2027-01-12"})
    assert sent.timers_to_close == ("s208_notice",)
    refused(case, "record_s208_notice_sent", HO, {"sent_on": "2027-01-12"})


def test_interim_bed_and_breakfast_needs_the_reason_and_a_manager() -> None:
    payload = {**OUT_OF_DISTRICT, "accommodation": "bed_and_breakfast"}
    refusal = refused(planning(), "record_interim_accommodation", HO, payload)
    field_named(refusal, "bb_exceptional_reason")
    assert "bb_authorised_by" in refusal.reason


# --- the closure gate: every ending --------------------------------------------------------------

ENDINGS: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = {
    "close_at_21": ({"reached_21": True}, None),
    "close_at_25": ({"support_to_25_requested": True, "reached_25": True}, None),
    "close_at_young_persons_request": ({}, REQUEST),
}
BLOCKERS: dict[str, tuple[dict[str, Any], str]] = {
    "looked_after": ({"looked_after": True}, "still looked after"),
    "lha_duty": ({"lha_duty": "relief", "lha_duty_from": "2027-01-01"}, "end_lha_duty"),
    "s208": (
        {
            "emergency_placement": "s188",
            "placement_out_of_district": True,
            "placed_at": "2027-01-11T10:00:00+00:00",
        },
        "s.208 notice",
    ),
}


@pytest.mark.parametrize("ending", sorted(ENDINGS))
@pytest.mark.parametrize("blocker", sorted(BLOCKERS))
def test_no_ending_while_looked_after_an_lha_duty_open_or_s208_owed(
    ending: str, blocker: str
) -> None:
    facts, payload = ENDINGS[ending]
    blocking, words = BLOCKERS[blocker]
    case = with_facts(planning(), **facts, **blocking)
    for role in (PA, TM):
        refusal = refused(case, ending, role, payload)
        assert words in refusal.reason


@pytest.mark.parametrize("ending", sorted(ENDINGS))
def test_each_ending_closes_the_case_and_tells_the_lha_only_when_involved(ending: str) -> None:
    facts, payload = ENDINGS[ending]
    case = with_facts(planning(), **facts)
    plan = applied(case, ending, TM, payload)
    assert plan.ends_case and CARE_LEAVER.steps[plan.to_step].terminal
    assert set(plan.timers_to_close) == set(case.open_timers)
    assert plan.timers_to_open == ()
    assert plan.notifications == ()
    involved = step(case, "refer_to_housing", PA, REFERRAL)
    plan = applied(involved, ending, PA, payload)
    assert recipients(plan) == {"lha"}
    # The blockers gone, the ending passes: the duty ended, the notice given.
    cleared = with_facts(
        involved,
        lha_duty=None,
        emergency_placement="s188",
        placement_out_of_district=True,
        s208_notice_sent_on="2027-01-12",
    )
    applied(cleared, ending, PA, payload)
    refused(case, ending, HO, payload, code="forbidden")


def test_close_at_21_and_25_wait_for_the_birthday() -> None:
    case = planning()
    assert "not reached 21" in refused(case, "close_at_21", PA).reason
    assert "not reached 25" in refused(case, "close_at_25", PA).reason
    to_25 = step(case, "request_support_to_25", PA, {"asked_on": "2027-01-12"})
    reached = step(to_25, "record_pa_support_21_reached", SYSTEM)
    assert "support to 25" in refused(reached, "close_at_21", PA).reason
    plan = applied(step(case, "record_pa_support_21_reached", SYSTEM), "close_at_21", PA)
    assert plan.to_step == "closed_at_21" and plan.outcome == "CL_SUPPORT_ENDED_21"
    ended = step(reached, "record_pa_support_25_reached", SYSTEM)
    assert applied(ended, "close_at_25", TM).to_step == "closed_at_25"


def test_close_at_21_and_25_only_from_transition_planning() -> None:
    early = with_facts(
        opened(opening()), reached_21=True, reached_25=True, support_to_25_requested=True
    )
    refused(early, "close_at_21", PA, code="not_allowed_now")
    refused(early, "close_at_25", PA, code="not_allowed_now")


def test_ending_at_the_young_persons_request_takes_a_rationale_not_kept_as_a_fact() -> None:
    case = planning()
    refusal = refused(
        case, "close_at_young_persons_request", PA, {"asked_on": "2027-01-12"}, code="invalid_input"
    )
    assert refusal.field == "rationale"
    plan = applied(case, "close_at_young_persons_request", PA, REQUEST)
    assert plan.to_step == "closed_at_request" and plan.recorded_facts == {}
    assert applied(opened(opening()), "close_at_young_persons_request", TM, REQUEST).ends_case


def test_a_closed_case_takes_nothing_more() -> None:
    closed = step(planning(), "close_at_young_persons_request", PA, REQUEST)
    assert closed.status == "closed"
    for transition in CARE_LEAVER.transitions:
        for role in transition.roles:
            refusal = attempt(closed, transition.name, role, {})
            assert isinstance(refusal, Refusal) and refusal.code == "case_closed"


# --- support to 25 --------------------------------------------------------------------------------


def test_support_to_25_replaces_the_clock_to_21() -> None:
    case = planning()
    assert "pa_support_21" in case.open_timers
    refused(case, "request_support_to_25", SW, {"asked_on": "2027-01-12"}, code="forbidden")
    plan = applied(case, "request_support_to_25", PA, {"asked_on": "2027-01-12"})
    assert plan.timers_to_close == ("pa_support_21",)
    assert timers(plan) == {"pa_support_25"}
    asked = after(case, plan, PA)
    assert (
        "already" in refused(asked, "request_support_to_25", PA, {"asked_on": "2027-01-12"}).reason
    )


def test_the_birthday_steps_are_the_systems() -> None:
    case = planning()
    plan = applied(case, "record_pa_support_21_reached", SYSTEM)
    assert plan.timers_to_close == ("pa_support_21",)
    assert recipients(plan) == {TELL_PA}
    refused(case, "record_pa_support_21_reached", PA, code="forbidden")
    refused(case, "record_pa_support_25_reached", TM, code="forbidden")


# --- B9: the hand-off to Pathway D ---------------------------------------------------------------


@pytest.mark.parametrize("parent", [False, True])
def test_the_hand_off_payload_is_a_valid_pathway_d_referral(parent: bool) -> None:
    case = planning(has_children=parent, personal_adviser="pa.one")
    risk = {"risk": "refused_offer", "application_made_on": "2027-01-05"}
    plan = applied(case, "hand_off_to_intentionality", HO, risk)
    linked = plan.transition.opens_case
    assert linked is not None and linked.pathway == "intentional-homelessness"
    assert linked.payload is not None
    payload = linked.payload({**case.facts, **plan.recorded_facts}, plan.input)
    assert SEVENTEEN not in str(payload) and NAME not in str(payload)
    carried = {linked.people_as.get(p, p): person(SEVENTEEN) for p in linked.copies_people}
    assert set(carried) == {"applicant"}
    referral = Referral.model_validate({**payload, **carried}, context=LIMITS.context())
    assert referral.care_leaver and referral.trigger == "final_offer_refused"
    assert referral.household_has_children is parent
    assert referral.personal_adviser == "pa.one"
    assert referral.was_eligible_child_when_last_ceased
    assert recipients(plan) == {TELL_PA, "lha"}
    handed = after(case, plan, HO)
    assert "already handed" in refused(handed, "hand_off_to_intentionality", SO, risk).reason
    refused(case, "hand_off_to_intentionality", SW, risk, code="forbidden")


# --- cohort details ------------------------------------------------------------------------------


def test_cohort_details_are_corrected_by_ics_only() -> None:
    case = planning()
    plan = applied(
        case,
        "record_cohort_details",
        TM,
        {"placement_type": "staying_close", "custody_or_yos": True},
    )
    assert plan.recorded_facts["placement_type"] == "staying_close"
    assert plan.recorded_facts["custody_or_yos"] is True
    refused(case, "record_cohort_details", HO, {}, code="forbidden")
    refusal = refused(
        case, "record_cohort_details", SW, {"responsible_authority": "other"}, code="invalid_input"
    )
    assert refusal.field == "corporate_parent"


# --- a second move, a second placement


def test_an_agreed_move_recorded_while_another_waits_orphans_no_clock() -> None:
    pending = step(planning(), "record_planned_move", PA, {"planned_move_on": "2027-03-01"})
    outcome = attempt(pending, "record_planned_move", PA, _move(40))
    if isinstance(outcome, Refusal):
        return  # refusing it until the waiting move is agreed is one fix
    moved = after(pending, outcome, PA)
    assert "move_agreement" not in moved.open_timers or moved.facts.get("planned_move_on")


def test_a_second_out_of_district_placement_owes_its_own_s208_notice() -> None:
    placed = step(planning(), "record_interim_accommodation", HO, OUT_OF_DISTRICT)
    sent = step(placed, "record_s208_notice_sent", HO, {"sent_on": "2027-01-12"})
    second = {**OUT_OF_DISTRICT, "district": "swale", "placed_at": "2027-01-12T11:00:00+00:00"}
    moved = step(sent, "record_interim_accommodation", HO, second)
    assert "s208_notice" in moved.open_timers
    assert "s.208" in refused(moved, "close_at_young_persons_request", PA, REQUEST).reason
    applied(moved, "record_s208_notice_sent", HO, {"sent_on": "2027-01-12"})
