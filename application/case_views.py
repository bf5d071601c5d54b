"""Read models of pathways and cases for the command line (and later the dashboard).

Nothing here carries a person's name or date of birth: a case view says which people are
recorded on it (by relationship), never who they are. Decisions are shown without their
rationale, which is free text and may name someone.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, EmailStr
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from application.cases import check_access, load_case, snapshot_of
from application.principals import Acting
from infrastructure.authority_config import rule_overrides_for
from models import (
    Authority,
    Case,
    CaseEvent,
    CaseShare,
    CaseStep,
    ConsentRecord,
    Decision,
    Notification,
    Person,
    Timer,
)
from pathways.case_policy import describe_policy, policy_of
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.engine.definition import ANY_STEP, SAME_STEP, PathwayDefinition, TransitionSpec
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import decide
from pathways.principal import Actor, Principal
from pathways.refusal import Refusal

SIMPLE_TYPES: dict[Any, str] = {
    bool: "true/false",
    str: "text",
    int: "whole number",
    float: "number",
    date: "date (YYYY-MM-DD)",
    datetime: "date-time",
    AwareDatetime: "date-time with UTC offset",
    EmailStr: "email address",
}
OPEN_TIMER_STATUSES = ("open", "warned", "breached")
ANY_STEP_LABEL = "any open step"


@dataclass(frozen=True)
class InputField:
    name: str
    type: str
    required: bool


@dataclass(frozen=True)
class TransitionView:
    name: str
    title: str
    from_steps: list[str]
    to_step: str
    roles: list[str]
    input: list[InputField]
    opens_timers: list[str]
    """Each timer the step starts, with its period: ``name: title``."""
    closes_timers: list[str]
    notifies: list[str]
    """Each alert the step sends: ``template -> recipients``."""
    # Only for a case: "ready", "needs input" or "refused now: <reason>".
    now: str | None = None


def describe_type(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "one of: " + ", ".join(str(arg) for arg in args)
    if origin in (Union, types.UnionType):
        return " or ".join(describe_type(arg) for arg in args if arg is not type(None))
    if origin is list:
        return f"list of {describe_type(args[0])}" if args else "list"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    return SIMPLE_TYPES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    # "PersonDetails | None" still describes the object's own fields.
    candidates = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    found = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return found[0] if len(found) == 1 else None


def input_fields(model: type[BaseModel] | None, prefix: str = "") -> list[InputField]:
    """Every field a worker can give, nested objects flattened to dotted names."""
    if model is None:
        return []
    fields: list[InputField] = []
    for name, info in model.model_fields.items():
        dotted = f"{prefix}{name}"
        fields.append(InputField(dotted, describe_type(info.annotation), info.is_required()))
        nested = _nested_model(info.annotation)
        if nested is not None:
            fields.extend(input_fields(nested, f"{dotted}."))
    return fields


def _transition_view(
    definition: PathwayDefinition, transition: TransitionSpec, now: str | None = None
) -> TransitionView:
    """One step as a practitioner reviews it: who records it, what it takes, and the timers
    and alerts it starts and stops, all in one place."""
    closes = dict.fromkeys(transition.closes_timers)
    closes.update(
        dict.fromkeys(n for n, t in definition.timers.items() if transition.name in t.closed_by)
    )
    return TransitionView(
        name=transition.name,
        title=transition.title,
        from_steps=[ANY_STEP_LABEL if step == ANY_STEP else step for step in transition.from_steps],
        to_step="the same step" if transition.to_step == SAME_STEP else transition.to_step,
        roles=list(transition.roles),
        input=input_fields(transition.input_model),
        opens_timers=[
            f"{name}: {definition.timers[name].title_for()}" for name in transition.opens_timers
        ],
        closes_timers=list(closes),
        notifies=[f"{n.template} -> {', '.join(n.to)}" for n in transition.notifications],
        now=now,
    )


def pathway_transitions(definition: PathwayDefinition) -> list[TransitionView]:
    return [_transition_view(definition, transition) for transition in definition.transitions]


def _availability(refusal: Refusal | None) -> str | None:
    """What the pure rules say of a move by a permitted role with no input yet."""
    if refusal is None:
        return "ready"
    if refusal.code == "invalid_input":
        return "needs input"
    if refusal.code == "refused":
        return f"refused now: {refusal.reason}"
    return None  # not from this step (or the case is closed)


def transitions_now(
    definition: PathwayDefinition, snapshot: CaseSnapshot, viewer: Acting
) -> list[TransitionView]:
    """The moves open from the case's current step, each as the viewer would see it in a role
    allowed to make it (their own role where it is one of them).

    A guard needing input cannot be judged before the input exists, so such a move says
    "needs input"; a guard on the case's facts alone is judged now.
    """
    views = []
    for transition in definition.transitions:
        role = viewer.role if viewer.role in transition.roles else transition.roles[0]
        actor = Actor(viewer.username, role)
        decided = decide(definition, snapshot, transition.name, actor, {})
        now = _availability(decided if isinstance(decided, Refusal) else None)
        if now is not None:
            views.append(_transition_view(definition, transition, now))
    return views


@dataclass(frozen=True)
class StepView:
    at: datetime | None
    transition: str
    title: str
    actor: str | None
    role: str | None


@dataclass(frozen=True)
class DecisionView:
    at: datetime
    kind: str
    outcome: str
    decided_by: str
    role: str


@dataclass(frozen=True)
class TimerView:
    id: int
    name: str
    title: str
    rule: str
    occurrence: int
    due_at: datetime
    status: str
    overdue: bool
    escalation_level: int
    closed_at: datetime | None
    citation: str = ""
    rule_status: str = ""
    """statute, guidance, local, assumption or conflict (pathways.deadlines)."""
    default_period: str = ""
    unit: str = "hours"
    """The unit the rule counts in (pathways.deadlines.Unit): how its countdown is told."""
    override: str | None = None
    """The authority's own period for this rule, where config/authorities.yaml sets one."""

    @property
    def closed_late(self) -> bool:
        return self.closed_at is not None and self.closed_at > self.due_at


