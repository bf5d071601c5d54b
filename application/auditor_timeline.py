"""The case timeline for auditors: one chronological list of everything that happened to a case.

It joins four sources: our audit events (who, in which role, what, on which rule, before and
after), the Prefect flow runs tagged ``case:<ref>`` with their task runs, state histories and
artifacts, the notification deliveries, and the timers. Prefect is read by the Prefect layer
(``flows.run_history``) and handed in as a ``RunHistory``: this layer never imports it.

Prefect forgets; our audit trail does not. Each run's id, final state, times and UI link are
recorded when it ends (``application.flow_run_audit``), so a run Prefect has cleaned up still
shows, from the record, marked "Prefect history no longer available".

With it comes whether the case's audit chain verifies (``application.audit_integrity``), so a
reader knows whether to trust what they read.

Entries are ordered on the application's clock, the one every audit row, timer and delivery is
dated by. A Prefect run is dated by the event it applied, since Prefect's own times are the
server's wall clock, which a demo or test moves away from. Nothing here names a person: actors
are staff usernames, routes are kinds (``lha``, ``role:...``), never addresses.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlmodel import Session, col, select

from application.audit_integrity import ChainStatus, chain_status
from application.cases import CaseNotFoundError, check_access, load_case
from application.flow_run_audit import FLOW_RUN_FINISHED, FinishedRun, finished_run_of
from application.principals import Acting
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from models import AuditEvent, CaseEvent, Notification, Timer
from pathways.refusal import Refusal

EntryKind = Literal["audit", "flow_run", "timer", "notification"]
TimerEvent = Literal["opened", "warned", "breached", "escalated", "closed"]
DeliveryOutcome = Literal["delivered", "dead-lettered", "retrying", "queued", "sending"]
Availability = Literal["available", "no longer available", "not readable now"]

NO_LONGER_AVAILABLE: Final = "Prefect history no longer available"
TIMER_ACTIONS: Final[dict[str, TimerEvent]] = {
    "timer.warning": "warned",
    "timer.breach": "breached",
    "timer.escalation": "escalated",
}
OUTCOMES: Final[dict[str, DeliveryOutcome]] = {
    "sent": "delivered",
    "permanent-failure": "dead-lettered",
    "temporary-failure": "retrying",
    "pending": "queued",
    "sending": "sending",
}
RANKS: Final[dict[EntryKind, int]] = {"audit": 0, "timer": 1, "flow_run": 2, "notification": 3}
"""Within one moment: the step's audit row, the timers it moved, its run, then its alerts."""
VIEW: Final = "case.timeline"


# --- what the Prefect layer hands in -------------------------------------------------------


@dataclass(frozen=True)
class StateChange:
    name: str
    type: str
    at: datetime | None


@dataclass(frozen=True)
class ArtifactFacts:
    key: str | None
    type: str | None
    description: str | None
    ui_url: str | None
    rows: tuple[Mapping[str, str], ...] = ()
    """A table artifact's rows (protocol vocabulary only: ``tasks.artifacts``)."""


@dataclass(frozen=True)
class TaskRunFacts:
    id: str
    name: str
    state: str | None
    started_at: datetime | None
    ended_at: datetime | None
    states: tuple[StateChange, ...] = ()
    ui_url: str | None = None


@dataclass(frozen=True)
class FlowRunFacts:
    id: str
    name: str
    state: str | None
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    event_id: int | None = None
    flow_name: str | None = None
    states: tuple[StateChange, ...] = ()
    task_runs: tuple[TaskRunFacts, ...] = ()
    artifacts: tuple[ArtifactFacts, ...] = ()
    ui_url: str | None = None


@dataclass(frozen=True)
class RunHistory:
    flow_runs: tuple[FlowRunFacts, ...] = ()
    problem: str | None = None
    """Why Prefect could not be read now (e.g. "the Prefect server did not answer"); None when
    it was read, and then a run missing from it has been cleaned up."""


