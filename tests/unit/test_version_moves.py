"""The declared move of a running 16/17 case from pathway 1.0 to 1.1 (issue #9), pure: what
maps to what, what each refusal says, the closure agreement that is dropped and the review
timers that start, and (hypothesis) that every plan lands on steps and timers 1.1 has."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathways.definitions import get_definition
from pathways.definitions.youth_1617_gates import closure_gate
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import decide
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.version_moves import (
    OPEN_STEPS_1_0,
    TIMERS_1_0,
    YOUTH_1617_1_0_TO_1_1,
    MovePlan,
    plan_move,
)

PATHWAY = "youth-1617-intake"
V1_0 = get_definition(PATHWAY, "1.0")
V1_1 = get_definition(PATHWAY, "1.1")
POLICY: dict[str, Any] = {
    "closure_agreement": "both_agencies",
    "parent_consent_required": True,
    "reviews_start": "case_opened",
}
CONSENTED = {"young_person_consent_given": True, "parent_consent_given": True}
PACKAGE_TIMERS = frozenset({"weekly_home_meeting", "weekly_case_review"})


def snapshot(
    state: str = "support_package",
    facts: dict[str, Any] | None = None,
    timers: frozenset[str] = PACKAGE_TIMERS,
    status: str = "open",
) -> CaseSnapshot:
    return CaseSnapshot(state, status, {**CONSENTED, **(facts or {})}, timers)


def plan(
    case: CaseSnapshot,
    *,
    policy: dict[str, Any] | None = None,
    version: str = "1.0",
    to_version: str | None = None,
    pending: int = 0,
) -> MovePlan | Refusal:
    return plan_move(
        PATHWAY,
        version,
        case,
        authority="dartford",
        case_policy=policy or POLICY,
        to_version=to_version,
        pending_events=pending,
    )


def moved(case: CaseSnapshot, **options: Any) -> MovePlan:
    result = plan(case, **options)
    assert isinstance(result, MovePlan), result
    return result


def refused(case: CaseSnapshot, **options: Any) -> Refusal:
    result = plan(case, **options)
    assert isinstance(result, Refusal), result
    return result


def test_every_open_1_0_step_and_timer_has_the_same_name_in_1_1() -> None:
    open_steps = {name for name, step in V1_0.steps.items() if not step.terminal}
    assert set(OPEN_STEPS_1_0) == open_steps
    assert set(YOUTH_1617_1_0_TO_1_1.steps) == open_steps
    for old, new in YOUTH_1617_1_0_TO_1_1.steps.items():
        assert old == new and new in V1_1.steps and not V1_1.steps[new].terminal
    assert set(V1_0.timers) == TIMERS_1_0 == YOUTH_1617_1_0_TO_1_1.timers
    assert set(V1_1.timers) >= TIMERS_1_0


def test_a_closed_case_is_refused() -> None:
    refusal = refused(snapshot(state="closed", status="closed"))
    assert refusal.code == "case_closed"
    assert "closed case keeps its version" in refusal.reason


@pytest.mark.parametrize("to_version", [None, "1.1"])
def test_a_case_already_on_1_1_is_refused(to_version: str | None) -> None:
    refusal = refused(snapshot(), version="1.1", to_version=to_version)
    assert refusal.code == "refused"
    assert "already on youth-1617-intake 1.1" in refusal.reason


@pytest.mark.parametrize(
    ("pathway", "version", "to_version"),
    [
        (PATHWAY, "1.0", "2.0"),
        (PATHWAY, "0.9", None),
        ("care-leaver-transition", "0.1", "2.0"),
    ],
)
def test_an_unknown_pair_of_versions_is_refused_naming_the_field(
    pathway: str, version: str, to_version: str | None
) -> None:
    result = plan_move(
        pathway,
        version,
        snapshot(),
        authority="dartford",
        case_policy=POLICY,
        to_version=to_version,
    )
    assert isinstance(result, Refusal)
    assert (result.code, result.field) == ("invalid_input", "to")
    assert result.reason.startswith("to: no declared move")
    assert "youth-1617-intake@1.0 -> 1.1" in result.reason


def test_a_step_with_no_mapping_is_refused() -> None:
    refusal = refused(snapshot(state="returned_home"))
    assert refusal.code == "refused"
    assert "step 'returned_home' has no declared place" in refusal.reason


def test_a_timer_with_no_mapping_is_refused() -> None:
    refusal = refused(snapshot(timers=frozenset({"joint_visit", "bb_stay"})))
    assert "bb_stay" in refusal.reason and "joint_visit" not in refusal.reason


def test_a_case_with_a_step_still_being_applied_is_refused() -> None:
    refusal = refused(snapshot(), pending=1)
    assert refusal.code == "not_allowed_now"
    assert "not been applied yet" in refusal.reason


def test_the_team_agreement_is_dropped_and_both_managers_must_agree_again() -> None:
    agreed = {
        "family_asked_to_stop": True,
        "young_person_asked_to_stop": True,
        "team_agreed_closure": True,
    }
    move = moved(snapshot(facts=agreed))
    assert move.facts_to_remove == ("team_agreed_closure",)
    after = move.facts_after(snapshot(facts=agreed).facts)
    assert "team_agreed_closure" not in after
    assert after["family_asked_to_stop"] and after["young_person_asked_to_stop"]
    assert any("must agree again under 1.1" in note for note in move.notes)
    gate = closure_gate(after, None)
    assert gate is not None
    assert "an LHA manager agreeing to close" in gate
    assert "a children's services manager agreeing to close" in gate
    assert "family" not in gate.split("still missing:")[1]


def test_close_case_on_the_moved_case_needs_both_managers() -> None:
    facts = {
        "family_asked_to_stop": True,
        "young_person_asked_to_stop": True,
        "team_agreed_closure": True,
    }
    case = snapshot(facts=facts)
    move = moved(case)
    after = CaseSnapshot(move.to_step, "open", move.facts_after(case.facts), case.open_timers)
    social_worker = Actor("sw.tester", "ics-social-worker")
    refusal = decide(V1_1, after, "close_case", social_worker, {})
    assert isinstance(refusal, Refusal)
    assert "an LHA manager agreeing to close" in refusal.reason
    both = {**after.facts, "lha_manager_agreed_closure": True, "ics_manager_agreed_closure": True}
    closing = decide(
        V1_1, CaseSnapshot("support_package", "open", both), "close_case", social_worker, {}
    )
    assert not isinstance(closing, Refusal), closing
    assert closing.outcome == "O2"


def test_a_team_agreement_never_given_is_dropped_without_a_note() -> None:
    move = moved(snapshot(facts={"team_agreed_closure": False}))
    assert move.facts_to_remove == ("team_agreed_closure",)
    assert not any("agree again" in note for note in move.notes)


def test_the_authority_and_its_policy_are_recorded_and_support_domains_stay() -> None:
    case = snapshot(facts={"caf_plan": "plan", "support_domains": ["housing"]})
    move = moved(case)
    assert move.facts_to_set["authority"] == "dartford"
    assert move.facts_to_set["case_policy"] == POLICY
    assert "support_domains" not in move.facts_to_set
    assert move.facts_to_remove == ()
    assert move.facts_after(case.facts)["support_domains"] == ["housing"]
    assert any("support domains stay on the case as history" in note for note in move.notes)
    assert "stress_areas" not in move.facts_to_set


def test_review_timers_start_from_the_move_when_reviews_run_from_case_opening() -> None:
    move = moved(snapshot(state="awaiting_joint_visit", timers=frozenset({"joint_visit"})))
    assert move.timers_to_open == ("weekly_case_review", "monthly_stakeholder_review")
    assert move.timers_kept == ("joint_visit",)
    assert any("case opening" in note and "started from this move" in note for note in move.notes)


def test_review_timers_already_running_are_kept_not_started_again() -> None:
    running = frozenset({"weekly_home_meeting", "weekly_case_review", "monthly_stakeholder_review"})
    move = moved(snapshot(timers=running))
    assert move.timers_to_open == ()
    assert set(move.timers_kept) == running


def test_review_timers_wait_for_the_plan_when_the_policy_says_so() -> None:
    policy = {**POLICY, "reviews_start": "caf_plan_agreed"}
    move = moved(snapshot(state="caf_plan", timers=frozenset()), policy=policy)
    assert move.timers_to_open == ()
    assert not any("reviews run" in note for note in move.notes)


def test_contact_goes_on_beside_an_assessment_of_a_case_with_a_plan() -> None:
    case = snapshot(
        state="assessment",
        facts={"caf_plan": "plan", "escalated_to_assessment": True},
        timers=frozenset({"referral_decision", "cf_assessment"}),
    )
    move = moved(case, policy={**POLICY, "reviews_start": "caf_plan_agreed"})
    assert set(move.timers_to_open) == {
        "weekly_case_review",
        "monthly_stakeholder_review",
        "weekly_home_meeting",
    }
    assert any("beside the assessment" in note for note in move.notes)


def test_a_placement_under_s188_is_homeless_as_1_1_records_it() -> None:
    move = moved(
        snapshot(
            state="awaiting_joint_visit",
            facts={"emergency_placement": "s188", "placed_at": "2026-12-21T20:00:00+00:00"},
            timers=frozenset({"joint_visit"}),
        )
    )
    assert move.facts_to_set["homeless"] is True
    assert "placement_district" not in move.facts_to_set
    assert any("no notice timer is started" in note for note in move.notes)


def test_missing_consent_is_named_in_the_notes() -> None:
    case = CaseSnapshot("caf_plan", "open", {"young_person_consent_given": True})
    move = moved(case)
    assert any("the parent's consent (not given)" in note for note in move.notes)


OPTIONAL_FACTS = st.fixed_dictionaries(
    {},
    optional={
        "team_agreed_closure": st.booleans(),
        "family_asked_to_stop": st.booleans(),
        "caf_plan": st.just("plan"),
        "support_domains": st.just(["housing"]),
        "emergency_placement": st.sampled_from(["s20", "s188"]),
        "joint_visit_outcome": st.sampled_from(["support_package_needed", "stays_accommodated"]),
        "looked_after": st.booleans(),
        "young_person_consent_given": st.booleans(),
        "parent_consent_given": st.booleans(),
    },
)


@given(
    state=st.sampled_from(OPEN_STEPS_1_0),
    facts=OPTIONAL_FACTS,
    timers=st.frozensets(st.sampled_from(sorted(TIMERS_1_0))),
    reviews_start=st.sampled_from(["case_opened", "caf_plan_agreed"]),
)
def test_every_plan_lands_on_what_1_1_has(
    state: str, facts: dict[str, Any], timers: frozenset[str], reviews_start: str
) -> None:
    policy = {**POLICY, "reviews_start": reviews_start}
    move = moved(CaseSnapshot(state, "open", facts, timers), policy=policy)
    assert move.to_step in V1_1.steps and not V1_1.steps[move.to_step].terminal
    assert set(move.timers_kept) == timers
    assert not set(move.timers_to_open) & timers
    assert set(move.timers_to_open) <= set(V1_1.timers)
    after = move.facts_after(facts)
    assert "team_agreed_closure" not in after
    assert after["authority"] == "dartford" and after["case_policy"] == policy
    for key, value in facts.items():
        if key != "team_agreed_closure":
            assert key in after
            assert after[key] == value or key == "emergency_placement_ended"
    if reviews_start == "case_opened":
        assert {"weekly_case_review", "monthly_stakeholder_review"} <= timers | set(
            move.timers_to_open
        )
    assert move.notes[0].startswith("youth-1617-intake 1.0 -> 1.1")


def test_where_one_agency_agrees_the_note_asks_for_one_manager() -> None:
    policy = {**POLICY, "closure_agreement": "one_agency"}
    move = moved(snapshot(facts={"team_agreed_closure": True}), policy=policy)
    note = next(note for note in move.notes if "agree again" in note)
    assert "a manager of the agency still involved must agree again" in note
    assert "lha_manager_agrees_closure" not in note


def test_an_s20_stay_ended_by_the_visit_is_recorded_as_ended_as_1_1_would() -> None:
    home = {"emergency_placement": "s20", "joint_visit_outcome": "support_package_needed"}
    move = moved(snapshot(facts=home))
    assert move.facts_to_set["emergency_placement_ended"] is True
    looked_after = moved(snapshot(facts={**home, "looked_after": True}))
    assert "emergency_placement_ended" not in looked_after.facts_to_set
    assert any("approve_ceasing_to_look_after" in note for note in looked_after.notes)
