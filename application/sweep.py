"""The timer sweep: claim due timers, fire each once, queue its alerts, all in one transaction.

Rows are claimed through the (status, next_fire_at) index, so the cost follows the number of
due timers, not all open ones. On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets two sweepers run
side by side without firing a timer twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, bindparam, insert, update
from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from application.cases import FollowUp
from application.timers import new_timer
from infrastructure import audit
from infrastructure.authority_config import authority_config
from infrastructure.db import session_scope
from infrastructure.settings import get_settings
from models import Case, CaseEvent, Notification, Timer
from notifications.context import case_link, format_due, minimal_context
from notifications.messages import owning_team_label
from notifications.outbox import outbox_rows
from notifications.recipients import RouteResolver
from pathways.definitions import get_definition
from pathways.engine.definition import PathwayDefinition, TimerSpec
from pathways.engine.timers import Firing, TimerState, fire

FIREABLE = ("open", "warned", "breached")
EVENT_TITLES = {"warning": "due soon", "breach": "overdue", "escalation": "escalated"}


@dataclass
class SweepResult:
    fired: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    notifications: int = 0
    batches: int = 0
    follow_ups: list[FollowUp] = field(default_factory=list)

    def add(self, other: SweepResult) -> None:
        self.fired += other.fired
        self.notifications += other.notifications
        self.batches += other.batches
        self.follow_ups.extend(other.follow_ups)
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


def _chain(resolver: RouteResolver, authority_id: str, chain_name: str | None) -> list[str]:
    if chain_name is None:
        return []
    chains = resolver.authority(authority_id).escalation_chains
    levels = list(chains.get(chain_name, []))
    top = chains.get(f"{chain_name}_top")
    return [*levels, top] if top else levels


def _recipients(spec: TimerSpec, firing: Firing, chain: list[str]) -> tuple[str, ...]:
    if firing.kind == "warning":
        return spec.notify_on_warning
    if firing.kind == "breach":
        return spec.escalate_to or spec.notify_on_warning
    return (f"role:{chain[firing.escalation_level - 1]}",)


def fire_due_timers(engine: Engine, now: datetime, limit: int = 5000) -> SweepResult:
    """One batch: at most ``limit`` due timers, committed together."""
    result = SweepResult(batches=1)
    base_url = get_settings().base_url
    with session_scope(engine) as session:
        rows = _claim(session, now, limit)
        if not rows:
            return SweepResult()
        resolver = RouteResolver(session)
        resolver.preload_case_staff({row.case_id for row in rows})
        updates: list[dict[str, Any]] = []
        notifications: list[dict[str, Any]] = []
        entries: list[audit.AuditEntry] = []
        next_occurrences: list[Timer] = []
        system_events: list[tuple[str, str, CaseEvent]] = []
        for row in rows:
            definition = _definition(row.pathway, row.definition_version)
            spec = definition.timers[row.name]
            chain = _chain(resolver, row.authority_id, row.escalation_chain)
            firing = fire(
                TimerState(
                    row.status,
                    row.warn_at,
                    row.due_at,
                    row.next_fire_at,
                    row.escalation_level,
                    len(chain),
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
            context = minimal_context(
                case_reference=row.reference,
                pathway=definition.title,
                event=f"{spec.title}: {EVENT_TITLES[firing.kind]}",
                due=format_due(row.due_at),
                owning_team=owning_team_label(row.owner_team),
                link=case_link(base_url, row.reference),
            )
            routes = resolver.routes(
                row.case_id, row.authority_id, row.facts or {}, _recipients(spec, firing, chain)
            )
            notifications.extend(
                outbox_rows(
                    key_prefix=f"timer:{row.id}:{firing.kind}:{firing.escalation_level}",
                    case_id=row.case_id,
                    case_reference=row.reference,
                    event_type=f"timer_{firing.kind}",
                    context=context,
                    routes=routes,
                    now=now,
                )
            )
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
                        "recipients": sorted({label for label, _ in routes}),
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
                overrides = authority_config().authority(row.authority_id).rule_overrides
                next_occurrences.append(
                    new_timer(row.case_id, spec, row.due_at, now, overrides, row.occurrence + 1)
                )
        _write(session, updates, notifications, next_occurrences)
        session.add_all(event for _, _, event in system_events)
        session.flush()
        audit.record_many(session, entries)
        result.notifications = len(notifications)
        result.follow_ups = [(p, ref, event.id or 0) for p, ref, event in system_events]
    return result


def _write(
    session: Session,
    updates: list[dict[str, Any]],
    notifications: list[dict[str, Any]],
    next_occurrences: list[Timer],
) -> None:
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
    if notifications:
        # Core, not the ORM's bulk path: thousands of rows, no objects needed back.
        session.connection().execute(
            insert(Notification.metadata.tables["notification"]), notifications
        )
    session.add_all(next_occurrences)
    session.flush()


def sweep(engine: Engine, now: datetime, batch_size: int = 5000) -> SweepResult:
    """Fire every timer due at ``now``, batch by batch, until none is left."""
    total = SweepResult()
    while True:
        batch = fire_due_timers(engine, now, batch_size)
        if batch.fired == 0 and batch.batches == 0:
            return total
        total.add(batch)
        if batch.fired == 0:
            return total
