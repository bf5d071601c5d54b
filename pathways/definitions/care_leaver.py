"""Pathway B (care leaver transition at 18), version 0.1: the SKELETON the Pathway B issue
completes.

It exists so the 16/17 intake can hand a young person who accepted s.20 (outcome O3) to a
linked case whose statutory clocks start at once: the needs assessment (T17) and the pre-18
panel (T20), both counted from the young person's date of birth on their Person row. Only
B1, the needs assessment, can be recorded. Pathway plan, PA, housing register, panel,
accommodation plan and the LHA duties (B2-B10) are not here yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import BaseModel

from pathways.definitions import register
from pathways.definitions.youth_1617_inputs import YoungPerson
from pathways.engine.definition import (
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.inputs import StrictInput
from pathways.roles import Role

SW: Final[Role] = "ics-social-worker"
PA: Final[Role] = "personal-adviser"


class CareLeaverOpening(StrictInput):
    young_person: YoungPerson
    legal_status: Literal[
        "looked_after_s20", "eligible_child", "relevant_child", "former_relevant_child"
    ]


def _opening_facts(_facts: Mapping[str, Any], data: BaseModel | None) -> dict[str, Any]:
    if not isinstance(data, CareLeaverOpening):
        raise TypeError(f"expected CareLeaverOpening input, got {type(data).__name__}")
    return {"legal_status": data.legal_status}


CARE_LEAVER = register(
    PathwayDefinition(
        name="care-leaver-transition",
        version="0.1",
        title="Care leaver transition at 18 (skeleton)",
        citation="spec §3 Pathway B; SI 2010/959 Pt 7 [L9]; seed 004 [S004]",
        initial_step="referred",
        opening_transition="open_care_leaver_case",
        steps={
            "referred": StepSpec(title="Referred"),
            "needs_assessment": StepSpec(
                title="B1 Needs assessment", citation="SI 2010/959 reg.42 [L9]"
            ),
            "pathway_planning": StepSpec(
                title="B2 Pathway plan (to be completed by the Pathway B issue)",
                citation="Care Leavers (England) Regulations 2010 [L10]",
            ),
        },
        timers={
            "needs_assessment": TimerSpec(
                name="needs_assessment",
                title="Needs assessment for an eligible child",
                rule="needs-assessment",
                owner_team="ics",
                starts_from="young_person.date_of_birth",
                closed_by=("record_needs_assessment",),
            ),
            "pre18_panel": TimerSpec(
                name="pre18_panel",
                title="Pre-18 multi-agency panel listing",
                rule="pre18-panel",
                owner_team="joint",
                starts_from="young_person.date_of_birth",
                # Closed by the B4 panel step, which the Pathway B issue adds.
                closed_by=(),
                notify_on_warning=("lha", "ics"),
            ),
        },
        transitions=(
            TransitionSpec(
                name="open_care_leaver_case",
                title="Care leaver case opened",
                from_steps=("referred",),
                to_step="needs_assessment",
                # "system": the 16/17 intake opens it on an s.20 hand-off (outcome O3).
                roles=("system", SW, PA),
                input_model=CareLeaverOpening,
                records=_opening_facts,
                opens_timers=("needs_assessment", "pre18_panel"),
                notifications=(
                    NotificationSpec(template="case_opened", to=("ics",), event="New case"),
                ),
                citation="spec §3 triggers",
            ),
            TransitionSpec(
                name="record_needs_assessment",
                title="B1 Needs assessment recorded",
                from_steps=("needs_assessment",),
                to_step="pathway_planning",
                roles=(SW,),
                citation="T17; SI 2010/959 reg.42 [L9]",
            ),
        ),
    )
)
