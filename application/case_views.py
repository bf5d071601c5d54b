"""Read models of pathways and cases for the command line (and later the dashboard).

Nothing here carries a person's name or date of birth: a case view says which people are
recorded on it (by relationship), never who they are. Decisions are shown without their
rationale, which is free text and may name someone.
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, EmailStr
from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from application.cases import check_access, load_case, snapshot_of
from application.principals import Acting
from infrastructure.authority_config import (
    UnknownAuthorityError,
    authority_config,
    rule_overrides_for,
)
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
from pathways.calendar import london_date
from pathways.care_leaver_local_connection import (
    DEFAULT_POLICY,
    POLICY_KEY,
    ChosenAuthority,
    DirectoryAuthority,
    LocalConnectionInputError,
    OutsideDirectory,
    local_connection,
    policy_in_force,
    s23c_duty_subsists,
)
from pathways.case_policy import CARE_LEAVER, describe_policy, policy_of
from pathways.deadlines import RULES, Rule
from pathways.definitions import get_definition
from pathways.engine.definition import (
    ANY_STEP,
    SAME_STEP,
    PathwayDefinition,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.snapshot import CaseSnapshot
from pathways.engine.transitions import decide
from pathways.principal import Actor, Principal
from pathways.refusal import Refusal
from pathways.timer_basis import counts_from, legal_source

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
    due_on: date | None = None
    """The Europe/London date a day-level rule falls due (it ends at 23:59 that day); None for
    an exact-instant rule, whose ``due_at`` is the moment itself."""
    counts_from: str = ""
    """What it counts from, in words, never the date itself: "counts from the young person's
    date of birth: 16th birthday + 3 months" (pathways.timer_basis)."""
    legal_source: str = ""
    """The citation's first clause (the whole is ``citation``): "T17; SI 2010/959 reg.42(1)"."""
    overdue_at_opening: bool = False
    """Opened with the case and due before it opened (a case opened late): the work was already
    late when the case reached the system, not made late here."""

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
    by_step: str = ""
    """The title of the step on the source case that opened the linked one (the 16/17
    intake's s.20 hand-off, a care leaver's B9 hand-off), where it can be told."""


@dataclass(frozen=True)
class DutyToReferView:
    """A care leaver's duty-to-refer referral (B7, s.213B) and the local connection the care
    leaver rule gives with the chosen authority. An authority outside the directory is not
    named: its name was typed, so it is personal data and stays in the stored input."""

    authority: str
    """The directory authority's name, or "an authority outside the directory"."""
    authority_id: str | None
    situation: str
    referred_on: date | None
    acknowledged_on: date | None
    local_connection: str
    """``pathways.care_leaver_local_connection.LocalConnectionCode``, or "" when the case's
    facts cannot be assessed (the reason is then the basis)."""
    local_connection_words: str
    basis: str
    """Why, with its legal sources (s.199(8)-(9) HA 1996, seed 004 §2.9, spec errata 16)."""
    policy: str
    """The case policy ``care_leaver_local_connection`` the case opened under."""


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
    duty_to_refer: DutyToReferView | None = None
    """A care-leaver case's duty-to-refer referral, with the local connection; else None."""

    @property
    def overdue(self) -> int:
        return sum(timer.overdue for timer in self.timers)

    @property
    def timers_overdue_at_opening(self) -> list[TimerView]:
        """What was already overdue when the case opened, as the opening's answer and the case
        page say it ("already overdue when the case opened")."""
        return [timer for timer in self.timers if timer.overdue_at_opening]


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
            due_on=london_date(timer.due_at) if rule and not rule.is_datetime else None,
            counts_from=_counts_from(definition.timers.get(timer.name), rule, case, overrides),
            legal_source=legal_source(timer.citation),
            overdue_at_opening=_overdue_at_opening(timer, case),
        )
        for timer in timers
    ]


def _overdue_at_opening(timer: Timer, case: Case) -> bool:
    # A timer's created_at is the application time of the event that opened it, so no later
    # step's timer can be mistaken for one of the opening's.
    return timer.created_at <= case.opened_at and timer.due_at <= case.opened_at


