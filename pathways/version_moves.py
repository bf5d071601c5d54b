"""Moving a running case onto a newer version of its pathway, along a declared move only.

A case keeps the version it started on. The one way it changes is a move declared here: which
step becomes which, which facts change and why, which timers start. Today there is one,
``youth-1617-intake`` 1.0 to 1.1 (issue #9: 1.1 corrects 1.0's routes). Pure: the application
layer reads the case, passes what it needs (the authority's policy as of the move, too) and
writes the plan; the notes say, in words a worker can act on, what changed for this case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pathways.case_policy import POLICY
from pathways.definitions import youth_1617_gates as gates_1_1
from pathways.engine.snapshot import CaseSnapshot
from pathways.refusal import Refusal

Facts = Mapping[str, Any]


@dataclass(frozen=True)
class MovePlan:
    """What a move does to one case; ``notes`` are what a worker on it needs to know."""

    pathway: str
    from_version: str
    to_version: str
    basis: str
    from_step: str
    to_step: str
    facts_to_set: Mapping[str, Any]
    facts_to_remove: tuple[str, ...]
    timers_kept: tuple[str, ...]
    timers_to_open: tuple[str, ...]
    notes: tuple[str, ...]

    def facts_after(self, facts: Facts) -> dict[str, Any]:
        kept = {key: value for key, value in facts.items() if key not in self.facts_to_remove}
        return {**kept, **self.facts_to_set}


@dataclass(frozen=True)
class FactChanges:
    """The pathway-specific part of a move: facts set and removed, timers to start, notes."""

    to_set: Mapping[str, Any]
    to_remove: tuple[str, ...]
    timers_to_open: tuple[str, ...]
    notes: tuple[str, ...]


Changes = Callable[[CaseSnapshot, str, str, Mapping[str, Any]], FactChanges]
"""(the case as it stands, its step after the move, its authority, that authority's policy as
of the move) -> the changes."""


@dataclass(frozen=True)
class VersionMove:
    pathway: str
    from_version: str
    to_version: str
    basis: str
    steps: Mapping[str, str]
    """Each open step of the old version and the step it is in the new one."""
    timers: frozenset[str]
    """The old version's timers that run on unchanged, under the same name, in the new one."""
    changes: Changes

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.pathway, self.from_version, self.to_version)


# --- youth-1617-intake 1.0 -> 1.1 ---------------------------------------------------------------

YOUTH_1617: Final = "youth-1617-intake"
OPEN_STEPS_1_0: Final = (
    "new_enquiry",
    "safety_triage",
    "emergency_accommodation",
    "accommodated_s20",
    "looked_after",
    "awaiting_joint_visit",
    "caf_plan",
    "support_package",
    "assessment",
    "assessment_outcome",
)
TIMERS_1_0: Final = frozenset(
    {
        "joint_visit",
        "emergency_accommodation",
        "looked_after_24h",
        "weekly_home_meeting",
        "weekly_case_review",
        "monthly_stakeholder_review",
        "referral_decision",
        "cf_assessment",
        "prevention_duty",
    }
)
REVIEW_TIMERS: Final = ("weekly_case_review", "monthly_stakeholder_review")
# 1.0 stopped the weekly home meetings at the assessment; 1.1 keeps them going beside it.
ASSESSMENT_STEPS: Final = frozenset({"assessment", "assessment_outcome"})
TEAM_AGREED_1_0: Final = "team_agreed_closure"


POLICY_LABELS: Final = {
    "closure_agreement": "closure agreed by",
    "parent_consent_required": "consent needed",
    "reviews_start": "reviews start",
}


def _policy_note(authority: str, policy: Mapping[str, Any]) -> str:
    settings = "; ".join(
        f"{label}: {POLICY[key].meanings.get(str(policy[key]), str(policy[key]))}"
        for key, label in POLICY_LABELS.items()
        if key in policy
    )
    return f"authority '{authority}' and its case policy recorded as of this move ({settings})"


def _closure_notes(facts: Facts, policy: Mapping[str, Any]) -> list[str]:
    if not facts.get(TEAM_AGREED_1_0):
        return []
    if policy.get("closure_agreement", "both_agencies") == "one_agency":
        who = "a manager of the agency still involved"
    else:
        who = (
            "an LHA manager (lha_manager_agrees_closure) and a children's services manager "
            "(ics_manager_agrees_closure)"
        )
    return [
        "1.0's single 'team agrees to close' does not meet 1.1's gate and is dropped: "
        f"{who} must agree again under 1.1"
    ]


