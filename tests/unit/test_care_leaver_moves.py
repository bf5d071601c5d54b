"""The declared moves of a running care-leaver case from the 0.1 and 0.2 skeletons to 1.0
(issue #12), pure: what maps to what, the facts 1.0's opening would have derived, the birthday
clocks that start (the planner never sees the date of birth), the clocks a former relevant
child's case closes, the notes a worker acts on, and (hypothesis) that every plan lands on what
1.0 has."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathways import version_moves
from pathways.definitions import get_definition
from pathways.engine.snapshot import CaseSnapshot
from pathways.refusal import Refusal
from pathways.version_moves import (
    CARE_LEAVER_0_1_TO_1_0,
    CARE_LEAVER_0_2_TO_1_0,
    CLOSABLE_0_X,
    OPEN_STEPS_0_X,
    TIMERS_0_X,
    FactChanges,
    MovePlan,
    plan_move,
)

PATHWAY = "care-leaver-transition"
V1_0 = get_definition(PATHWAY, "1.0")
POLICY: dict[str, Any] = {
    "closure_agreement": "both_agencies",
    "care_leaver_local_connection": "while_s23c_duty",
}
OPENED_0_2 = frozenset({"needs_assessment", "pre18_panel"})
STATUSES = ("looked_after_s20", "eligible_child", "relevant_child", "former_relevant_child")


def facts_0_1(status: str = "looked_after_s20") -> dict[str, Any]:
    return {"legal_status": status}


def facts_0_2(
    status: str = "looked_after_s20", counted_from: str = "16th_birthday"
) -> dict[str, Any]:
    return {
        "authority": "dartford",
        "case_policy": {"closure_agreement": "both_agencies"},
        "legal_status": status,
        "needs_assessment_from": counted_from,
    }


def plan(
    version: str,
    facts: dict[str, Any],
    *,
    state: str = "needs_assessment",
    timers: frozenset[str] = OPENED_0_2,
    to_version: str | None = None,
) -> MovePlan | Refusal:
    return plan_move(
        PATHWAY,
        version,
        CaseSnapshot(state, "open", facts, timers),
        authority="dartford",
        case_policy=POLICY,
        to_version=to_version,
    )


def moved(version: str, facts: dict[str, Any], **options: Any) -> MovePlan:
    result = plan(version, facts, **options)
    assert isinstance(result, MovePlan), result
    return result


def test_every_0_x_step_and_timer_has_its_place_in_1_0() -> None:
    for move, version in ((CARE_LEAVER_0_1_TO_1_0, "0.1"), (CARE_LEAVER_0_2_TO_1_0, "0.2")):
        old = get_definition(PATHWAY, version)
        assert set(move.steps) == set(OPEN_STEPS_0_X) == set(old.steps)
        for step, to in move.steps.items():
            assert step == to and to in V1_0.steps and not V1_0.steps[to].terminal
        assert set(old.timers) <= TIMERS_0_X == move.timers
        assert move.timers <= set(V1_0.timers)
        assert move.closes == CLOSABLE_0_X <= move.timers


def test_a_0_1_case_gets_what_1_0_derives_and_is_told_what_it_must_record() -> None:
    move = moved("0.1", facts_0_1())
    assert (move.from_version, move.to_version, move.to_step) == ("0.1", "1.0", "needs_assessment")
    assert move.basis.startswith("issue #12")
    assert dict(move.facts_to_set) == {
        "authority": "dartford",
        "case_policy": POLICY,
        "looked_after": True,
        "under_18_at_opening": True,
        "legal_basis": "s20",
        "needs_assessment_from": "16th_birthday",
    }
    assert move.facts_to_remove == ()
    assert move.timers_kept == ("needs_assessment", "pre18_panel")
    assert move.timers_to_open == ("accommodation_plan_by_18", "turns_18", "pa_support_21")
    assert move.timers_to_close == ()
    assert move.notes[0] == (
        "care-leaver-transition 0.1 -> 1.0: step 'needs_assessment' is the same step in 1.0"
    )
    assert any(
        "0.1 counted the needs assessment from the 16th birthday only" in n for n in move.notes
    )
    cohort = next(n for n in move.notes if n.startswith("1.0 expects facts 0.x did not record"))
    for field in (
        "responsible_authority",
        "personal_adviser",
        "independent_reviewing_officer",
        "placement_type",
        "custody_or_yos",
        "pregnant",
        "has_children",
        "consent_to_share_with_lha",
    ):
        assert field in cohort
    assert cohort.endswith("record them with record_cohort_details")


def test_the_new_steps_are_named_by_their_titles() -> None:
    note = next(n for n in moved("0.2", facts_0_2()).notes if n.startswith("steps 1.0 adds"))
    for name in ("transition_planning", "closed_at_21", "closed_at_25", "closed_at_request"):
        assert V1_0.steps[name].title in note
    assert "B1 Needs assessment" not in note
    assert "Support ended at 21 (an ending)" in note


def test_a_0_2_case_has_no_0_1_clock_warning_and_keeps_its_policy() -> None:
    running = frozenset({"needs_assessment_after_eligibility", "pre18_panel"})
    move = moved("0.2", facts_0_2(counted_from="becoming_eligible"), timers=running)
    assert not any("0.1 counted" in note for note in move.notes)
    assert "needs_assessment_from" not in move.facts_to_set
    # The policy it opened under stays; the choice added since is the authority's now.
    assert move.facts_to_set["case_policy"] == POLICY
    assert any("keeps the policy it opened under" in note for note in move.notes)
    assert move.timers_kept == ("needs_assessment_after_eligibility", "pre18_panel")


def test_a_recorded_policy_choice_is_not_overwritten_by_the_authority_s_current_one() -> None:
    facts = {**facts_0_2(), "case_policy": {"care_leaver_local_connection": "seed_no_age_limit"}}
    move = moved("0.2", facts)
    assert move.facts_to_set["case_policy"] == {
        "care_leaver_local_connection": "seed_no_age_limit",
        "closure_agreement": "both_agencies",
    }


def test_an_eligible_child_s_legal_basis_is_not_guessed() -> None:
    move = moved("0.2", facts_0_2("eligible_child"))
    assert "legal_basis" not in move.facts_to_set
    assert move.facts_to_set["looked_after"] is True
    assert any("s.20 or a care order" in note for note in move.notes)


def test_a_relevant_child_has_left_care_and_still_gets_the_clocks_before_18() -> None:
    move = moved("0.1", facts_0_1("relevant_child"), timers=frozenset({"needs_assessment"}))
    assert move.facts_to_set["looked_after"] is False
    assert move.facts_to_set["legal_basis"] == "left_care"
    assert move.facts_to_set["under_18_at_opening"] is True
    assert move.timers_to_open == ("accommodation_plan_by_18", "turns_18", "pa_support_21")
    # Left care, so eligible before: 0.1's birthday clock was the right one.
    assert not any("0.1 counted" in note for note in move.notes)


@pytest.mark.parametrize("version", ["0.1", "0.2"])
def test_a_former_relevant_child_s_pre_18_clocks_are_closed(version: str) -> None:
    opening = facts_0_1 if version == "0.1" else facts_0_2
    facts = opening("former_relevant_child")
    move = moved(version, facts)
    assert move.timers_to_close == ("needs_assessment", "pre18_panel")
    assert move.timers_kept == ()
    assert move.timers_to_open == ("pa_support_21",)
    assert move.facts_to_set["under_18_at_opening"] is False
    assert move.facts_to_set["needs_assessment_from"] == "assessed_before_18"
    assert any("owes them no pre-18 panel" in note for note in move.notes)
    after = move.facts_after(facts)
    for name in ("pre18_panel", "accommodation_plan_by_18", "needs_assessment"):
        test = V1_0.timers[name].opens_when
        assert test is not None and not test(after), name


def test_a_case_on_1_0_is_refused_and_an_undeclared_target_names_to() -> None:
    already = plan("1.0", facts_0_2())
    assert isinstance(already, Refusal) and already.code == "refused"
    assert "already on care-leaver-transition 1.0" in already.reason
    unknown = plan("0.2", facts_0_2(), to_version="2.0")
    assert isinstance(unknown, Refusal) and (unknown.code, unknown.field) == ("invalid_input", "to")
    assert "to: no declared move care-leaver-transition@0.2 -> 2.0" in unknown.reason
    assert "care-leaver-transition@0.1 -> 1.0" in unknown.reason


def test_a_step_or_timer_with_no_place_is_refused() -> None:
    closed = plan("0.2", facts_0_2(), state="nowhere")
    assert isinstance(closed, Refusal)
    assert "step 'nowhere' has no declared place in care-leaver-transition 1.0" in closed.reason
    stray = plan("0.2", facts_0_2(), timers=frozenset({"pre18_panel", "stray"}))
    assert isinstance(stray, Refusal) and "timer(s) stray have no declared place" in stray.reason


def test_a_timer_declared_closable_with_no_place_is_closed_whenever_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    move = replace(
        CARE_LEAVER_0_2_TO_1_0,
        timers=frozenset({"needs_assessment"}),
        closes=frozenset({"pre18_panel"}),
    )
    monkeypatch.setitem(version_moves.MOVES, move.key, move)
    result = moved("0.2", facts_0_2())
    assert (result.timers_kept, result.timers_to_close) == (("needs_assessment",), ("pre18_panel",))
    assert "timers with no place in 1.0, closed by this move: pre18_panel" in result.notes


def test_a_move_closing_a_timer_it_does_not_declare_is_a_programming_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def closes_undeclared(*_: Any) -> FactChanges:
        return FactChanges({}, (), (), (), timers_to_close=("needs_assessment_after_eligibility",))

    move = replace(CARE_LEAVER_0_2_TO_1_0, changes=closes_undeclared)
    monkeypatch.setitem(version_moves.MOVES, move.key, move)
    with pytest.raises(ValueError, match="closes timers it does not declare"):
        plan("0.2", facts_0_2())


@given(
    version=st.sampled_from(["0.1", "0.2"]),
    state=st.sampled_from(OPEN_STEPS_0_X),
    status=st.sampled_from(STATUSES),
    timers=st.frozensets(st.sampled_from(sorted(TIMERS_0_X))),
    extra=st.fixed_dictionaries(
        {},
        optional={
            "support_to_25_requested": st.booleans(),
            "eligible_child_on": st.just("2026-10-31"),
        },
    ),
)
def test_every_plan_lands_on_what_1_0_has(
    version: str, state: str, status: str, timers: frozenset[str], extra: dict[str, Any]
) -> None:
    facts = {**(facts_0_1(status) if version == "0.1" else facts_0_2(status)), **extra}
    move = moved(version, facts, state=state, timers=timers)
    assert move.to_step == state and not V1_0.steps[move.to_step].terminal
    assert set(move.timers_kept) | set(move.timers_to_close) == timers
    assert not set(move.timers_kept) & set(move.timers_to_close)
    assert set(move.timers_to_close) <= CLOSABLE_0_X
    assert not set(move.timers_to_open) & timers
    assert set(move.timers_to_open) | set(move.timers_kept) <= set(V1_0.timers)
    after = move.facts_after(facts)
    assert after["authority"] == "dartford"
    assert after["looked_after"] is (status in {"looked_after_s20", "eligible_child"})
    # A clock 1.0 would not open for the case is never started by the move.
    for name in move.timers_to_open:
        test = V1_0.timers[name].opens_when
        assert test is None or test(after), name
    if status == "former_relevant_child":
        assert not {"pre18_panel", "needs_assessment"} & set(move.timers_kept)
    assert move.notes[0].startswith(f"care-leaver-transition {version} -> 1.0")