# --- the timeline ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class RunDetail:
    flow_run_id: str
    name: str
    event_id: int | None
    recorded_state: str | None
    """The final state our audit trail recorded when the run ended (None: not recorded)."""
    prefect_state: str | None
    """The state Prefect holds now (None: Prefect no longer has the run, or was not read)."""
    started_at: datetime | None
    ended_at: datetime | None
    ui_url: str | None
    prefect: Availability
    states: tuple[StateChange, ...] = ()
    task_runs: tuple[TaskRunFacts, ...] = ()
    artifacts: tuple[ArtifactFacts, ...] = ()

    @property
    def state(self) -> str:
        return self.recorded_state or self.prefect_state or "unknown"

    @property
    def availability_note(self) -> str:
        if self.prefect == "no longer available":
            return NO_LONGER_AVAILABLE
        if self.prefect == "not readable now":
            return "Prefect could not be read now: shown as recorded"
        return "in Prefect's history" if self.recorded_state else "not in our audit trail yet"


@dataclass(frozen=True)
class TimerDetail:
    name: str
    event: TimerEvent
    due_at: datetime | None
    met: bool | None
    """Closed by its due time (True), late or breached (False), not decided yet (None)."""
    rule_id: str | None = None
    occurrence: int | None = None
    level: int | None = None


@dataclass(frozen=True)
class DeliveryDetail:
    notification_id: int
    template: str
    route_kind: str
    """Who the route stands for (``lha``, ``ics``, ``role:...``), never its address."""
    attempts: int
    outcome: DeliveryOutcome
    queued_at: datetime
    delivered_at: datetime | None
    failed_at: datetime | None
    error_kind: str | None


@dataclass(frozen=True)
class AuditorEntry:
    at: datetime
    kind: EntryKind
    title: str
    actor: str | None = None
    role: str | None = None
    basis: str | None = None
    changes: tuple[Change, ...] = ()
    audit_id: int | None = None
    """The audit row this entry shows (a recorded run shows its ``flow_run.finished`` row)."""
    run: RunDetail | None = None
    timer: TimerDetail | None = None
    delivery: DeliveryDetail | None = None


@dataclass(frozen=True)
class AuditorTimeline:
    reference: str
    pathway: str
    authority_id: str
    status: str
    as_of: datetime
    entries: tuple[AuditorEntry, ...]
    chain: ChainStatus
    """Whether the case's audit rows, their links, the anchors and its records verify."""
    prefect_problem: str | None = None

    @property
    def runs(self) -> list[RunDetail]:
        return [entry.run for entry in self.entries if entry.run is not None]


# --- joining ---------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    # Spaced, so a long list wraps on a page instead of widening it.
    return json.dumps(value, sort_keys=True, default=str)