def _placement(facts: Facts) -> tuple[dict[str, Any], list[str]]:
    """What 1.1 derives from the placement 1.0 recorded, by 1.1's own rule; nothing new."""
    derived: dict[str, Any] = {}
    notes: list[str] = []
    if facts.get("emergency_placement") == "s188" and not facts.get("homeless"):
        derived["homeless"] = True
        notes.append(
            "placed under s.188, so homeless as 1.1 records it (errata 12): the LHA owes the "
            "relief duty, not prevention, and the young person may be referred for an "
            "assessment at once"
        )
    if facts.get("emergency_placement") and "placement_district" not in facts:
        notes.append(
            "1.0 recorded no placement district, so 1.1 cannot tell whether an s.208 notice "
            "is due: no notice timer is started; check where the placement is"
        )
    went_home = facts.get("joint_visit_outcome") == "support_package_needed"
    if (
        facts.get("emergency_placement") == "s20"
        and not facts.get("emergency_placement_ended")
        and went_home
        and not facts.get("looked_after")
    ):
        derived["emergency_placement_ended"] = True
        notes.append(
            "the joint visit sent the young person home with a package, which ends the s.20 "
            "accommodation in 1.1: recorded as ended"
        )
    if facts.get("looked_after") and went_home:
        notes.append(
            "1.0 let the young person leave looked-after status without the director's "
            "approval: 1.1 counts them looked after until the director (or nominee) records "
            "approve_ceasing_to_look_after (reg.39(5)); only children's services may close"
        )
    return derived, notes


def _timers_to_start(
    snapshot: CaseSnapshot, step: str, facts_after: Facts, policy: Mapping[str, Any]
) -> tuple[tuple[str, ...], list[str]]:
    opened: list[str] = []
    notes: list[str] = []
    reviews = [name for name in REVIEW_TIMERS if name not in snapshot.open_timers]
    if reviews and gates_1_1.reviews_start_at_the_plan(facts_after):
        opened += reviews
        since = (
            "case opening (the authority's policy; spec T05, T06)"
            if policy.get("reviews_start", "case_opened") == "case_opened"
            else "the CAF plan, and go on beside an assessment"
        )
        notes.append(
            f"reviews run from {since} in 1.1: started from this move: {', '.join(reviews)}"
        )
    meeting = "weekly_home_meeting"
    if (
        step in ASSESSMENT_STEPS
        and "caf_plan" in facts_after
        and meeting not in snapshot.open_timers
    ):
        opened.append(meeting)
        notes.append(
            "weekly home meetings go on beside the assessment in 1.1 (seed 000 'consistent "
            f"contact'): started from this move: {meeting}"
        )
    return tuple(opened), notes


def _other_notes(snapshot: CaseSnapshot, facts_after: Facts) -> list[str]:
    notes: list[str] = []
    if "support_domains" in facts_after:
        notes.append(
            "1.0's support domains stay on the case as history; a CAF plan agreed under 1.1 "
            "records its stress areas"
        )
    if "prevention_duty" in snapshot.open_timers:
        notes.append("the LHA prevention duty runs on; in 1.1 it is ended with 'end_lha_duty'")
    missing = gates_1_1.missing_consents(facts_after)
    if missing:
        notes.append(
            "1.1 refuses a CAF plan or an s.17 assessment without consent; missing now: "
            + " and ".join(missing)
        )
    return notes


def youth_1617_changes(
    snapshot: CaseSnapshot, step: str, authority: str, policy: Mapping[str, Any]
) -> FactChanges:
    """1.1 records the authority and its policy at opening; a moved case gets them now."""
    facts = snapshot.facts
    derived, placement_notes = _placement(facts)
    to_remove = (TEAM_AGREED_1_0,) if TEAM_AGREED_1_0 in facts else ()
    to_set: dict[str, Any] = {
        "authority": authority,
        "case_policy": dict(policy),
        **derived,
    }
    after = {
        **{key: value for key, value in facts.items() if key not in to_remove},
        **to_set,
    }
    timers, timer_notes = _timers_to_start(snapshot, step, after, policy)
    notes = [
        _policy_note(authority, policy),
        *_closure_notes(facts, policy),
        *placement_notes,
        *timer_notes,
        *_other_notes(snapshot, after),
    ]
    return FactChanges(to_set, to_remove, timers, tuple(notes))


