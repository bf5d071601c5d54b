"""The timer sweep: claim due timers, fire each once, queue its alerts, all in one transaction;
then run the events the firings created. Each firing's audit event covers the timer as fired,
the messages it queued and the timer's next occurrence (``application.audit_coverage``).

Rows are claimed through the (status, next_fire_at) index, so the cost follows the number of
due timers, not all open ones. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets two sweepers run
side by side without firing a timer twice.

``sweep`` is the one loop: the ``timer-sweep`` flow and the tests both call it. Running an
event means running a Prefect flow, which this layer may not import, so the caller passes the
dispatcher in (``flows.dispatch.run_pathway_event``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache, partial
from typing import Any

from sqlalchemy import Engine, bindparam, update
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from application.cases import FollowUp
from application.job_runs import SWEEP, record_finished
from application.recovery import stale_pending_events
from application.timers import new_timer
from infrastructure import audit
from infrastructure.audit_anchors import anchor_head
from infrastructure.authority_config import office_hours_for, rule_overrides_for
from infrastructure.db import session_scope
from models import Case, CaseEvent, Timer
from notifications.coverage import insert_outbox, queued_covers
from notifications.messages import message_rows
from notifications.recipients import RouteResolver
from pathways.audit_anchors import Anchor
from pathways.deadlines import due_date_reveals_birthday
from pathways.definitions import get_definition
from pathways.engine.definition import PathwayDefinition, TimerSpec
from pathways.engine.timers import Firing, TimerState, fire
from pathways.escalation import chain_levels
from pathways.office_hours import OfficeHours, is_out_of_hours
from pathways.operational_coverage import operational_digest

log = logging.getLogger(__name__)
FIREABLE = ("open", "warned", "breached")
OUT_OF_HOURS_SERVICE = "ooh"
EVENT_TITLES = {"warning": "due soon", "breach": "overdue", "escalation": "escalated"}


@dataclass
class SweepResult:
    fired: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    notifications: int = 0
    batches: int = 0
    """Batches that claimed at least one timer."""
    follow_ups: list[FollowUp] = field(default_factory=list)
    """Events the firings created (e.g. an on-breach transition), in firing order."""
    events_run: int = 0
    """Follow-ups plus events a crash left pending, run after the last batch."""
    anchor: Anchor | None = None
    """The audit chain's head as this sweep recorded it outside the database."""

    def add(self, other: SweepResult) -> None:
        self.fired += other.fired
        self.notifications += other.notifications
        self.batches += other.batches
        self.follow_ups.extend(other.follow_ups)
        self.events_run += other.events_run
        for kind, count in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + count


@lru_cache(maxsize=256)
def _definition(pathway: str, version: str) -> PathwayDefinition:
    return get_definition(pathway, version)