@dataclass(frozen=True)
class NotificationView:
    event_type: str
    recipient: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class ConsentView:
    purpose: str
    person: str | None
    """By relationship to the case (never who they are)."""
    given: bool
    safeguarding_override: bool
    recorded_by: str
    recorded_role: str
    recorded_at: datetime


@dataclass(frozen=True)
class LinkedCase:
    reference: str
    pathway: str
    relation: Literal["opened from", "opened"]


@dataclass(frozen=True)
class CaseView:
    reference: str
    pathway: str
    version: str
    pathway_title: str
    authority_id: str
    authority_name: str | None
    step: str
    step_title: str
    status: str
    outcome_code: str | None
    outcome_label: str | None
    duty_outcome: str | None
    opened_at: datetime
    closed_at: datetime | None
    people_recorded: list[str]
    linked_cases: list[LinkedCase]
    steps: list[StepView]
    decisions: list[DecisionView]
    timers: list[TimerView]
    notifications: list[NotificationView]
    policy: list[tuple[str, str, str]] = field(default_factory=list)
    """(choice, setting, source) of the authority policy the case opened under."""
    consents: list[ConsentView] = field(default_factory=list)
    route: list[str] = field(default_factory=list)
    """The steps the case has been at, in order, ending at the current one."""

    @property
    def overdue(self) -> int:
        return sum(timer.overdue for timer in self.timers)


def is_overdue(status: str, due_at: datetime, now: datetime) -> bool:
    """Breached, or past due and not yet swept: either way the work is late."""
    return status == "breached" or (status in OPEN_TIMER_STATUSES and due_at <= now)


def timer_views(
    session: Session, definition: PathwayDefinition, case: Case, now: datetime
) -> list[TimerView]:
    timers = session.exec(
        select(Timer).where(Timer.case_id == case.id).order_by(col(Timer.due_at), col(Timer.id))
    ).all()
    overrides = rule_overrides_for(case.authority_id)
    return [
        TimerView(
            id=timer.id or 0,
            name=timer.name,
            title=spec.title_for(overrides)
            if (spec := definition.timers.get(timer.name))
            else timer.name,
            rule=timer.rule_id,
            occurrence=timer.occurrence,
            due_at=timer.due_at,
            status=timer.status,
            overdue=is_overdue(timer.status, timer.due_at, now),
            escalation_level=timer.escalation_level,
            closed_at=timer.closed_at,
            citation=timer.citation,
            rule_status=rule.status if (rule := RULES.get(timer.rule_id)) else "",
            default_period=f"{rule.default} {rule.unit.replace('_', ' ')}" if rule else "",
            unit=rule.unit if rule else "hours",
            override=(
                f"{overrides[timer.rule_id]} {rule.unit.replace('_', ' ')}"
                if rule and timer.rule_id in overrides
                else None
            ),
        )
        for timer in timers
    ]