def _counts_from(
    spec: TimerSpec | None, rule: Rule | None, case: Case, overrides: Mapping[str, int]
) -> str:
    if spec is None or rule is None:
        return ""
    own = case.facts.get(spec.amount_from) if spec.amount_from else None
    amount = int(own) if own is not None else overrides.get(rule.id, rule.default)
    return counts_from(rule, spec.starts_from, amount)


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
        by_step = _opened_by_step(session, source, case)
        linked.append(LinkedCase(source.reference, source.pathway, "opened from", by_step))
    opened = session.exec(
        select(Case).where(Case.linked_case_id == case.id).order_by(col(Case.id))
    ).all()
    linked.extend(
        LinkedCase(other.reference, other.pathway, "opened", _opened_by_step(session, case, other))
        for other in opened
    )
    return linked


def _opened_by_step(session: Session, source: Case, linked: Case) -> str:
    """The title of the source case's step that opened ``linked``: its opening event's key
    names the source event (``application.cases._open_linked_case``)."""
    prefix = f"linked-from:{source.reference}:"
    key = session.exec(
        select(CaseEvent.idempotency_key).where(
            CaseEvent.case_id == linked.id, col(CaseEvent.idempotency_key).startswith(prefix)
        )
    ).first()
    event_id = key.removeprefix(prefix) if key else ""
    event = session.get(CaseEvent, int(event_id)) if event_id.isdigit() else None
    if event is None or event.case_id != source.id:
        return ""
    spec = get_definition(source.pathway, source.definition_version).transition(event.transition)
    return spec.title if spec else event.transition


SITUATION_WORDS: Final[Mapping[str, str]] = {
    "threatened_within_56_days": "threatened with homelessness within 56 days",
    "homeless": "homeless",
}
CONNECTION_WORDS: Final[Mapping[str, str]] = {
    "two_tier_every_district": "Yes: with every district of the county (the care leaver rule)",
    "children_services_area": "Yes: with the area of the children's services authority that "
    "looked after them (the care leaver rule)",
    "not_by_care_leaver_rule": "None by the care leaver rule (the housing officer assesses any "
    "other connection)",
    "not_assessed_outside_directory": "Not assessed: the authority is outside the directory",
}
OUTSIDE_DIRECTORY: Final = "an authority outside the directory"


def _fact_day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _duty_to_refer(session: Session, case: Case) -> DutyToReferView | None:
    referral = case.facts.get("duty_to_refer")
    if case.pathway != CARE_LEAVER or not isinstance(referral, Mapping):
        return None
    authority_id = referral.get("to_authority")
    recorded = policy_of(case.facts)
    # s.23C(6)-(7): to 21, and beyond while a programme in the pathway plan continues. The
    # case records no programme; support to 25 is s.23CZB's, not s.23C's, so it does not
    # carry the s.199(8)-(9) connection past 21 (``s23c_duty_subsists``).
    lasts = s23c_duty_subsists(
        under_21=not case.facts.get("reached_21"), programme_beyond_21_continues=False
    )
    name: str | None = None
    code: str
    try:
        chosen: ChosenAuthority
        if isinstance(authority_id, str) and authority_id:
            configured = authority_config().authority(authority_id)
            name = session.exec(select(Authority.name).where(Authority.id == authority_id)).first()
            chosen = DirectoryAuthority(authority_id, configured.kind, configured.children_services)
        else:
            # The typed name is never read back here: the rule does not depend on it.
            chosen = OutsideDirectory(OUTSIDE_DIRECTORY)
        found = local_connection(
            responsible_authority=case.facts.get("responsible_authority", "kcc"),
            chosen=chosen,
            policy=policy_in_force(recorded),
            s23c_duty_lasts=lasts,
        )
        code, words, basis = found.code, CONNECTION_WORDS[found.code], found.basis
    except (LocalConnectionInputError, UnknownAuthorityError) as unassessable:
        code, words = "", "Not assessed: the case's details do not allow it"
        basis = str(unassessable)
    situation = str(referral.get("situation", ""))
    return DutyToReferView(
        authority=name or (authority_id if isinstance(authority_id, str) else OUTSIDE_DIRECTORY),
        authority_id=authority_id if isinstance(authority_id, str) else None,
        situation=SITUATION_WORDS.get(situation, situation.replace("_", " ")),
        referred_on=_fact_day(referral.get("referred_on")),
        acknowledged_on=_fact_day(case.facts.get("referral_acknowledged_on")),
        local_connection=code,
        local_connection_words=words,
        basis=basis,
        policy=str(recorded.get(POLICY_KEY, DEFAULT_POLICY)),
    )


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
        duty_to_refer=_duty_to_refer(session, case),
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