YOUTH_1617_1_0_TO_1_1: Final = VersionMove(
    pathway=YOUTH_1617,
    from_version="1.0",
    to_version="1.1",
    basis="issue #9: pathway 1.1 corrects 1.0's routes",
    steps={step: step for step in OPEN_STEPS_1_0},
    timers=TIMERS_1_0,
    changes=youth_1617_changes,
)

MOVES: Final[Mapping[tuple[str, str, str], VersionMove]] = {
    move.key: move for move in (YOUTH_1617_1_0_TO_1_1,)
}


# --- planning a move ---------------------------------------------------------------------------


def moves_from(pathway: str, version: str) -> list[VersionMove]:
    return [move for move in MOVES.values() if move.key[:2] == (pathway, version)]


def _declared() -> str:
    return ", ".join(f"{p}@{a} -> {b}" for p, a, b in MOVES) or "none"


def find_move(pathway: str, version: str, to_version: str | None) -> VersionMove | Refusal:
    """The declared move from the case's version (to ``to_version``, else the only one)."""
    if to_version == version:
        return Refusal("refused", f"to: the case is already on {pathway} {version}", "to")
    if to_version is None:
        found = moves_from(pathway, version)
        if len(found) == 1:
            return found[0]
        if any(key[0] == pathway and key[2] == version for key in MOVES):
            return Refusal(
                "refused", f"the case is already on {pathway} {version}: nothing to move", "to"
            )
        if found:
            versions = ", ".join(move.to_version for move in found)
            return Refusal("invalid_input", f"to: say which version ({versions})", "to")
    move = MOVES.get((pathway, version, to_version or ""))
    if move is None:
        wanted = f"{pathway}@{version} -> {to_version or '(none declared)'}"
        return Refusal(
            "invalid_input", f"to: no declared move {wanted} (declared: {_declared()})", "to"
        )
    return move


def plan_move(
    pathway: str,
    version: str,
    snapshot: CaseSnapshot,
    *,
    authority: str,
    case_policy: Mapping[str, Any],
    to_version: str | None = None,
    pending_events: int = 0,
) -> MovePlan | Refusal:
    """The plan for moving one case, or why it cannot move now.

    ``authority`` and ``case_policy`` are the case's authority and that authority's policy
    as of the move (a moved case did not record them at opening, as 1.1 cases do)."""
    if snapshot.status != "open":
        return Refusal("case_closed", "the case is closed: a closed case keeps its version")
    move = find_move(pathway, version, to_version)
    if isinstance(move, Refusal):
        return move
    if pending_events:
        return Refusal(
            "not_allowed_now",
            f"a step recorded on the case has not been applied yet ({pending_events} pending): "
            "move it once its pathway run has finished",
        )
    step = move.steps.get(snapshot.state)
    if step is None:
        return Refusal(
            "refused",
            f"step '{snapshot.state}' has no declared place in {move.pathway} "
            f"{move.to_version}: the case cannot be moved",
        )
    unmapped = sorted(snapshot.open_timers - move.timers)
    if unmapped:
        return Refusal(
            "refused",
            f"timer(s) {', '.join(unmapped)} have no declared place in {move.pathway} "
            f"{move.to_version}: the case cannot be moved",
        )
    changes = move.changes(snapshot, step, authority, case_policy)
    same = "the same step" if step == snapshot.state else f"step '{step}'"
    notes = (
        f"{move.pathway} {move.from_version} -> {move.to_version}: step '{snapshot.state}' is "
        f"{same} in {move.to_version}",
        *changes.notes,
    )
    if snapshot.open_timers:
        notes += (f"timers running on: {', '.join(sorted(snapshot.open_timers))}",)
    return MovePlan(
        pathway=move.pathway,
        from_version=move.from_version,
        to_version=move.to_version,
        basis=move.basis,
        from_step=snapshot.state,
        to_step=step,
        facts_to_set=changes.to_set,
        facts_to_remove=changes.to_remove,
        timers_kept=tuple(sorted(snapshot.open_timers)),
        timers_to_open=changes.timers_to_open,
        notes=notes,
    )
