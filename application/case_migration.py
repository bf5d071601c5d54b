"""Moving running cases onto a newer version of their pathway (``pathways case migrate``).

The move itself is a pure, declared rule (``pathways.version_moves``); this module checks who
asks, locks the case, and writes the plan in one transaction: the case's version, step and
facts, the timers it starts (a birthday clock counted from the person's row, which the pure
planner never sees) and closes, and one audit event with the notes. A dry run reads the same
case and builds the same plan, and writes nothing but an audited refusal of who is asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import func
from sqlmodel import Session, col, select

from application.audit_coverage import covers
from application.cases import (
    CaseNotFoundError,
    TimerOpened,
    check_access,
    load_case,
    opening_facts,
    shared_with,
    snapshot_of,
)
from application.principals import Acting
from application.timers import close_timers, new_timer
from infrastructure import audit, clock
from infrastructure.authority_config import authority_config
from infrastructure.db import get_engine, session_scope
from models import Case, CaseEvent, Person, Timer
from pathways.definitions import get_definition
from pathways.engine.definition import PathwayDefinition, TimerSpec
from pathways.principal import may_act_on
from pathways.refusal import Refusal
from pathways.roles import Role
from pathways.version_moves import MOVES, MovePlan, plan_move

MIGRATING_ROLES: Final[frozenset[Role]] = frozenset({"coordinator", "operator"})
"""Moving a case changes the rules it runs under, for every worker on it: a product role's
decision, not a caseworker's."""
ATTEMPTED: Final = "case.migrate"
AUDITED_MOVE_REFUSALS: Final = frozenset({"case_closed", "not_allowed_now", "refused"})


@dataclass(frozen=True)
class Migration:
    case_reference: str
    plan: MovePlan
    timers_opened: tuple[TimerOpened, ...]
    written: bool
    """False for a dry run: the plan as it would be written now."""
    timers_overdue: tuple[str, ...] = ()
    """Of the timers opened, those already past their due time at the move: the sweep breaches
    them at once."""


def may_migrate(acting: Acting) -> Refusal | None:
    if acting.role in MIGRATING_ROLES:
        return None
    return Refusal(
        "forbidden",
        f"role '{acting.role}' may not move a case to another pathway version "
        f"(allowed: {', '.join(sorted(MIGRATING_ROLES))})",
        "role",
    )


def _refuse_role(
    session: Session, acting: Acting, refusal: Refusal, reference: str | None, at: datetime
) -> Refusal:
    audit.record(
        session,
        actor=acting.username,
        role=acting.role,
        action=f"{ATTEMPTED}.forbidden",
        case_reference=reference,
        after={"reason": refusal.reason, "code": refusal.code},
        basis="role check (spec §0.3)",
        at=at,
    )
    return refusal


def _pending_events(session: Session, case: Case) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case.id, col(CaseEvent.status) == "pending")
        ).one()
    )


def _next_occurrence(session: Session, case: Case, name: str) -> int:
    latest = session.exec(
        select(func.max(Timer.occurrence)).where(Timer.case_id == case.id, Timer.name == name)
    ).one()
    return int(latest or 0) + 1


class UncountedTimerError(ValueError):
    """A timer the move starts counts from a date the case does not hold (a person's date of
    birth erased, say): the move is refused rather than a clock guessed."""


def _count_from(
    session: Session, spec: TimerSpec, case: Case, facts: dict[str, Any], at: datetime
) -> datetime | date:
    """What the rule counts from: a person's date on their row (a birthday clock), a date the
    case records, else the move itself."""
    if spec.starts_from is None:
        return at
    if "." in spec.starts_from:
        relationship, attribute = spec.starts_from.split(".", 1)
        # The latest row: a person recorded again after a rejected step (people_in_inputs).
        person = session.exec(
            select(Person)
            .where(Person.case_id == case.id, Person.relationship_to_case == relationship)
            .order_by(col(Person.id).desc())
        ).first()
        value = getattr(person, attribute, None)
    else:
        value = facts.get(spec.starts_from)
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime | date):
        return value
    raise UncountedTimerError(
        f"timer '{spec.name}' counts from '{spec.starts_from}', which is not recorded"
    )


def _new_timers(
    session: Session, definition: PathwayDefinition, case: Case, plan: MovePlan, at: datetime
) -> list[Timer]:
    """The timers the move starts, started at the move, with the authority's overrides."""
    overrides = authority_config().authority(case.authority_id).rule_overrides
    facts = plan.facts_after(case.facts)
    timers = []
    for name in plan.timers_to_open:
        spec = definition.timers[name]
        occurrence = _next_occurrence(session, case, name) if spec.recurring else 1
        start = _count_from(session, spec, case, facts, at)
        timers.append(new_timer(case.id or 0, spec, start, at, overrides, occurrence))
    return timers


def _started(
    session: Session, case: Case, plan: MovePlan, at: datetime
) -> tuple[PathwayDefinition, list[Timer]] | Refusal:
    """The new version and the timers the move would start, or why they cannot be counted."""
    definition = get_definition(plan.pathway, plan.to_version)
    try:
        return definition, _new_timers(session, definition, case, plan, at)
    except UncountedTimerError as missing:
        return Refusal("refused", f"{missing}: the case cannot be moved")