def _claim(session: Session, now: datetime, limit: int) -> Sequence[Row[Any]]:
    columns: list[Any] = [
        Timer.id,
        Timer.case_id,
        Timer.name,
        Timer.status,
        Timer.warn_at,
        Timer.due_at,
        Timer.next_fire_at,
        Timer.escalation_level,
        Timer.escalation_chain,
        Timer.recurring,
        Timer.occurrence,
        Timer.owner_team,
        # The rest of what a timer's digest reads (pathways.record_digests), so the firing's
        # audit event can cover the row as the UPDATE leaves it.
        Timer.rule_id,
        Timer.citation,
        Timer.closed_by,
        Timer.started_at,
        Timer.closed_at,
        Timer.created_at,
        Case.pii_salt,
        Case.reference,
        Case.pathway,
        Case.definition_version,
        Case.authority_id,
        Case.facts,
    ]
    statement = (
        select(*columns)
        .join(Case, col(Case.id) == col(Timer.case_id))
        .where(col(Timer.status).in_(FIREABLE), col(Timer.next_fire_at) <= now)
        .order_by(col(Timer.next_fire_at))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(of=Timer, skip_locked=True)
    return session.execute(statement).all()


def _recipients(
    spec: TimerSpec, firing: Firing, chain: list[str], out_of_hours: bool
) -> tuple[str, ...]:
    if firing.kind == "escalation":
        return (f"role:{chain[firing.escalation_level - 1]}",)
    named = spec.notify_on_warning if firing.kind == "warning" else spec.escalate_to
    recipients: tuple[str, ...] = named or spec.notify_on_warning
    if firing.kind == "breach" and firing.escalation_level:
        # The chain level the breach itself reaches (TimerSpec.escalation_starts_at).
        level_role = f"role:{chain[firing.escalation_level - 1]}"
        recipients = tuple(dict.fromkeys([*recipients, level_role]))
    if out_of_hours:
        return tuple(dict.fromkeys([*recipients, OUT_OF_HOURS_SERVICE]))
    return recipients


def _needs_out_of_hours_service(
    spec: TimerSpec, firing: Firing, now: datetime, due_at: datetime, hours: OfficeHours
) -> bool:
    """Issue #9 point 6: when the alert fires, or the deadline falls, while the offices are
    shut, the out-of-hours service must hear of it too. Escalations go up a chain of
    managers in working days, so they never need it."""
    if not spec.out_of_hours_fallback or firing.kind == "escalation":
        return False
    return is_out_of_hours(now, hours) or is_out_of_hours(due_at, hours)


def fire_due_timers(engine: Engine, now: datetime, limit: int = 5000) -> SweepResult:
    """One batch: at most ``limit`` due timers, committed together."""
    result = SweepResult(batches=1)
    with session_scope(engine) as session:
        rows = _claim(session, now, limit)
        if not rows:
            return SweepResult()
        resolver = RouteResolver(session)
        resolver.preload_case_staff({row.case_id for row in rows})
        updates: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []
        entries: list[audit.AuditEntry] = []
        covered: list[_Covered] = []
        next_occurrences: list[Timer] = []
        system_events: list[tuple[str, str, CaseEvent]] = []
        # A batch holds thousands of timers on a handful of (authority, chain) pairs.
        chains: dict[tuple[str, str], list[str]] = {}
        overrides: dict[str, dict[str, int]] = {}
        office_hours: dict[str, OfficeHours] = {}
        for row in rows:
            if row.authority_id not in overrides:
                overrides[row.authority_id] = rule_overrides_for(row.authority_id)
                office_hours[row.authority_id] = office_hours_for(row.authority_id)
            definition = _definition(row.pathway, row.definition_version)
            spec = definition.timers[row.name]
            chain: list[str] = []
            if row.escalation_chain is not None:
                key = (row.authority_id, row.escalation_chain)
                if key not in chains:
                    stored = resolver.authority(row.authority_id).escalation_chains
                    chains[key] = chain_levels(stored, row.escalation_chain)
                chain = chains[key]
            firing = fire(
                TimerState(
                    row.status,
                    row.warn_at,
                    row.due_at,
                    row.next_fire_at,
                    row.escalation_level,
                    len(chain),
                    spec.escalation_starts_at,
                ),
                now,
            )
            if firing is None:
                # Nothing left to fire (the chain is exhausted): stop selecting this row.
                updates.append(
                    {
                        "timer_id": row.id,
                        "new_status": row.status,
                        "new_next": None,
                        "new_level": row.escalation_level,
                    }
                )
                continue
            result.fired += 1
            result.by_kind[firing.kind] = result.by_kind.get(firing.kind, 0) + 1
            updates.append(
                {
                    "timer_id": row.id,
                    "new_status": firing.status,
                    "new_next": firing.next_fire_at,
                    "new_level": firing.escalation_level,
                }
            )
            messages = message_rows(
                resolver,
                case_id=row.case_id,
                case_reference=row.reference,
                authority_id=row.authority_id,
                facts=row.facts or {},
                pathway_title=definition.title,
                event=f"{spec.title_for(overrides[row.authority_id])}: {EVENT_TITLES[firing.kind]}",
                due=None if due_date_reveals_birthday(row.rule_id) else row.due_at,
                owning_team=row.owner_team,
                recipients=_recipients(
                    spec,
                    firing,
                    chain,
                    _needs_out_of_hours_service(
                        spec, firing, now, row.due_at, office_hours[row.authority_id]
                    ),
                ),
                template=f"timer_{firing.kind}",
                key_prefix=f"timer:{row.id}:{firing.kind}:{firing.escalation_level}",
                now=now,
            )
            queued = slice(len(notifications), len(notifications) + len(messages))
            covered.append(_Covered(_timer_digest(row, firing), queued, row.pii_salt))
            notifications.extend(messages)
            entries.append(
                audit.AuditEntry(
                    actor="timer-sweep",
                    role="system",
                    action=f"timer.{firing.kind}",
                    case_reference=row.reference,
                    before={
                        "timer": row.name,
                        "occurrence": row.occurrence,
                        "status": row.status,
                        "level": row.escalation_level,
                    },
                    after={
                        "timer": row.name,
                        "occurrence": row.occurrence,
                        "status": firing.status,
                        "level": firing.escalation_level,
                        "due_at": row.due_at.isoformat(),
                        "recipients": sorted({message["recipient"] for message in messages}),
                    },
                    basis=spec.rule,
                    at=now,
                )
            )
            if firing.kind == "breach" and spec.on_breach is not None:
                system_events.append(
                    (
                        row.pathway,
                        row.reference,
                        CaseEvent(
                            case_id=row.case_id,
                            transition=spec.on_breach,
                            actor="timer-sweep",
                            role="system",
                            idempotency_key=f"timer:{row.id}:on-breach",
                            occurred_at=row.due_at,
                        ),
                    )
                )
            if firing.kind == "breach" and row.recurring:
                in_force = overrides[row.authority_id]
                covered[-1].next_timer = new_timer(
                    row.case_id, spec, row.due_at, now, in_force, row.occurrence + 1
                )
                next_occurrences.append(covered[-1].next_timer)
        queued_ids = _write(session, updates, notifications, next_occurrences)
        session.add_all(event for _, _, event in system_events)
        session.flush()
        audit.record_many(
            session,
            [
                replace(entry, covers=cover.digests(notifications, queued_ids))
                for entry, cover in zip(entries, covered, strict=True)
            ],
        )
        result.notifications = len(notifications)
        result.follow_ups = [(p, ref, event.id or 0) for p, ref, event in system_events]
    return result


@dataclass
class _Covered:
    """What one firing's audit event covers: the timer as fired, the messages it queued (a
    slice of the batch's outbox rows) and the timer's next occurrence, if it recurs."""

    timer: tuple[str, str]
    queued: slice
    salt: str
    """The case's ``pii_salt``: a message's route enters as its commitment."""
    next_timer: Timer | None = None

    def digests(self, rows: list[dict[str, Any]], ids: list[int]) -> dict[str, str]:
        found = dict([self.timer])
        found.update(queued_covers(rows[self.queued], ids[self.queued], self.salt))
        if self.next_timer is not None:
            found.update([operational_digest("timer", self.next_timer.model_dump())])
        return found


def _timer_digest(row: Row[Any], firing: Firing) -> tuple[str, str]:
    """The claimed row as the batch's UPDATE leaves it; ``next_fire_at`` is not covered."""
    fired = {**row._mapping, "status": firing.status, "escalation_level": firing.escalation_level}
    return operational_digest("timer", fired)


def _write(
    session: Session,
    updates: list[dict[str, Any]],
    notifications: list[dict[str, Any]],
    next_occurrences: list[Timer],
) -> list[int]:
    """Writes the batch; returns the ids of the outbox rows, in their order."""
    if updates:
        timers = Timer.metadata.tables["timer"]
        session.connection().execute(
            update(timers)
            .where(timers.c.id == bindparam("timer_id"))
            .values(
                status=bindparam("new_status"),
                next_fire_at=bindparam("new_next"),
                escalation_level=bindparam("new_level"),
            ),
            updates,
        )
    # Core, not the ORM's bulk path: thousands of rows, only their ids needed back.
    queued_ids = insert_outbox(session, notifications)
    session.add_all(next_occurrences)
    session.flush()
    return queued_ids


RunEvent = Callable[[str, str, int], object]
"""Runs one pending event, given (pathway, case reference, event id)."""
FireBatch = Callable[[datetime, int], SweepResult]
"""Fires one batch: (now, limit) -> what it did."""
FindStale = Callable[[], list[FollowUp]]


def sweep(
    engine: Engine,
    now: datetime,
    run_event: RunEvent,
    *,
    batch_size: int = 5000,
    max_batches: int | None = None,
    fire_batch: FireBatch | None = None,
    find_stale: FindStale | None = None,
) -> SweepResult:
    """Fire every timer due at ``now``, batch by batch, then run the events that created.

    Batches go on until one claims nothing (or ``max_batches``): a late sweep walks a breached
    timer up its chain one level per batch. Then each follow-up, and each event a crash left
    pending, is run once through ``run_event``. ``fire_batch`` and ``find_stale`` default to
    this engine's; the flow passes its tasks instead, so each batch shows as a task run.
    """
    fire_one = fire_batch or partial(fire_due_timers, engine)
    stale = find_stale or partial(stale_pending_events, engine)
    total = SweepResult()
    done = 0
    while max_batches is None or done < max_batches:
        batch = fire_one(now, batch_size)
        done += 1
        total.add(batch)
        if batch.batches == 0:
            break
    # A follow-up is pending until it runs, so it may also be found stale: run it once.
    pending = list(dict.fromkeys([*total.follow_ups, *stale()]))
    for pathway, case_reference, event_id in pending:
        run_event(pathway, case_reference, event_id)
    total.events_run = len(pending)
    record_finished(
        engine,
        SWEEP,
        as_of=now,
        summary={
            "fired": total.fired,
            "notifications": total.notifications,
            "events_run": total.events_run,
        },
    )
    try:
        total.anchor = anchor_head(engine)
    except OSError as unwritable:
        # The sweep's work is committed; a missing anchor only narrows what verify can prove.
        log.error("audit anchor not written: %s", type(unwritable).__name__)
    return total
