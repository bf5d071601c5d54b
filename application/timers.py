"""Opening and closing a case's timers inside a transition's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from models import Case, Person, Timer
from pathways.deadlines import RULES
from pathways.engine.definition import PathwayDefinition, TimerSpec
from pathways.engine.timers import schedule_timer
from pathways.engine.transitions import Plan


def _count_from(
    session: Session, spec: TimerSpec, plan: Plan, case: Case, at: datetime
) -> datetime | date:
    """The moment a rule counts from: a named input or fact date, a date on a person's row
    ('young_person.date_of_birth': personal data stays in Person, never in facts), else the
    event time."""
    if spec.starts_from is None:
        return at
    if "." in spec.starts_from:
        return _person_date(session, spec, case)
    raw: Any = getattr(plan.input, spec.starts_from, None) or case.facts.get(spec.starts_from)
    if isinstance(raw, datetime | date):
        return raw
    if isinstance(raw, str):
        return datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
    raise ValueError(f"timer '{spec.name}' counts from '{spec.starts_from}', which is not recorded")


def _person_date(session: Session, spec: TimerSpec, case: Case) -> date:
    relationship, attribute = (spec.starts_from or "").split(".", 1)
    person = session.exec(
        select(Person).where(Person.case_id == case.id, Person.relationship_to_case == relationship)
    ).first()
    value = getattr(person, attribute, None)
    if isinstance(value, date):
        return value
    raise ValueError(f"timer '{spec.name}' counts from '{spec.starts_from}', which is not recorded")


def _with_case_amount(
    spec: TimerSpec, case: Case, overrides: Mapping[str, int]
) -> Mapping[str, int]:
    """The authority's overrides, with this case's own amount where the timer takes one."""
    amount = case.facts.get(spec.amount_from) if spec.amount_from else None
    return overrides if amount is None else {**overrides, spec.rule: int(amount)}


def _next_occurrence(session: Session, case: Case, name: str) -> int:
    latest = session.exec(
        select(func.max(Timer.occurrence)).where(Timer.case_id == case.id, Timer.name == name)
    ).one()
    return int(latest or 0) + 1


def timer_values(
    case_id: int,
    spec: TimerSpec,
    count_from: datetime | date,
    started_at: datetime,
    overrides: Mapping[str, int],
    occurrence: int = 1,
) -> dict[str, Any]:
    """A new timer's column values (all but its id): the sweep inserts thousands of next
    occurrences as plain rows, without a model object each."""
    schedule = schedule_timer(spec.rule, count_from, started_at, spec.warn_fraction, overrides)
    return {
        "case_id": case_id,
        "name": spec.name,
        "rule_id": spec.rule,
        "citation": RULES[spec.rule].citation,
        "closed_by": list(spec.closed_by),
        "owner_team": spec.owner_team,
        "started_at": schedule.started_at,
        "warn_at": schedule.warn_at,
        "due_at": schedule.due_at,
        "next_fire_at": schedule.next_fire_at,
        "status": "open",
        "escalation_level": 0,
        "escalation_chain": spec.escalation_chain,
        "recurring": spec.recurring,
        "occurrence": occurrence,
        "closed_at": None,
        "created_at": started_at,
    }


def new_timer(
    case_id: int,
    spec: TimerSpec,
    count_from: datetime | date,
    started_at: datetime,
    overrides: Mapping[str, int],
    occurrence: int = 1,
) -> Timer:
    return Timer(**timer_values(case_id, spec, count_from, started_at, overrides, occurrence))


def open_timers(
    session: Session,
    definition: PathwayDefinition,
    case: Case,
    plan: Plan,
    at: datetime,
    overrides: Mapping[str, int],
) -> list[Timer]:
    opened = []
    for spec in plan.timers_to_open:
        occurrence = _next_occurrence(session, case, spec.name) if spec.recurring else 1
        timer = new_timer(
            case.id or 0,
            spec,
            _count_from(session, spec, plan, case, at),
            at,
            _with_case_amount(spec, case, overrides),
            occurrence,
        )
        session.add(timer)
        opened.append(timer)
    session.flush()
    return opened


def close_timers(session: Session, case: Case, names: tuple[str, ...], at: datetime) -> list[Timer]:
    """A timer closes when the step it guards is done; a closed timer never fires again.

    Returns the timers closed, as the UPDATE left them (a sweep's firing committed meanwhile
    included), for the transition's audit event to cover."""
    if not names:
        return []
    closed = session.scalars(
        update(Timer)
        .where(
            col(Timer.case_id) == case.id,
            col(Timer.name).in_(names),
            col(Timer.status) != "closed",
        )
        .values(status="closed", closed_at=at, next_fire_at=None)
        .returning(Timer),
        execution_options={"populate_existing": True},
    )
    return list(closed.all())