def _steps(session: Session, definition: PathwayDefinition, case_id: int) -> list[StepView]:
    rows = session.exec(
        select(CaseStep, CaseEvent.role)
        .join(CaseEvent, col(CaseEvent.id) == col(CaseStep.event_id), isouter=True)
        .where(CaseStep.case_id == case_id)
        .order_by(col(CaseStep.completed_at), col(CaseStep.id))
    ).all()
    return [
        StepView(
            at=step.completed_at,
            transition=step.step,
            title=spec.title if (spec := definition.transition(step.step)) else step.step,
            actor=step.completed_by,
            role=role,
        )
        for step, role in rows
    ]


def _decisions(session: Session, case_id: int) -> list[DecisionView]:
    rows = session.exec(
        select(Decision).where(Decision.case_id == case_id).order_by(col(Decision.decided_at))
    ).all()
    return [DecisionView(d.decided_at, d.kind, d.outcome, d.decided_by, d.role) for d in rows]


def _notifications(session: Session, case_id: int) -> list[NotificationView]:
    rows = session.exec(
        select(Notification)
        .where(Notification.case_id == case_id)
        .order_by(col(Notification.created_at), col(Notification.id))
    ).all()
    return [NotificationView(n.event_type, n.recipient, n.status, n.created_at) for n in rows]


def _consents(session: Session, case_id: int) -> list[ConsentView]:
    rows = session.exec(
        select(ConsentRecord, Person.relationship_to_case)
        .join(Person, col(Person.id) == col(ConsentRecord.person_id), isouter=True)
        .where(ConsentRecord.case_id == case_id)
        .order_by(col(ConsentRecord.recorded_at), col(ConsentRecord.id))
    ).all()
    return [
        ConsentView(
            purpose=consent.purpose,
            person=relationship,
            given=consent.given,
            safeguarding_override=consent.safeguarding_override,
            recorded_by=consent.recorded_by,
            recorded_role=consent.recorded_role,
            recorded_at=consent.recorded_at,
        )
        for consent, relationship in rows
    ]


def route_of(definition: PathwayDefinition, transitions: list[str]) -> list[str]:
    """The steps a case has been at, from the moves applied to it, oldest first."""
    route = [definition.initial_step]
    for name in transitions:
        spec = definition.transition(name)
        if spec is None:
            continue
        step = definition.step_after(spec, route[-1])
        if step != route[-1]:
            route.append(step)
    return route


def _linked(session: Session, case: Case) -> list[LinkedCase]:
    linked = []
    if case.linked_case_id is not None and (source := session.get(Case, case.linked_case_id)):
        linked.append(LinkedCase(source.reference, source.pathway, "opened from"))
    opened = session.exec(select(Case).where(Case.linked_case_id == case.id)).all()
    linked.extend(LinkedCase(other.reference, other.pathway, "opened") for other in opened)
    return linked


def _visible(session: Session, viewer: Acting, reference: str, view: str) -> Case | Refusal:
    """The case, if the viewer's authority owns it or it is shared with them (a refusal is
    audited, like any attempt on another authority's case); raises
    application.cases.CaseNotFoundError for an unknown reference."""
    case = load_case(session, reference)
    refused = check_access(session, viewer, case, attempted=view, at=None)
    return case if refused is None else refused


def case_view(
    session: Session, viewer: Acting, reference: str, now: datetime
) -> CaseView | Refusal:
    case = _visible(session, viewer, reference, "case.show")
    return case if isinstance(case, Refusal) else _view_of(session, case, now)


def case_page(
    session: Session, viewer: Acting, reference: str, now: datetime
) -> tuple[CaseView, list[TransitionView]] | Refusal:
    """The case and the moves open to it now, from one read of the case (the dashboard's case
    page shows both)."""
    case = _visible(session, viewer, reference, "case.show")
    if isinstance(case, Refusal):
        return case
    definition = get_definition(case.pathway, case.definition_version)
    moves = transitions_now(definition, snapshot_of(session, case, now), viewer)
    return _view_of(session, case, now), moves


