"""Pathway B (care leaver transition at 18): versions 0.1 and 0.2, the skeletons 1.0 completes
(``pathways.definitions.care_leaver``), kept registered for the cases still on them.

It exists so the 16/17 intake can hand a young person who accepted s.20 (outcome O3) to a
linked case whose statutory clocks start at once: the needs assessment (T17) and the pre-18
panel (T20). Only B1, the needs assessment, can be recorded. Pathway plan, PA, housing
register, panel, accommodation plan and the LHA duties (B2-B10) are not here yet.

Version 0.2 (issue 9 point 10; spec errata 13) counts the needs assessment as reg.42(1) SI
2010/959 does: three months after the 16th birthday, or after the day the young person
becomes an eligible child if that is later. Version 0.1 counted from the birthday only, so a
17-year-old newly looked after was "overdue" from before they were in care; it stays
registered, unchanged, for the cases already on it.

The clock is set when the case opens, assuming the young person stays looked after: one
looked after for two days is due three months after the day their 13 weeks are complete. If
they leave care before then they never become eligible, and a later step closes the clock
(the Pathway B issue adds it). One who cannot become eligible before 18 gets no
needs-assessment clock at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel

from pathways.calendar import birthday
from pathways.definitions import register
from pathways.definitions.care_leaver_inputs import CareLeaverOpening, CareLeaverOpening01
from pathways.engine.definition import (
    FactsTest,
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.roles import COORDINATOR, Role

SW: Final[Role] = "ics-social-worker"
PA: Final[Role] = "personal-adviser"

NeedsAssessmentFrom = Literal["16th_birthday", "becoming_eligible", "not_eligible_before_18"]
NEEDS_ASSESSMENT_FROM: Final = "needs_assessment_from"
"""The fact saying what the needs-assessment clock counts from."""
ELIGIBLE_CHILD_ON: Final = "eligible_child_on"
"""The fact holding the day the young person becomes an eligible child, recorded only when
that is after their 16th birthday: the birthday itself would give away the date of birth."""


def _opening_facts_0_1(_facts: Mapping[str, Any], data: BaseModel | None) -> dict[str, Any]:
    if not isinstance(data, CareLeaverOpening01):
        raise TypeError(f"expected CareLeaverOpening01 input, got {type(data).__name__}")
    return {"legal_status": data.legal_status}


def opening_facts(_facts: Mapping[str, Any], data: BaseModel | None) -> dict[str, Any]:
    """The legal status and what the needs assessment is counted from. Never the date of
    birth, which stays on the Person row, nor ``looked_after_since``, which for a child looked
    after from birth is the same day; the event's stored input keeps it."""
    if not isinstance(data, CareLeaverOpening):
        raise TypeError(f"expected CareLeaverOpening input, got {type(data).__name__}")
    facts: dict[str, Any] = {"legal_status": data.legal_status}
    if data.looked_after_since is None:
        # They have left care (relevant or former relevant child), so were eligible by then.
        facts[NEEDS_ASSESSMENT_FROM] = "16th_birthday"
        return facts
    eligible = data.becomes_eligible_on()
    counted_from: NeedsAssessmentFrom
    if eligible is None:
        counted_from = "not_eligible_before_18"
    elif eligible == birthday(data.young_person.date_of_birth, 16):
        counted_from = "16th_birthday"
    else:
        counted_from = "becoming_eligible"
        facts[ELIGIBLE_CHILD_ON] = eligible.isoformat()
    facts[NEEDS_ASSESSMENT_FROM] = counted_from
    return facts


def _counted_from(source: NeedsAssessmentFrom) -> FactsTest:
    def test(facts: Mapping[str, Any]) -> bool:
        return facts.get(NEEDS_ASSESSMENT_FROM) == source

    return test