def _flat(values: Mapping[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in (values or {}).items():
        if isinstance(value, Mapping) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def changes_of(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Change]:
    """Each field (nested ones dotted) whose value differs, in the order ``after`` has them."""
    old, new = _flat(before), _flat(after)
    missing = object()
    return [
        Change(name, _shown(old.get(name)), _shown(new.get(name)))
        for name in dict.fromkeys([*new, *old])
        if old.get(name, missing) != new.get(name, missing)
    ]


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def _audit_entry(row: AuditEvent) -> AuditorEntry:
    after = row.after or {}
    event = TIMER_ACTIONS.get(row.action)
    timer = None
    if event is not None:
        timer = TimerDetail(
            name=str(after.get("timer", "")),
            event=event,
            due_at=_moment(after.get("due_at")),
            met=None if event == "warned" else False,
            rule_id=row.basis or None,
            occurrence=_int(after.get("occurrence")),
            level=_int(after.get("level")),
        )
    return AuditorEntry(
        at=row.occurred_at,
        kind="audit" if timer is None else "timer",
        title=row.action if timer is None else f"Timer {timer.name} {timer.event}",
        actor=row.actor,
        role=row.role,
        basis=row.basis or None,
        changes=tuple(changes_of(row.before, row.after)),
        audit_id=row.id,
        timer=timer,
    )


def _timer_entries(timer: Timer) -> list[AuditorEntry]:
    """Opened and (when it has) closed; warnings and breaches are the sweep's audit rows."""
    opened = AuditorEntry(
        at=timer.created_at,
        kind="timer",
        title=f"Timer {timer.name} opened",
        basis=timer.citation,
        timer=TimerDetail(
            timer.name, "opened", timer.due_at, None, timer.rule_id, timer.occurrence, None
        ),
    )
    if timer.closed_at is None:
        return [opened]
    met = timer.closed_at <= timer.due_at
    closed = AuditorEntry(
        at=timer.closed_at,
        kind="timer",
        title=f"Timer {timer.name} closed {'in time' if met else 'late'}",
        basis=timer.citation,
        timer=TimerDetail(
            timer.name,
            "closed",
            timer.due_at,
            met,
            timer.rule_id,
            timer.occurrence,
            timer.escalation_level,
        ),
    )
    return [opened, closed]


def _delivery_entry(row: Notification) -> AuditorEntry:
    outcome = OUTCOMES[row.status]
    return AuditorEntry(
        at=row.delivered_at or row.failed_at or row.created_at,
        kind="notification",
        title=f"Alert {row.event_type} to {row.recipient}: {outcome}",
        delivery=DeliveryDetail(
            notification_id=row.id or 0,
            template=row.event_type,
            route_kind=row.recipient,
            attempts=row.attempts,
            outcome=outcome,
            queued_at=row.created_at,
            delivered_at=row.delivered_at,
            failed_at=row.failed_at,
            error_kind=row.last_error_kind,
        ),
    )


def _run_entry(
    detail: RunDetail,
    audit_row: AuditEvent | None,
    dated: datetime,
    event_times: Mapping[int, datetime],
) -> AuditorEntry:
    at = event_times.get(detail.event_id) if detail.event_id is not None else None
    return AuditorEntry(
        at=at or dated,
        kind="flow_run",
        title=f"Flow run {detail.name or detail.flow_run_id}: {detail.state}",
        actor=audit_row.actor if audit_row is not None else None,
        role=audit_row.role if audit_row is not None else None,
        basis=audit_row.basis if audit_row is not None else None,
        audit_id=audit_row.id if audit_row is not None else None,
        run=detail,
    )


def _recorded_run(
    recorded: FinishedRun, found: FlowRunFacts | None, history: RunHistory
) -> RunDetail:
    """What we recorded when the run ended, with what Prefect still holds of it, if anything."""
    if found is None:
        availability: Availability = (
            "not readable now" if history.problem is not None else "no longer available"
        )
        return RunDetail(
            flow_run_id=recorded.flow_run_id,
            name=recorded.run_name,
            event_id=recorded.event_id,
            recorded_state=recorded.state,
            prefect_state=None,
            started_at=recorded.started_at,
            ended_at=recorded.ended_at,
            ui_url=recorded.ui_url,
            prefect=availability,
        )
    return RunDetail(
        flow_run_id=recorded.flow_run_id,
        name=recorded.run_name or found.name,
        event_id=recorded.event_id if recorded.event_id is not None else found.event_id,
        recorded_state=recorded.state,
        prefect_state=found.state,
        started_at=recorded.started_at or found.started_at,
        ended_at=recorded.ended_at or found.ended_at,
        ui_url=recorded.ui_url or found.ui_url,
        prefect="available",
        states=found.states,
        task_runs=found.task_runs,
        artifacts=found.artifacts,
    )


def _prefect_run(found: FlowRunFacts) -> RunDetail:
    """A run Prefect has and our trail does not (yet): one still going, or from before runs
    were recorded."""
    return RunDetail(
        flow_run_id=found.id,
        name=found.name,
        event_id=found.event_id,
        recorded_state=None,
        prefect_state=found.state,
        started_at=found.started_at,
        ended_at=found.ended_at,
        ui_url=found.ui_url,
        prefect="available",
        states=found.states,
        task_runs=found.task_runs,
        artifacts=found.artifacts,
    )


def _order(entry: AuditorEntry) -> tuple[datetime, int, datetime, int]:
    # Two runs of one event (a retry, a run by hand) go in the order Prefect started them.
    started = entry.run.started_at if entry.run is not None else None
    sequence = entry.audit_id or (entry.delivery.notification_id if entry.delivery else 0)
    return entry.at, RANKS[entry.kind], started or entry.at, sequence


def join_timeline(
    case_reference: str,
    audit_rows: Iterable[AuditEvent],
    timers: Iterable[Timer],
    notifications: Iterable[Notification],
    event_times: Mapping[int, datetime],
    history: RunHistory,
) -> list[AuditorEntry]:
    """The four sources as one list, oldest first. A run recorded and still in Prefect is one
    entry with both; a run only in our record, or only in Prefect, is one entry saying so."""
    in_prefect = {run.id: run for run in history.flow_runs}
    entries: list[AuditorEntry] = []
    recorded_ids: set[str] = set()
    for row in audit_rows:
        recorded = (
            finished_run_of(case_reference, row.after) if row.action == FLOW_RUN_FINISHED else None
        )
        if recorded is None:
            entries.append(_audit_entry(row))
            continue
        recorded_ids.add(recorded.flow_run_id)
        detail = _recorded_run(recorded, in_prefect.get(recorded.flow_run_id), history)
        entries.append(_run_entry(detail, row, row.occurred_at, event_times))
    entries += [
        _run_entry(_prefect_run(run), None, run.started_at or run.created_at, event_times)
        for run in history.flow_runs
        if run.id not in recorded_ids
    ]
    for timer in timers:
        entries += _timer_entries(timer)
    entries += [_delivery_entry(row) for row in notifications]
    return sorted(entries, key=_order)


# --- the use case ----------------------------------------------------------------------------


def _event_times(session: Session, case_id: int) -> dict[int, datetime]:
    rows = session.exec(
        select(CaseEvent.id, CaseEvent.applied_at, CaseEvent.occurred_at).where(
            CaseEvent.case_id == case_id
        )
    ).all()
    return {event_id or 0: applied or occurred for event_id, applied, occurred in rows}


def _rows(session: Session, case_id: int, reference: str) -> tuple[Sequence[Any], ...]:
    audit_rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.case_reference == reference)
        .order_by(col(AuditEvent.id))
    ).all()
    timers = session.exec(
        select(Timer).where(Timer.case_id == case_id).order_by(col(Timer.id))
    ).all()
    notifications = session.exec(
        select(Notification).where(Notification.case_id == case_id).order_by(col(Notification.id))
    ).all()
    return audit_rows, timers, notifications