def _view_of(session: Session, case: Case, now: datetime) -> CaseView:
    case_id = case.id or 0
    definition = get_definition(case.pathway, case.definition_version)
    # The name alone: the authority's row carries its whole routing table.
    authority_name = session.exec(
        select(Authority.name).where(Authority.id == case.authority_id)
    ).first()
    steps = _steps(session, definition, case_id)
    people = session.exec(
        select(Person.relationship_to_case)
        .where(Person.case_id == case_id)
        .order_by(col(Person.id))
    ).all()
    return CaseView(
        reference=case.reference,
        pathway=case.pathway,
        version=case.definition_version,
        pathway_title=definition.title,
        authority_id=case.authority_id,
        authority_name=authority_name,
        step=case.state,
        step_title=spec.title if (spec := definition.steps.get(case.state)) else case.state,
        status=case.status,
        outcome_code=case.outcome_code,
        outcome_label=definition.outcomes.get(case.outcome_code or ""),
        duty_outcome=case.duty_outcome,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        people_recorded=list(people),
        linked_cases=_linked(session, case),
        steps=steps,
        decisions=_decisions(session, case_id),
        timers=timer_views(session, definition, case, now),
        notifications=_notifications(session, case_id),
        policy=describe_policy(policy_of(case.facts), case.pathway),
        consents=_consents(session, case_id),
        route=route_of(definition, [step.transition for step in steps]),
    )


def case_transitions_now(
    session: Session, viewer: Acting, reference: str, now: datetime
) -> tuple[Case, list[TransitionView]] | Refusal:
    """``now`` dates the rules that read today or the law in force (e.g. a window still open)."""
    case = _visible(session, viewer, reference, "case.steps")
    if isinstance(case, Refusal):
        return case
    definition = get_definition(case.pathway, case.definition_version)
    return case, transitions_now(definition, snapshot_of(session, case, now), viewer)


@dataclass(frozen=True)
class CaseRow:
    reference: str
    pathway: str
    authority_id: str
    step: str
    status: str
    outcome_code: str | None
    overdue: int
    next_due: datetime | None


def visible_parts(viewer: Principal) -> tuple[ColumnElement[bool], ColumnElement[bool]] | None:
    """(the cases of the authorities the viewer covers, the cases shared with those): together,
    the cases they may see. None for the system, which sees every case."""
    if viewer.is_system:
        return None
    shared = select(CaseShare.case_id).where(col(CaseShare.authority_id).in_(viewer.covers))
    return col(Case.authority_id).in_(viewer.covers), col(Case.id).in_(shared)


def chosen_filters(status: str | None, authority_id: str | None) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if status is not None:
        filters.append(col(Case.status) == status)
    if authority_id is not None:
        filters.append(col(Case.authority_id) == authority_id)
    return filters


def case_filters(
    viewer: Principal, status: str | None, authority_id: str | None
) -> list[ColumnElement[bool]]:
    parts = visible_parts(viewer)
    visible = [] if parts is None else [or_(*parts)]
    return visible + chosen_filters(status, authority_id)


def _running_timers(
    session: Session, filters: list[ColumnElement[bool]]
) -> Iterator[tuple[int, str, datetime]]:
    statement = (
        select(Timer.case_id, Timer.status, Timer.due_at)
        .join(Case, col(Case.id) == col(Timer.case_id))
        .where(col(Timer.status).in_(OPEN_TIMER_STATUSES), *filters)
    )
    yield from session.exec(statement)


def case_rows(
    session: Session,
    viewer: Acting,
    now: datetime,
    *,
    status: str | None = None,
    authority_id: str | None = None,
    overdue_only: bool = False,
) -> list[CaseRow]:
    """One row per case, oldest first: its running timers reduced to how many are overdue
    and when the next one that is not falls due. Two queries, however many cases. Only the
    cases the viewer may see: their authorities' own, and those shared with them."""
    filters = case_filters(viewer.principal, status, authority_id)
    overdue: dict[int, int] = {}
    next_due: dict[int, datetime] = {}
    for case_id, timer_status, due_at in _running_timers(session, filters):
        if is_overdue(timer_status, due_at, now):
            overdue[case_id] = overdue.get(case_id, 0) + 1
        elif case_id not in next_due or due_at < next_due[case_id]:
            next_due[case_id] = due_at
    cases = session.exec(
        select(Case).where(*filters).order_by(col(Case.opened_at), col(Case.id))
    ).all()
    rows = [
        CaseRow(
            reference=case.reference,
            pathway=case.pathway,
            authority_id=case.authority_id,
            step=case.state,
            status=case.status,
            outcome_code=case.outcome_code,
            overdue=overdue.get(case.id or 0, 0),
            next_due=next_due.get(case.id or 0),
        )
        for case in cases
    ]
    return [row for row in rows if row.overdue] if overdue_only else rows
