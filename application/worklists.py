"""The lists a coordinator works from: the caseload, their own tasks, and the sign-off inbox.

Each reads through indexes, a page at a time: the caseload selects one page of case rows and
then the running timers of those rows only; the task lists first work out, from the pathway
definitions, at which steps the viewer's roles have a move, and select only the open cases
waiting at one of them. Nothing here scans every case.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Final

from sqlalchemy import ColumnElement, and_, func, not_, or_
from sqlmodel import Session, col, select

from application.case_views import (
    OPEN_TIMER_STATUSES,
    case_filters,
    chosen_filters,
    is_overdue,
    visible_parts,
)
from application.cases import snapshot_of
from infrastructure.authority_config import rule_overrides_for
from models import Case, CaseAssignment, StaffMember, Timer
from pathways.deadlines import RULES
from pathways.definitions import all_definitions, get_definition
from pathways.engine.definition import ANY_STEP, PathwayDefinition, TransitionSpec
from pathways.engine.transitions import decide
from pathways.principal import Actor, Principal
from pathways.refusal import Refusal
from pathways.roles import Role

PAGE_SIZE: Final = 25
MAX_PAGE_SIZE: Final = 100
TASK_CASES: Final = 200
"""The most open cases one task list weighs: the list is in due order, so the first page is
what matters, and a team with more waiting than this has a staffing problem, not a UI one."""
SIGN_OFF_ROLES: Final[frozenset[Role]] = frozenset({"housing-director", "ics-assistant-director"})
"""Directors and Assistant Directors: the senior sign-offs (spec §0.3; seed 004 §2.10)."""


@dataclass(frozen=True)
class CaseloadFilters:
    pathway: str | None = None
    step: str | None = None
    authority_id: str | None = None
    owner: str | None = None
    """The username of a member of staff named on the case."""
    status: str | None = None


@dataclass(frozen=True)
class NextDeadline:
    title: str
    rule_id: str
    unit: str
    due_at: datetime
    overdue: bool


@dataclass(frozen=True)
class CaseloadRow:
    reference: str
    pathway: str
    pathway_title: str
    authority_id: str
    step: str
    step_title: str
    status: str
    outcome_code: str | None
    opened_at: datetime
    overdue: int
    next_deadline: NextDeadline | None


@dataclass(frozen=True)
class CaseloadPage:
    rows: list[CaseloadRow]
    total: int
    page: int
    pages: int
    page_size: int
    now: datetime


def _definition_of(case: Case) -> PathwayDefinition:
    return get_definition(case.pathway, case.definition_version)


def _chosen(chosen: CaseloadFilters) -> list[ColumnElement[bool]]:
    filters = chosen_filters(chosen.status, chosen.authority_id)
    if chosen.pathway is not None:
        filters.append(col(Case.pathway) == chosen.pathway)
    if chosen.step is not None:
        filters.append(col(Case.state) == chosen.step)
    if chosen.owner is not None:
        named = (
            select(CaseAssignment.case_id)
            .join(StaffMember, col(StaffMember.id) == col(CaseAssignment.staff_id))
            .where(col(StaffMember.username) == chosen.owner)
        )
        filters.append(col(Case.id).in_(named))
    return filters


def _count(session: Session, principal: Principal, chosen: CaseloadFilters) -> int:
    """How many cases the viewer may see under these filters: their authorities' own, and
    apart from those the ones shared with them. Each half is read from an index, where the two
    joined by OR made PostgreSQL read every case."""

    def counted(*filters: ColumnElement[bool]) -> int:
        return session.exec(select(func.count()).select_from(Case).where(*filters)).one()

    parts = visible_parts(principal)
    if parts is None:
        return counted(*_chosen(chosen))
    own, shared = parts
    return counted(own, *_chosen(chosen)) + counted(shared, not_(own), *_chosen(chosen))


def _running_timers(session: Session, case_ids: Sequence[int]) -> dict[int, list[Timer]]:
    by_case: dict[int, list[Timer]] = {}
    if not case_ids:
        return by_case
    timers = session.exec(
        select(Timer)
        .where(col(Timer.case_id).in_(case_ids), col(Timer.status).in_(OPEN_TIMER_STATUSES))
        .order_by(col(Timer.due_at), col(Timer.id))
    ).all()
    for timer in timers:
        by_case.setdefault(timer.case_id, []).append(timer)
    return by_case


def _deadline(
    definition: PathwayDefinition, case: Case, timer: Timer, now: datetime
) -> NextDeadline:
    spec = definition.timers.get(timer.name)
    rule = RULES.get(timer.rule_id)
    return NextDeadline(
        # The period in the title is the authority's, where it overrides the rule.
        title=spec.title_for(rule_overrides_for(case.authority_id)) if spec else timer.name,
        rule_id=timer.rule_id,
        unit=rule.unit if rule else "hours",
        due_at=timer.due_at,
        overdue=is_overdue(timer.status, timer.due_at, now),
    )


def _row(case: Case, timers: list[Timer], now: datetime) -> CaseloadRow:
    definition = _definition_of(case)
    step = definition.steps.get(case.state)
    return CaseloadRow(
        reference=case.reference,
        pathway=case.pathway,
        pathway_title=definition.title,
        authority_id=case.authority_id,
        step=case.state,
        step_title=step.title if step else case.state,
        status=case.status,
        outcome_code=case.outcome_code,
        opened_at=case.opened_at,
        overdue=sum(is_overdue(t.status, t.due_at, now) for t in timers),
        next_deadline=_deadline(definition, case, timers[0], now) if timers else None,
    )


def caseload(
    session: Session,
    principal: Principal,
    chosen: CaseloadFilters,
    now: datetime,
    *,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> CaseloadPage:
    """One page of the cases the viewer may see, newest first, with each one's next deadline."""
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    filters = [*case_filters(principal, None, None), *_chosen(chosen)]
    total = _count(session, principal, chosen)
    pages = max(1, ceil(total / size))
    current = max(1, min(page, pages))
    newest_first = (col(Case.opened_at).desc(), col(Case.id).desc())
    # The page's ids are chosen first: where the visible cases must be sorted (SQLite, or a
    # filter no index orders), sorting ids is several times cheaper than sorting whole rows.
    page_ids = (
        select(Case.id)
        .where(*filters)
        .order_by(*newest_first)
        .offset((current - 1) * size)
        .limit(size)
    )
    cases = session.exec(
        select(Case).where(col(Case.id).in_(page_ids)).order_by(*newest_first)
    ).all()
    timers = _running_timers(session, [case.id or 0 for case in cases])
    return CaseloadPage(
        rows=[_row(case, timers.get(case.id or 0, []), now) for case in cases],
        total=total,
        page=current,
        pages=pages,
        page_size=size,
        now=now,
    )


