"""The auditor's timeline as ``GET /api/cases/{ref}/timeline`` answers it, beside the case
page's own entries: public models read straight from ``application.auditor_timeline``'s
dataclasses (same field names), so the API says what the page and the export say."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from application.auditor_timeline import AuditorTimeline
from dashboard.api.schemas import Public, TimelineEntryPublic, TimelinePublic


class Read(Public):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class StatePublic(Read):
    name: str = Field(description="as Prefect names it, e.g. Running, Completed")
    type: str = Field(description="Prefect's state type, e.g. RUNNING, COMPLETED")
    at: datetime | None


class ArtifactPublic(Read):
    key: str | None
    type: str | None
    description: str | None
    ui_url: str | None
    rows: list[dict[str, str]] = Field(description="a table artifact's rows (what, value, ...)")


class TaskRunPublic(Read):
    id: str
    name: str
    state: str | None
    started_at: datetime | None
    ended_at: datetime | None
    states: list[StatePublic]
    ui_url: str | None


class RunPublic(Read):
    flow_run_id: str
    name: str
    event_id: int | None = Field(description="the case event the run applied")
    state: str = Field(description="the final state recorded, else the state Prefect holds")
    recorded_state: str | None = Field(description="recorded in our audit trail when it ended")
    prefect_state: str | None = Field(description="held by Prefect now; null once cleaned up")
    started_at: datetime | None
    ended_at: datetime | None
    ui_url: str | None = Field(description="the run in the Prefect UI")
    prefect: Literal["available", "no longer available", "not readable now"]
    availability_note: str = Field(
        description='e.g. "Prefect history no longer available": shown as recorded at the time'
    )
    states: list[StatePublic]
    task_runs: list[TaskRunPublic]
    artifacts: list[ArtifactPublic]


class TimerEventPublic(Read):
    name: str
    event: Literal["opened", "warned", "breached", "escalated", "closed"]
    due_at: datetime | None
    met: bool | None = Field(description="closed by its due time; false if late or breached")
    rule_id: str | None
    occurrence: int | None
    level: int | None = Field(description="how far up its escalation chain it went")


class DeliveryPublic(Read):
    notification_id: int
    template: str
    route_kind: str = Field(
        description="who the route stands for (lha, role:...), never an address"
    )
    attempts: int
    outcome: Literal["delivered", "dead-lettered", "retrying", "queued", "sending"]
    queued_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    error_kind: str | None


class ChangePublic(Read):
    field: str = Field(description="dotted for a nested value, e.g. facts.visit_done")
    before: str
    after: str


class AuditorEntryPublic(Read):
    at: datetime = Field(description="on the application's clock; a run by the event it applied")
    kind: Literal["audit", "flow_run", "timer", "notification"]
    title: str
    actor: str | None = Field(description="a staff username or system; never a case's person")
    role: str | None
    basis: str | None = Field(description="the rule or citation relied on")
    changes: list[ChangePublic] = Field(description="before -> after, field by field")
    audit_id: int | None = Field(description="the audit event shown")
    run: RunPublic | None
    timer: TimerEventPublic | None
    delivery: DeliveryPublic | None


class ChainPublic(Read):
    ok: bool
    checked: int = Field(description="audit events verified")
    problem: str
    bad_row: str | None = Field(description='the row named, e.g. "event 12" or "casestep 3"')


class AuditorPublic(Read):
    as_of: datetime
    audit_chain: ChainPublic = Field(description="whether the case's audit chain verifies")
    prefect_problem: str | None = Field(
        description="why Prefect could not be read now; runs are then shown as recorded"
    )
    entries: list[AuditorEntryPublic] = Field(description="oldest first")


class AuditorTimelinePublic(TimelinePublic):
    """The case page's timeline (``entries``), and the auditor's (``auditor``)."""

    auditor: AuditorPublic


def auditor_public(
    timeline: AuditorTimeline, entries: list[TimelineEntryPublic]
) -> AuditorTimelinePublic:
    return AuditorTimelinePublic(
        ref=timeline.reference,
        entries=entries,
        auditor=AuditorPublic(
            as_of=timeline.as_of,
            audit_chain=ChainPublic.model_validate(timeline.chain),
            prefect_problem=timeline.prefect_problem,
            entries=[AuditorEntryPublic.model_validate(entry) for entry in timeline.entries],
        ),
    )
