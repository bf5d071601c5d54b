"""A small pathway used only by the engine's tests: a referral, a visit, weekly reviews, and
an urgent call-back whose alerts fall back to the out-of-hours service."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Final

from pydantic import BaseModel, EmailStr, Field

from pathways.definitions import register
from pathways.engine.definition import (
    ANY_STEP,
    SAME_STEP,
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.inputs import HouseholdMember, PersonDetails, StrictInput
from pathways.roles import Role
from pathways.vocabulary import to_role

HO: Final[Role] = "lha-housing-officer"
SW: Final[Role] = "ics-social-worker"


class OpenReferral(StrictInput):
    young_person: PersonDetails
    referrer_email: EmailStr | None = None


class VisitRecord(StrictInput):
    visited_family: bool
    visited_young_person: bool


class ReviewRecord(StrictInput):
    progress: str


class HouseholdRecord(StrictInput):
    """People recorded at a later step than the opening, in a list: each a Person row."""

    household_members: Annotated[list[HouseholdMember], Field(min_length=1, max_length=4)]


def _visit_guard(_: Mapping[str, Any], data: BaseModel | None) -> str | None:
    assert isinstance(data, VisitRecord)
    if not (data.visited_family and data.visited_young_person):
        return "the visit must see both the family and the young person"
    return None


def _referrer(_: Mapping[str, Any], data: BaseModel | None) -> dict[str, Any]:
    assert isinstance(data, OpenReferral)
    return {"referrer_email": data.referrer_email} if data.referrer_email else {}


def _closure_guard(facts: Mapping[str, Any], _: BaseModel | None) -> str | None:
    return None if facts.get("closure_agreed") else "closure has not been agreed by the team"


EXAMPLE = PathwayDefinition(
    name="example",
    version="1.0",
    title="Example referral",
    citation="test fixture",
    initial_step="new",
    opening_transition="open_referral",
    steps={
        "new": StepSpec(title="New"),
        "awaiting_visit": StepSpec(title="Awaiting visit"),
        "support": StepSpec(title="Support"),
        "closed": StepSpec(title="Closed", terminal=True),
        "withdrawn": StepSpec(title="Withdrawn", terminal=True),
    },
    timers={
        "visit": TimerSpec(
            name="visit",
            title="Joint visit",
            rule="joint-visit-1617",
            owner_team="joint",
            closed_by=("record_visit",),
            escalate_to=(to_role("lha-senior-officer"), to_role("ics-team-manager")),
            escalation_chain="lha",
        ),
        "weekly_review": TimerSpec(
            name="weekly_review",
            title="Weekly case review",
            rule="weekly-case-review",
            owner_team="joint",
            closed_by=("record_review",),
            recurring=True,
        ),
        "urgent_callback": TimerSpec(
            name="urgent_callback",
            title="Urgent call-back",
            rule="joint-visit-1617",
            owner_team="joint",
            closed_by=("record_visit",),
            notify_on_warning=("lha",),
            escalate_to=("lha",),
            out_of_hours_fallback=True,
        ),
    },
    transitions=(
        TransitionSpec(
            name="open_referral",
            title="Referral received",
            from_steps=("new",),
            to_step="awaiting_visit",
            roles=(HO, SW),
            input_model=OpenReferral,
            opens_timers=("visit",),
            notifications=(NotificationSpec(template="case_opened", to=("lha", "ics")),),
            records=_referrer,
        ),
        TransitionSpec(
            name="record_visit",
            title="Joint visit recorded",
            from_steps=("awaiting_visit",),
            to_step="support",
            roles=(HO, SW),
            input_model=VisitRecord,
            guard=_visit_guard,
            opens_timers=("weekly_review",),
        ),
        TransitionSpec(
            name="request_callback",
            title="Urgent call-back requested",
            from_steps=("awaiting_visit",),
            to_step="awaiting_visit",
            roles=(HO, SW),
            opens_timers=("urgent_callback",),
        ),
        TransitionSpec(
            name="record_household",
            title="Household recorded",
            from_steps=("awaiting_visit", "support"),
            to_step=SAME_STEP,
            roles=(HO, SW),
            input_model=HouseholdRecord,
            # A duty owed puts the case in the H-CLIC return, whose People section lists them.
            records=lambda facts, data: {"lha_duty": "prevention"},
        ),
        TransitionSpec(
            name="record_review",
            title="Weekly review recorded",
            from_steps=("support",),
            to_step="support",
            roles=(HO, SW),
            input_model=ReviewRecord,
        ),
        TransitionSpec(
            name="agree_closure",
            title="Team agrees closure",
            from_steps=("support",),
            to_step="support",
            roles=("ics-team-manager",),
            records=lambda facts, data: {"closure_agreed": True},
            decision="closure",
        ),
        TransitionSpec(
            name="close",
            title="Case closed",
            from_steps=("support",),
            to_step="closed",
            roles=(HO, SW),
            guard=_closure_guard,
            outcome="EX1",
            notifications=(
                NotificationSpec(template="case_closed", to=("lha", "ics", "referrer")),
            ),
        ),
        TransitionSpec(
            name="withdraw",
            title="Referral withdrawn",
            from_steps=(ANY_STEP,),
            to_step="withdrawn",
            roles=(HO, SW),
            outcome="EX2",
        ),
    ),
    outcomes={"EX1": "Closed by agreement", "EX2": "Withdrawn"},
)

register(EXAMPLE)