@dataclass(frozen=True)
class Task:
    reference: str
    pathway_title: str
    step_title: str
    transition: str
    title: str
    role: Role
    availability: str
    """"ready", or "needs input" where the move's own input decides."""
    due: NextDeadline | None


MovePicker = Callable[[TransitionSpec, Role], bool]


def _steps_with_moves(
    roles: Iterable[Role], wanted: MovePicker
) -> list[tuple[PathwayDefinition, str | None]]:
    """(definition, step) pairs at which one of these roles has a wanted move; None for a
    move from any open step."""
    held = frozenset(roles)
    found: dict[tuple[str, str, str | None], tuple[PathwayDefinition, str | None]] = {}
    for definition in all_definitions():
        for transition in definition.transitions:
            if transition.name == definition.opening_transition:
                continue
            if not any(role in held and wanted(transition, role) for role in transition.roles):
                continue
            for step in transition.from_steps:
                at = None if step == ANY_STEP else step
                found[(definition.name, definition.version, at)] = (definition, at)
    return list(found.values())


def _waiting_at(pairs: Sequence[tuple[PathwayDefinition, str | None]]) -> ColumnElement[bool]:
    clauses = []
    for definition, step in pairs:
        same = [
            col(Case.pathway) == definition.name,
            col(Case.definition_version) == definition.version,
        ]
        if step is not None:
            same.append(col(Case.state) == step)
        clauses.append(and_(*same))
    return or_(*clauses)


def _availability(refusal: Refusal | None) -> str | None:
    if refusal is None:
        return "ready"
    return "needs input" if refusal.code == "invalid_input" else None


def _stopped_by(transition: str, timers: list[Timer]) -> list[Timer]:
    return [timer for timer in timers if transition in timer.closed_by]


def _is_task(transition: TransitionSpec, step: str, stops_a_clock: bool) -> bool:
    """A move of this step, or one that stops a running clock. Moves open at any step (consent
    withdrawn, a family asking to stop) are there when they happen, not work to do."""
    return stops_a_clock or step in transition.from_steps


def _tasks(session: Session, principal: Principal, now: datetime, wanted: MovePicker) -> list[Task]:
    pairs = _steps_with_moves(principal.roles, wanted)
    if not pairs:
        return []
    cases = session.exec(
        select(Case)
        .where(*case_filters(principal, "open", None), _waiting_at(pairs))
        .order_by(col(Case.opened_at), col(Case.id))
        .limit(TASK_CASES)
    ).all()
    timers = _running_timers(session, [case.id or 0 for case in cases])
    tasks: list[Task] = []
    for case in cases:
        definition = _definition_of(case)
        snapshot = snapshot_of(session, case, now)
        case_timers = timers.get(case.id or 0, [])
        step = definition.steps.get(case.state)
        for transition in definition.transitions:
            stops = _stopped_by(transition.name, case_timers)
            if not _is_task(transition, case.state, bool(stops)):
                continue
            for role in sorted(principal.roles):
                if role not in transition.roles or not wanted(transition, role):
                    continue
                decided = decide(
                    definition, snapshot, transition.name, Actor(principal.username, role), {}
                )
                availability = _availability(decided if isinstance(decided, Refusal) else None)
                if availability is None:
                    continue
                tasks.append(
                    Task(
                        reference=case.reference,
                        pathway_title=definition.title,
                        step_title=step.title if step else case.state,
                        transition=transition.name,
                        title=transition.title,
                        role=role,
                        availability=availability,
                        # Dated by the clock the move stops, else the case's next one.
                        due=_deadline(definition, case, (stops or case_timers)[0], now)
                        if stops or case_timers
                        else None,
                    )
                )
                break
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(tasks, key=lambda task: (task.due.due_at if task.due else far, task.reference))


def _any_move(_transition: TransitionSpec, _role: Role) -> bool:
    return True


def _sign_off(transition: TransitionSpec, role: Role) -> bool:
    return transition.decision is not None and role in SIGN_OFF_ROLES


def my_tasks(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """The moves open to this person's roles on the open cases they may act on, in due order:
    each dated by the clock it stops (or the case's next deadline)."""
    return _tasks(session, principal, now, _any_move)


def sign_off_inbox(session: Session, principal: Principal, now: datetime) -> list[Task]:
    """The decisions waiting for this Director's or AD's sign-off, in due order."""
    return _tasks(session, principal, now, _sign_off)
