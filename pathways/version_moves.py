"""Moving a running case onto a newer version of its pathway, along a declared move only.

A case keeps the version it started on. The one way it changes is a move declared here: which
step becomes which, which facts change and why, which timers start and which close. Today:
``youth-1617-intake`` 1.0 to 1.1 (issue #9: 1.1 corrects 1.0's routes), and
``care-leaver-transition`` 0.1 and 0.2 to 1.0 (issue #12: 1.0 completes the skeleton). Pure: the
application layer reads the case, passes what it needs (the authority's policy as of the move,
too) and writes the plan, counting a birthday clock from the person's row, since the planner
never sees a date of birth; the notes say, in words a worker can act on, what changed for this
case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from pathways.case_policy import POLICY
from pathways.definitions import care_leaver_gates, care_leaver_v0, get_definition
from pathways.definitions import youth_1617_gates as gates_1_1
from pathways.definitions.care_leaver_inputs import STILL_LOOKED_AFTER
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
    timers_to_close: tuple[str, ...] = ()
    """Running timers of the old version the move closes: ones with no place in the new
    version for this case, which the move declares closable."""

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
    timers_to_close: tuple[str, ...] = ()
    """Of the move's ``closes``, the ones this case's move closes though the new version has
    them (it would not have opened them for this case)."""


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
    closes: frozenset[str] = frozenset()
    """The old version's timers the move may close. One not in ``timers`` has no place in the
    new version and is closed whenever it runs; one in both is closed only where ``changes``
    says so for the case."""

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


# --- care-leaver-transition 0.1 and 0.2 -> 1.0 --------------------------------------------------

CARE_LEAVER: Final = "care-leaver-transition"
OPEN_STEPS_0_X: Final = ("referred", "needs_assessment", "pathway_planning")
TIMERS_0_X: Final = frozenset(
    {"needs_assessment", "needs_assessment_after_eligibility", "pre18_panel"}
)
CLOSABLE_0_X: Final = frozenset({"needs_assessment", "pre18_panel"})
"""The 0.x clocks 1.0 never opens for a former relevant child (18 or over when the case
opened), which 0.x opened for everyone."""
OPENING_CLOCKS_1_0: Final = (
    "accommodation_plan_by_18",
    "turns_18",
    "pa_support_21",
    "pa_support_25",
)
"""1.0's opening clocks that 0.x did not have; each starts where 1.0's own test of it
(``opens_when``) holds of the moved case's facts, counted from the young person's date of
birth by the application layer: the planner never sees it."""
COHORT_FIELDS: Final = (
    ("responsible_authority", "responsible_authority"),
    ("personal_adviser", "personal_adviser"),
    ("iro", "independent_reviewing_officer"),
    ("placement_type", "placement_type"),
    ("custody_or_yos", "custody_or_yos"),
    ("pregnant", "pregnant"),
    ("has_children", "has_children"),
    ("consent_to_share_with_lha", "consent_to_share_with_lha"),
)
"""(1.0's fact, the ``record_cohort_details`` field that records it): 0.x recorded none."""
LEFT_CARE: Final = frozenset({"relevant_child", "former_relevant_child"})


def _care_leaver_policy(
    facts: Facts, authority: str, policy: Mapping[str, Any]
) -> tuple[dict[str, Any], str]:
    """The case keeps the policy it opened under; a choice it did not record (one added since,
    such as the care leaver's local connection) is the authority's as of the move."""
    recorded = facts.get("case_policy")
    kept = dict(recorded) if isinstance(recorded, Mapping) else {}
    added = {key: value for key, value in policy.items() if key not in kept}
    words = "; ".join(
        f"{key}: {POLICY[key].meanings.get(str(value), str(value)) if key in POLICY else value}"
        for key, value in sorted(added.items())
        if key not in POLICY or POLICY[key].pathway == CARE_LEAVER
    )
    if not kept:
        note = f"authority '{authority}' and its case policy recorded as of this move"
    else:
        note = f"authority '{authority}': the case keeps the policy it opened under"
        if added:
            note += "; choices it did not record are the authority's as of this move"
    return {**kept, **added}, note + (f" ({words})" if words else "")


def _care_leaver_status(facts: Facts) -> tuple[dict[str, Any], list[str]]:
    """What 1.0's opening derives from the legal status, derived the same way; nothing else."""
    status = facts.get("legal_status")
    derived: dict[str, Any] = {}
    notes: list[str] = []
    if status in STILL_LOOKED_AFTER or status in LEFT_CARE:
        derived.update(care_leaver_gates.status_facts(status))
    if status == "looked_after_s20":
        derived["legal_basis"] = "s20"
    elif status in LEFT_CARE:
        derived["legal_basis"] = "left_care"
    elif status == "eligible_child":
        notes.append(
            "0.x did not record whether an eligible child is looked after under s.20 or a care "
            "order (1.0's legal_basis), and 1.0 asks for it only at opening: it stays unrecorded"
        )
    counted_from = care_leaver_v0.NEEDS_ASSESSMENT_FROM
    if counted_from not in derived and counted_from not in facts and status is not None:
        # 0.1 recorded no basis for its clock: it counted from the 16th birthday for everyone.
        derived[counted_from] = "16th_birthday"
    return derived, notes


def _needs_assessment_0_1(snapshot: CaseSnapshot) -> list[str]:
    if (
        "needs_assessment" not in snapshot.open_timers
        or snapshot.facts.get("legal_status") not in STILL_LOOKED_AFTER
    ):
        return []
    return [
        "0.1 counted the needs assessment from the 16th birthday only (spec errata 13: three "
        "months after the later of the 16th birthday and the day the young person becomes an "
        "eligible child, SI 2010/959 reg.42(1)); 0.1 did not record looked_after_since, so the "
        "move cannot tell whether this clock is early: if the young person became eligible after "
        "16, the assessment is due three months after that day, later than this clock, which "
        "errs early and never late"
    ]


def _unrecorded_cohort(facts_after: Facts) -> list[str]:
    missing = [field for fact, field in COHORT_FIELDS if fact not in facts_after]
    if not missing:
        return []
    return [
        f"1.0 expects facts 0.x did not record: {', '.join(missing)}: record them with "
        "record_cohort_details"
    ]


def _care_leaver_timers(
    snapshot: CaseSnapshot, facts_after: Facts
) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """(1.0 clocks to start, 0.x clocks to close, notes), by 1.0's own opening tests."""
    timers_1_0 = get_definition(CARE_LEAVER, "1.0").timers
    opened = tuple(
        name
        for name in OPENING_CLOCKS_1_0
        if name not in snapshot.open_timers
        and (test := timers_1_0[name].opens_when) is not None
        and test(facts_after)
    )
    notes: list[str] = []
    if opened:
        notes.append(
            "1.0's birthday clocks, started from this move and counted from the young person's "
            f"date of birth: {', '.join(opened)}; one whose day has passed is overdue at once"
        )
    closed: tuple[str, ...] = ()
    if not facts_after.get("under_18_at_opening", True):
        closed = tuple(sorted(CLOSABLE_0_X & snapshot.open_timers))
        if closed:
            notes.append(
                "a former relevant child was 18 or over when the case opened: 1.0 owes them no "
                "pre-18 panel, and their needs assessment was owed at 16, so these 0.x clocks "
                f"are closed: {', '.join(closed)}"
            )
    return opened, closed, notes


def care_leaver_changes(
    snapshot: CaseSnapshot,
    step: str,
    authority: str,
    policy: Mapping[str, Any],
    *,
    from_version: str,
) -> FactChanges:
    """1.0 records at opening what 0.x did not: what can be derived is set, the rest named."""
    facts = snapshot.facts
    case_policy, policy_note = _care_leaver_policy(facts, authority, policy)
    derived, status_notes = _care_leaver_status(facts)
    to_set: dict[str, Any] = {"authority": authority, "case_policy": case_policy, **derived}
    after = {**facts, **to_set}
    opened, closed, timer_notes = _care_leaver_timers(snapshot, after)
    notes = [
        policy_note,
        *status_notes,
        *(_needs_assessment_0_1(snapshot) if from_version == "0.1" else []),
        *_unrecorded_cohort(after),
        *timer_notes,
    ]
    return FactChanges(to_set, (), opened, tuple(notes), timers_to_close=closed)


def _care_leaver_move(from_version: str) -> VersionMove:
    def changes(
        snapshot: CaseSnapshot, step: str, authority: str, policy: Mapping[str, Any]
    ) -> FactChanges:
        return care_leaver_changes(snapshot, step, authority, policy, from_version=from_version)

    return VersionMove(
        pathway=CARE_LEAVER,
        from_version=from_version,
        to_version="1.0",
        basis=f"issue #12: care-leaver-transition 1.0 completes the {from_version} skeleton",
        steps={step: step for step in OPEN_STEPS_0_X},
        timers=TIMERS_0_X,
        changes=changes,
        closes=CLOSABLE_0_X,
    )


CARE_LEAVER_0_1_TO_1_0: Final = _care_leaver_move("0.1")
CARE_LEAVER_0_2_TO_1_0: Final = _care_leaver_move("0.2")

MOVES: Final[Mapping[tuple[str, str, str], VersionMove]] = {
    move.key: move
    for move in (YOUTH_1617_1_0_TO_1_1, CARE_LEAVER_0_1_TO_1_0, CARE_LEAVER_0_2_TO_1_0)
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


def _steps_gained(move: VersionMove) -> tuple[str, ...]:
    """The new version's steps the old one did not have, by title: where the case can go next."""
    old = get_definition(move.pathway, move.from_version).steps
    gained = [
        step.title + (" (an ending)" if step.terminal else "")
        for name, step in get_definition(move.pathway, move.to_version).steps.items()
        if name not in old
    ]
    if not gained:
        return ()
    return (f"steps {move.to_version} adds: {'; '.join(gained)}",)


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
    unmapped = sorted(snapshot.open_timers - move.timers - move.closes)
    if unmapped:
        return Refusal(
            "refused",
            f"timer(s) {', '.join(unmapped)} have no declared place in {move.pathway} "
            f"{move.to_version}: the case cannot be moved",
        )
    changes = move.changes(snapshot, step, authority, case_policy)
    undeclared = sorted(set(changes.timers_to_close) - move.closes)
    if undeclared:
        # The move's own declaration is wrong, not the case: no worker can fix it.
        raise ValueError(f"{move.key}: closes timers it does not declare: {undeclared}")
    closing = sorted(
        (snapshot.open_timers - move.timers) | (snapshot.open_timers & set(changes.timers_to_close))
    )
    kept = sorted(snapshot.open_timers - set(closing))
    same = "the same step" if step == snapshot.state else f"step '{step}'"
    notes: tuple[str, ...] = (
        f"{move.pathway} {move.from_version} -> {move.to_version}: step '{snapshot.state}' is "
        f"{same} in {move.to_version}",
        *_steps_gained(move),
        *changes.notes,
    )
    if kept:
        notes += (f"timers running on: {', '.join(kept)}",)
    # A timer closed for this case is explained by the move's own note; one the new version
    # has no place for at all is said here.
    placeless = sorted(snapshot.open_timers - move.timers)
    if placeless:
        notes += (
            f"timers with no place in {move.to_version}, closed by this move: "
            f"{', '.join(placeless)}",
        )
    return MovePlan(
        pathway=move.pathway,
        from_version=move.from_version,
        to_version=move.to_version,
        basis=move.basis,
        from_step=snapshot.state,
        to_step=step,
        facts_to_set=changes.to_set,
        facts_to_remove=changes.to_remove,
        timers_kept=tuple(kept),
        timers_to_open=changes.timers_to_open,
        notes=notes,
        timers_to_close=tuple(closing),
    )
