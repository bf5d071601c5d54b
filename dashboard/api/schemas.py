"""What the JSON API answers with: public models built from the application's read models.

Never a table model: a case is shown as ``CaseView`` shows it, with the people recorded on it
by relationship only, and decisions without their free-text rationale.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    model_config = ConfigDict(frozen=True)


class FieldErrorPublic(Public):
    field: str = Field(description="dotted path in the request, e.g. input.young_person.full_name")
    message: str = Field(description="the rule the value broke (the value is never repeated)")


class ErrorPublic(Public):
    detail: str
    errors: list[FieldErrorPublic] = Field(
        default_factory=list, description="each field refused, for invalid input (422)"
    )


class NextDeadlinePublic(Public):
    title: str
    rule: str
    unit: str
    due_at: datetime
    overdue: bool


class CaseRowPublic(Public):
    ref: str
    pathway: str
    pathway_title: str
    authority: str
    step: str
    step_title: str
    status: str
    outcome_code: str | None
    opened_at: datetime
    overdue: int = Field(description="running timers past their due time")
    next_deadline: NextDeadlinePublic | None


class CaseloadPublic(Public):
    rows: list[CaseRowPublic]
    total: int
    page: int
    pages: int
    page_size: int
    as_of: datetime


class LinkedCasePublic(Public):
    ref: str
    pathway: str
    relation: Literal["opened from", "opened"]
    by_step: str = Field(description="the title of the step that opened the linked case")


class TimerPublic(Public):
    name: str
    title: str
    rule: str
    occurrence: int
    due_at: datetime
    status: str
    overdue: bool
    escalation_level: int
    closed_at: datetime | None
    citation: str
    rule_status: str = Field(description="statute, guidance, local, assumption or conflict")
    default_period: str
    override: str | None = Field(description="the authority's own period, where it sets one")
    due_on: date | None = Field(
        description="the Europe/London day a day-level rule falls due (it ends that day); "
        "null for a rule due at an exact moment, which due_at gives"
    )
    counts_from: str = Field(
        description="what it counts from, in words, never the date itself (e.g. the young "
        "person's date of birth: 16th birthday + 3 months)"
    )
    legal_source: str = Field(description="the citation's first clause, e.g. T17; SI 2010/959")
    overdue_at_opening: bool = Field(
        description="opened with the case and due before the case opened (opened late)"
    )


class ConsentPublic(Public):
    purpose: str
    person: str | None = Field(description="by relationship to the case, never by name")
    given: bool
    safeguarding_override: bool
    recorded_by: str
    recorded_role: str
    recorded_at: datetime


class ActionPublic(Public):
    step: str = Field(description="the transition's name, as POST .../events takes it")
    title: str
    roles: list[str]
    now: str | None = Field(description='"ready", "needs input" or "refused now: <reason>"')


class CasePublic(Public):
    ref: str
    pathway: str
    version: str
    pathway_title: str
    authority: str
    authority_name: str | None
    step: str
    step_title: str
    status: str
    outcome_code: str | None
    outcome_label: str | None
    duty_outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    people_recorded: list[str] = Field(description="relationships to the case, never names")
    linked_cases: list[LinkedCasePublic]
    timers: list[TimerPublic]
    consents: list[ConsentPublic]
    route: list[str] = Field(description="the steps the case has been at, oldest first")
    actions: list[ActionPublic] = Field(description="the moves open to your roles now")


class TimelineEntryPublic(Public):
    at: datetime
    kind: Literal["step", "decision", "alert"]
    text: str
    actor: str | None
    role: str | None


class TimelinePublic(Public):
    ref: str
    entries: list[TimelineEntryPublic]


class TimerOpenedPublic(Public):
    name: str
    rule: str
    due_at: datetime
    overdue: bool = Field(
        description="due before the step that opened it: already overdue (a case opened late)"
    )


class CommittedPublic(Public):
    """A transition the pathway flow applied and committed."""

    ref: str
    event_id: int
    transition: str
    from_step: str | None = Field(description="null when the event had been applied before")
    step: str = Field(description="the step the case is at now")
    status: str = Field(description="the case's status now: open or closed")
    timers_opened: list[TimerOpenedPublic]
    timers_closed: list[str]
    notifications: list[str] = Field(description="the route of each alert queued")


class DeadlinePublic(Public):
    rule: str
    title: str
    citation: str
    status: str = Field(description="statute, guidance, local, assumption or conflict")
    convention: str
    convention_text: str
    unit: str
    amount: int = Field(description="the period counted, after any authority override")
    default_amount: int
    authority: str | None
    override_applied: bool
    start: str = Field(description="the start as read (a datetime in Europe/London)")
    due: str = Field(description="an ISO date for day rules, an ISO datetime for hour rules")
    due_date: date
    due_at: datetime


class StepPublic(Public):
    name: str
    title: str
    terminal: bool
    citation: str


class TransitionPublic(Public):
    name: str
    title: str
    from_steps: list[str]
    to_step: str
    roles: list[str]
    opens_timers: list[str]
    closes_timers: list[str]
    notifies: list[str]
    citation: str
    input_schema: dict[str, Any] | None = Field(
        description="the JSON Schema of the input this step takes; null for none"
    )


class PathwayPublic(Public):
    name: str
    title: str
    version: str = Field(description="the latest version, which new cases open under")
    versions: list[str] = Field(description="every version still registered, oldest first")
    citation: str
    initial_step: str
    opening_transition: str
    steps: list[StepPublic]
    transitions: list[TransitionPublic]


class TaskPublic(Public):
    ref: str
    pathway_title: str
    step_title: str
    step: str = Field(description="the transition to record")
    title: str
    role: str
    availability: str
    due: NextDeadlinePublic | None