def _write(
    session: Session,
    acting: Acting,
    case: Case,
    definition: PathwayDefinition,
    plan: MovePlan,
    timers: list[Timer],
    at: datetime,
) -> None:
    before = {"version": case.definition_version, "state": case.state}
    case.definition_version = plan.to_version
    case.state = plan.to_step
    case.facts = audit.normalise(plan.facts_after(case.facts))
    case.version += 1
    session.add(case)
    # Closed first: a timer the new version has no place for takes no closed_by from it.
    closed = close_timers(session, case, plan.timers_to_close, at)
    # A running timer keeps its clock; which steps close it is now the new version's. Locked,
    # so the audit event covers it as it is written, a sweep's firing committed meanwhile too.
    running = session.exec(
        select(Timer)
        .where(Timer.case_id == case.id, col(Timer.status) != "closed")
        .with_for_update()
    ).all()
    for timer in running:
        timer.closed_by = list(definition.timers[timer.name].closed_by)
        session.add(timer)
    session.add_all(timers)
    session.flush()
    audit.record(
        session,
        actor=acting.username,
        role=acting.role,
        action=f"{plan.pathway}.case.migrated",
        case_reference=case.reference,
        before=before,
        after={
            "version": plan.to_version,
            "state": plan.to_step,
            "facts_set": dict(plan.facts_to_set),
            "facts_removed": list(plan.facts_to_remove),
            "timers_kept": list(plan.timers_kept),
            "timers_opened": [timer.name for timer in timers],
            # Names only: a birthday clock's due date would give the date of birth away.
            "timers_overdue": [timer.name for timer in timers if timer.due_at <= at],
            "timers_closed": [timer.name for timer in closed],
            "notes": list(plan.notes),
        },
        basis=plan.basis,
        at=at,
        covers=covers(case, *closed, *running, *timers),
    )


def _refuse_move(
    session: Session, acting: Acting, case: Case, refusal: Refusal, dry_run: bool, at: datetime
) -> Refusal:
    if not dry_run and refusal.code in AUDITED_MOVE_REFUSALS:
        audit.record(
            session,
            actor=acting.username,
            role=acting.role,
            action=f"{case.pathway}.{ATTEMPTED}.refused",
            case_reference=case.reference,
            after={"reason": refusal.reason, "code": refusal.code},
            basis="declared pathway version moves (pathways.version_moves)",
            at=at,
        )
    return refusal


def _migrate(
    session: Session,
    acting: Acting,
    case: Case,
    to_version: str | None,
    dry_run: bool,
    at: datetime,
) -> Migration | Refusal:
    role = may_migrate(acting)
    if role is not None:
        return _refuse_role(session, acting, role, case.reference, at)
    other = check_access(session, acting, case, attempted=f"{case.pathway}.{ATTEMPTED}", at=at)
    if other is not None:
        return other
    opening = opening_facts(case.authority_id)
    plan = plan_move(
        case.pathway,
        case.definition_version,
        snapshot_of(session, case),
        authority=opening["authority"],
        case_policy=opening["case_policy"],
        to_version=to_version,
        pending_events=_pending_events(session, case),
    )
    if isinstance(plan, Refusal):
        return _refuse_move(session, acting, case, plan, dry_run, at)
    started = _started(session, case, plan, at)
    if isinstance(started, Refusal):
        return _refuse_move(session, acting, case, started, dry_run, at)
    definition, timers = started
    opened = tuple(TimerOpened(t.name, t.rule_id, t.due_at) for t in timers)
    overdue = tuple(t.name for t in timers if t.due_at <= at)
    if not dry_run:
        _write(session, acting, case, definition, plan, timers, at)
    return Migration(case.reference, plan, opened, written=not dry_run, timers_overdue=overdue)


def migrate_case(
    acting: Acting,
    reference: str,
    *,
    to_version: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> Migration | Refusal:
    """Moves one case along its declared move (to ``to_version``, else the one declared)."""
    engine = get_engine()
    at = now or clock.now(engine)
    with session_scope(engine) as session:
        try:
            # Locked, so no step is applied to the case between its plan and its move.
            case = load_case(session, reference, for_update=not dry_run)
        except CaseNotFoundError as missing:
            return missing.refusal()
        return _migrate(session, acting, case, to_version, dry_run, at)


def movable_cases(session: Session, acting: Acting, to_version: str | None) -> list[str]:
    """Open cases on a version with a declared move, of authorities the principal acts on."""
    references = []
    for pathway, version, target in MOVES:
        if to_version is not None and target != to_version:
            continue
        cases = session.exec(
            select(Case)
            .where(
                Case.pathway == pathway,
                Case.definition_version == version,
                col(Case.status) == "open",
            )
            .order_by(col(Case.id))
        ).all()
        references += [
            case.reference
            for case in cases
            if may_act_on(acting.principal, case.authority_id, shared_with(session, case)) is None
        ]
    return list(dict.fromkeys(references))


def migrate_all(
    acting: Acting,
    *,
    to_version: str | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[tuple[str, Migration | Refusal]] | Refusal:
    """Moves every open case the principal may act on that has a declared move, each in its
    own transaction, so one case refused leaves the others moved."""
    engine = get_engine()
    at = now or clock.now(engine)
    with session_scope(engine) as session:
        role = may_migrate(acting)
        if role is not None:
            return _refuse_role(session, acting, role, None, at)
        references = movable_cases(session, acting, to_version)
    return [
        (ref, migrate_case(acting, ref, to_version=to_version, dry_run=dry_run, now=at))
        for ref in references
    ]