def auditor_timeline(
    session: Session, viewer: Acting, reference: str, now: datetime, *, runs: RunHistory
) -> AuditorTimeline | Refusal:
    """The case's whole story, for a viewer whose authority covers it (or with whom it is
    shared); another authority's case is refused, and the attempt audited."""
    try:
        case = load_case(session, reference)
    except CaseNotFoundError as missing:
        return missing.refusal()
    refused = check_access(session, viewer, case, attempted=VIEW, at=now)
    if refused is not None:
        return refused
    case_id = case.id or 0
    audit_rows, timers, notifications = _rows(session, case_id, case.reference)
    entries = join_timeline(
        case.reference, audit_rows, timers, notifications, _event_times(session, case_id), runs
    )
    return AuditorTimeline(
        reference=case.reference,
        pathway=case.pathway,
        authority_id=case.authority_id,
        status=case.status,
        as_of=now,
        entries=tuple(entries),
        chain=chain_status(session, case.reference),
        prefect_problem=runs.problem,
    )


def read_auditor_timeline(
    viewer: Acting, reference: str, runs: RunHistory
) -> AuditorTimeline | Refusal:
    """``auditor_timeline`` in a transaction of its own, as of the application clock."""
    engine = get_engine()
    with session_scope(engine) as session:
        return auditor_timeline(session, viewer, reference, clock.now(engine), runs=runs)