STEPS: Final = {
    "referred": StepSpec(title="Referred"),
    "needs_assessment": StepSpec(title="B1 Needs assessment", citation="SI 2010/959 reg.42 [L9]"),
    "pathway_planning": StepSpec(
        title="B2 Pathway plan (to be completed by the Pathway B issue)",
        citation="Care Leavers (England) Regulations 2010 [L10]",
    ),
}
NEEDS_ASSESSMENT_0_1: Final = TimerSpec(
    name="needs_assessment",
    title="Needs assessment for an eligible child",
    rule="needs-assessment",
    owner_team="ics",
    starts_from="young_person.date_of_birth",
    closed_by=("record_needs_assessment",),
)
PRE18_PANEL: Final = TimerSpec(
    name="pre18_panel",
    title="Pre-18 multi-agency panel listing",
    rule="pre18-panel",
    owner_team="joint",
    starts_from="young_person.date_of_birth",
    # Closed by the B4 panel step, which the Pathway B issue adds.
    closed_by=(),
    notify_on_warning=("lha", "ics"),
)
RECORD_NEEDS_ASSESSMENT: Final = TransitionSpec(
    name="record_needs_assessment",
    title="B1 Needs assessment recorded",
    from_steps=("needs_assessment",),
    to_step="pathway_planning",
    roles=(SW,),
    citation="T17; SI 2010/959 reg.42 [L9]",
)
OPENING_0_1: Final = TransitionSpec(
    name="open_care_leaver_case",
    title="Care leaver case opened",
    from_steps=("referred",),
    to_step="needs_assessment",
    # "system": the 16/17 intake opens it on an s.20 hand-off (outcome O3).
    roles=("system", SW, PA),
    input_model=CareLeaverOpening01,
    records=_opening_facts_0_1,
    opens_timers=("needs_assessment", "pre18_panel"),
    notifications=(NotificationSpec(template="case_opened", to=("ics",), event="New case"),),
    citation="spec §3 triggers",
)


CARE_LEAVER_0_1: Final = register(
    PathwayDefinition(
        name="care-leaver-transition",
        version="0.1",
        title="Care leaver transition at 18 (skeleton)",
        citation="spec §3 Pathway B; SI 2010/959 Pt 7 [L9]; seed 004 [S004]",
        initial_step="referred",
        opening_transition="open_care_leaver_case",
        steps=STEPS,
        timers={"needs_assessment": NEEDS_ASSESSMENT_0_1, "pre18_panel": PRE18_PANEL},
        transitions=(OPENING_0_1, RECORD_NEEDS_ASSESSMENT),
    )
)

CARE_LEAVER_0_2: Final = register(
    PathwayDefinition(
        name="care-leaver-transition",
        version="0.2",
        title="Care leaver transition at 18 (skeleton)",
        citation="spec §3 Pathway B; SI 2010/959 Pt 7 [L9]; seed 004 [S004]; spec errata 13",
        initial_step="referred",
        opening_transition="open_care_leaver_case",
        steps=STEPS,
        timers={
            # Eligible by the 16th birthday (or left care, so eligible before): 0.1's clock.
            "needs_assessment": NEEDS_ASSESSMENT_0_1.model_copy(
                update={"opens_when": _counted_from("16th_birthday")}
            ),
            # Eligible only later: three months from that day, never before it. A young person
            # looked after for two days is due 13 weeks + 3 months ahead; if they leave care
            # before becoming eligible, a later step closes the clock (the Pathway B issue).
            "needs_assessment_after_eligibility": TimerSpec(
                name="needs_assessment_after_eligibility",
                title="Needs assessment for a child who became eligible after 16",
                rule="needs-assessment-after-eligibility",
                owner_team="ics",
                starts_from=ELIGIBLE_CHILD_ON,
                closed_by=("record_needs_assessment",),
                opens_when=_counted_from("becoming_eligible"),
            ),
            "pre18_panel": PRE18_PANEL,
        },
        transitions=(
            OPENING_0_1.model_copy(
                update={
                    "input_model": CareLeaverOpening,
                    "records": opening_facts,
                    "roles": (*OPENING_0_1.roles, COORDINATOR),
                    # At most one of the two needs-assessment clocks opens (their opens_when);
                    # neither for a young person who cannot be eligible before 18, whom
                    # reg.42 owes no needs assessment.
                    "opens_timers": (
                        "needs_assessment",
                        "needs_assessment_after_eligibility",
                        "pre18_panel",
                    ),
                    "citation": "spec §3 triggers; T17; SI 2010/959 reg.40, reg.42(1); "
                    "spec errata 13",
                }
            ),
            RECORD_NEEDS_ASSESSMENT,
        ),
    )
)
