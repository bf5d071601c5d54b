"""Opening cases and recording events: validate first, then write in one transaction.

Nothing here runs a flow. ``open_case`` and ``submit_event`` check the move against the same
pure rules the flow uses and write the event; ``apply_event`` is what the pathway flow runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from application.audit_coverage import covers, queued_by
from application.people_in_inputs import (
    RecordedPerson,
    already_recorded,
    people_in,
    restore_people,
    with_markers,
    write_people,
)
from application.principals import Acting, audit_refusal
from application.staff_references import check_staff_references
from application.timers import close_timers, open_timers
from infrastructure import audit
from infrastructure.audit_keys import commitment_key, new_case_salt
from infrastructure.authority_config import authority_config
from infrastructure.law_in_force import in_force
from infrastructure.settings import get_settings
from models import (
    Authority,
    Case,
    CaseEvent,
    CaseShare,
    CaseStep,
    ConsentRecord,
    Decision,
    Person,
    Timer,
)
from notifications.messages import queue_transition_notifications
from pathways.calendar import london_date
from pathways.definitions import get_definition
from pathways.engine.definition import PathwayDefinition
from pathways.engine.inputs import ConsentGiven
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot, HistoryEntry
from pathways.engine.transitions import Plan, decide
from pathways.personal_facts import committed_facts
from pathways.personal_fields import personal_paths, personal_values
from pathways.principal import Actor, may_act_on
from pathways.references import new_case_reference
from pathways.refusal import Refusal
from pathways.roles import parse_role

log = logging.getLogger(__name__)


class CaseNotFoundError(LookupError):
    def refusal(self) -> Refusal:
        """What a use case returns for it: the ``case`` named in the message and the field."""
        return Refusal("not_found", f"case: {self}", "case")


@dataclass(frozen=True)
class Submitted:
    case_reference: str
    pathway: str
    event_id: int
    duplicate: bool = False


def history_of(session: Session, case: Case) -> tuple[HistoryEntry, ...]:
    """Every applied step, oldest first, with the decision it recorded (if any)."""
    rows = session.exec(
        select(CaseEvent, Decision.kind, Decision.outcome)
        .outerjoin(Decision, col(Decision.event_id) == col(CaseEvent.id))
        .where(CaseEvent.case_id == case.id, col(CaseEvent.status) == "applied")
        .order_by(col(CaseEvent.id))
    ).all()
    return tuple(
        HistoryEntry(
            transition=event.transition,
            actor=event.actor,
            role=parse_role(event.role),
            at=event.applied_at or event.occurred_at,
            decision=kind,
            outcome=outcome,
        )
        for event, kind, outcome in rows
    )


def snapshot_of(session: Session, case: Case, now: datetime | None = None) -> CaseSnapshot:
    """The case as the rules see it; ``now`` (the application clock) dates the law in force."""
    open_names = session.exec(
        select(Timer.name).where(Timer.case_id == case.id, col(Timer.status) != "closed")
    ).all()
    people = session.exec(
        select(Person.relationship_to_case).where(Person.case_id == case.id)
    ).all()
    return CaseSnapshot(
        case.state,
        case.status,
        dict(case.facts),
        frozenset(open_names),
        history=history_of(session, case),
        people=frozenset(people),
        today=london_date(now) if now is not None else None,
        in_force=in_force(),
        rule_overrides=authority_config().authority(case.authority_id).rule_overrides,
    )


def shared_with(session: Session, case: Case) -> list[str]:
    return list(
        session.exec(select(CaseShare.authority_id).where(CaseShare.case_id == case.id)).all()
    )


def check_access(
    session: Session, acting: Acting, case: Case, *, attempted: str, at: datetime | None
) -> Refusal | None:
    """Refuses, and audits, a principal acting on a case of an authority they do not cover."""
    refusal = may_act_on(acting.principal, case.authority_id, shared_with(session, case))
    if refusal is None:
        return None
    return audit_refusal(
        session, acting, refusal, attempted=attempted, case_reference=case.reference, at=at
    )


def opening_facts(authority_id: str) -> dict[str, Any]:
    """What every case knows from its first step: its authority, and the authority's policy
    in force when it opened (``pathways.case_policy``), which the case then keeps."""
    policy = authority_config().authority(authority_id).case_policy
    return {"authority": authority_id, "case_policy": policy.model_dump()}


def input_limits(now: datetime) -> InputLimits:
    """What an input is checked against: the application clock's ``now`` and the configured
    clock skew and parent age gap."""
    settings = get_settings()
    return InputLimits(
        now=now,
        max_clock_skew=timedelta(minutes=settings.max_clock_skew_minutes),
        min_parent_age_gap_years=settings.min_parent_age_gap_years,
    )


def _case_state(case: Case) -> dict[str, Any]:
    """What an audit row says of the case either side of a step; the facts the step recorded
    go in the ``after`` alone (``_audited_facts``), so a fact enters the chain once."""
    return {
        "state": case.state,
        "status": case.status,
        "outcome_code": case.outcome_code,
        "version": case.version,
    }


def _audited_facts(case: Case, event: CaseEvent, plan: Plan) -> dict[str, Any]:
    """The step's facts as the chain keeps them: a copy of a personal input value is kept as
    its commitment, since an audit row can never be anonymised."""
    paths = personal_paths(plan.transition.input_model)
    personal = personal_values(event.payload, paths)
    facts, _ = committed_facts(
        _jsonable(plan.recorded_facts), personal, case.pii_salt, commitment_key(case.pii_salt)
    )
    return facts


DUTY_OUTCOME = "duty_outcome"


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return audit.normalise(dict(values)) or {}


AUDITED_REFUSALS = {
    "forbidden": "forbidden",
    "not_allowed_now": "refused",
    "refused": "refused",
    "case_closed": "refused",
}


def _refuse_and_audit(
    session: Session,
    refusal: Refusal,
    *,
    actor: Actor,
    action: str,
    reference: str | None,
    at: datetime,
    audited: Mapping[str, str] = AUDITED_REFUSALS,
) -> Refusal:
    """A refused move is part of the record: who tried what, when, and the rule that said no
    (spec §0.3 for roles). Malformed input is not a move, so it writes nothing.

    The refusal is returned, not raised, so the caller's transaction commits the audit event.
    """
    if refusal.code in audited:
        audit.record(
            session,
            actor=actor.username,
            role=actor.role,
            action=f"{action}.{audited[refusal.code]}",
            case_reference=reference,
            after={"reason": refusal.reason, "code": refusal.code},
            basis="role check (spec §0.3)" if refusal.code == "forbidden" else "pathway rules",
            at=at,
        )
    return refusal


def open_case(
    session: Session,
    *,
    pathway: str,
    authority_id: str,
    payload: Mapping[str, Any],
    acting: Acting,
    now: datetime,
    idempotency_key: str,
) -> Submitted | Refusal:
    """Checks the opening step, then writes the case, its people and the opening event."""
    definition = get_definition(pathway)
    if session.get(Authority, authority_id) is None:
        return Refusal(
            "invalid_input", f"authority_id: unknown authority '{authority_id}'", "authority_id"
        )
    other = may_act_on(acting.principal, authority_id)
    if other is not None:
        return audit_refusal(
            session, acting, other, attempted=f"{pathway}.open", case_reference=None, at=now
        )
    decision = decide(
        definition,
        CaseSnapshot(definition.initial_step, facts=opening_facts(authority_id)),
        definition.opening_transition,
        acting.actor,
        payload,
        limits=input_limits(now),
    )
    if isinstance(decision, Refusal):
        return _refuse_and_audit(
            session,
            decision,
            actor=acting.actor,
            action=f"{pathway}.open",
            reference=None,
            at=now,
            # An applicant turned away at the door (e.g. the age gate) has no case to record
            # it on; only an attempt by the wrong role is kept.
            audited={"forbidden": "forbidden"},
        )
    people, payload_without_people = people_in(decision.input)
    case, event = _write_new_case(
        session,
        definition,
        authority_id=authority_id,
        linked_case_id=None,
        people={person.label: person for person in people},
        payload=payload_without_people,
        actor=acting.actor,
        idempotency_key=idempotency_key,
        at=now,
        audit_after={"authority": authority_id, "people": sorted(p.label for p in people)},
        basis=definition.citation,
    )
    return Submitted(case.reference, definition.name, event.id or 0)


def _write_new_case(
    session: Session,
    definition: PathwayDefinition,
    *,
    authority_id: str,
    linked_case_id: int | None,
    people: Mapping[str, RecordedPerson],
    payload: Mapping[str, Any],
    actor: Actor,
    idempotency_key: str,
    at: datetime,
    audit_after: dict[str, Any],
    basis: str,
) -> tuple[Case, CaseEvent]:
    """The case, its people and its pending opening event, audited: what every opening writes,
    whether a coordinator opened it or another case's transition did. ``payload`` is without
    the people: each gets a marker naming their row (``application.people_in_inputs``)."""
    case = Case(
        reference=_unused_reference(session),
        pathway=definition.name,
        definition_version=definition.version,
        authority_id=authority_id,
        facts=opening_facts(authority_id),
        state=definition.initial_step,
        linked_case_id=linked_case_id,
        opened_at=at,
        pii_salt=new_case_salt(),
    )
    session.add(case)
    session.flush()
    persons = write_people(session, case, list(people.values()))
    event = CaseEvent(
        case_id=case.id or 0,
        transition=definition.opening_transition,
        payload=_jsonable(with_markers(payload, list(people.values()), persons)),
        actor=actor.username,
        role=actor.role,
        idempotency_key=idempotency_key,
        occurred_at=at,
    )
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        role=actor.role,
        action=f"{definition.name}.case.created",
        case_reference=case.reference,
        after={"pathway": definition.key, **audit_after},
        basis=basis,
        at=at,
        covers=covers(case, *persons, event, opening=True),
    )
    return case, event


def _unused_reference(session: Session) -> str:
    while True:
        reference = new_case_reference()
        if session.exec(select(Case.id).where(Case.reference == reference)).first() is None:
            return reference


def load_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    statement = select(Case).where(Case.reference == reference)
    if for_update:
        statement = statement.with_for_update()
    case = session.exec(statement).first()
    if case is None:
        raise CaseNotFoundError(f"no case with reference '{reference}'")
    return case


HAPPENED_AT = {
    "enquiry_received_at": "moment",
    "placed_at": "moment",
    "ended_at": "moment",
    "moved_at": "moment",
    "satisfied_on": "day",
    "sent_on": "day",
    "decided_on": "day",
    "notice_given_on": "day",
    "deemed_notified_on": "day",
    "requested_on": "day",
    "signed_on": "day",
    "notified_on": "day",
    "accommodated_from": "day",
}
"""Inputs saying when something happened: left out, it happened as it is being recorded."""


def with_happened_at(
    model: type[BaseModel] | None, payload: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """The payload, with each of its model's happened-at fields it leaves out set to now."""
    filled = dict(payload)
    for name, kind in HAPPENED_AT.items():
        if model is not None and name in model.model_fields and name not in filled:
            filled[name] = now.isoformat() if kind == "moment" else london_date(now).isoformat()
    return filled


def submit_event(
    session: Session,
    *,
    case_reference: str,
    transition: str,
    payload: Mapping[str, Any],
    acting: Acting,
    now: datetime,
    idempotency_key: str,
) -> Submitted | Refusal:
    """Refuses a wrong move at once; otherwise writes the pending event for the flow to apply."""
    case = load_case(session, case_reference)
    other = check_access(session, acting, case, attempted=f"{case.pathway}.{transition}", at=now)
    if other is not None:
        return other
    existing = session.exec(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.idempotency_key == idempotency_key
        )
    ).first()
    if existing is not None:
        return Submitted(case.reference, case.pathway, existing.id or 0, duplicate=True)
    definition = get_definition(case.pathway, case.definition_version)
    spec = definition.transition(transition)
    if spec is not None:
        payload = with_happened_at(spec.input_model, payload, now)
    decision = decide(
        definition,
        snapshot_of(session, case, now),
        transition,
        acting.actor,
        payload,
        limits=input_limits(now),
    )

    def refused(refusal: Refusal, audited: Mapping[str, str] = AUDITED_REFUSALS) -> Refusal:
        return _refuse_and_audit(
            session,
            refusal,
            actor=acting.actor,
            action=f"{case.pathway}.{transition}",
            reference=case.reference,
            at=now,
            audited=audited,
        )

    if isinstance(decision, Refusal):
        return refused(decision)
    # A step naming a manager who may not authorise it is a refused move, so it is audited.
    named = check_staff_references(session, case, decision.input)
    if named is not None:
        return refused(named, {**AUDITED_REFUSALS, "invalid_input": "refused"})
    people, payload_without_people = people_in(decision.input)
    twice = already_recorded(session, case, people)
    if twice is not None:
        return refused(twice)
    persons = write_people(session, case, people)
    event = CaseEvent(
        case_id=case.id or 0,
        transition=transition,
        payload=with_markers(payload_without_people, people, persons),
        actor=acting.username,
        role=acting.role,
        idempotency_key=idempotency_key,
        occurred_at=now,
    )
    session.add(event)
    session.flush()
    if persons:
        # The rows are written now, so the event can be re-checked when applied; they are
        # covered now too, as the opening's people are.
        audit.record(
            session,
            actor=acting.username,
            role=acting.role,
            action=f"{case.pathway}.{transition}.people_recorded",
            case_reference=case.reference,
            after={"event_id": event.id, "people": [p.label for p in people]},
            basis=(spec.citation if spec is not None else None) or definition.citation,
            at=now,
            covers=covers(case, *persons, event),
        )
    return Submitted(case.reference, case.pathway, event.id or 0)


FollowUp = tuple[str, str, int]
"""(pathway, case reference, event id) of an event a transition created for another case."""


@dataclass(frozen=True)
class TimerOpened:
    name: str
    rule_id: str
    due_at: datetime
    overdue: bool = False
    """Due before the event that opened it (a case opened late): overdue from the start, and
    the next sweep breaches it."""


@dataclass(frozen=True)
class TransitionSummary:
    """What one applied event did, in terms an auditor reading Prefect's run history can use:
    rule ids, step names, due times and route kinds, never a person or an address."""

    transition: str
    from_step: str
    to_step: str
    timers_opened: tuple[TimerOpened, ...] = ()
    timers_closed: tuple[str, ...] = ()
    notifications: tuple[str, ...] = ()
    """The route kind of every message queued (lha, ics, case_staff, role:..., referrer)."""


@dataclass(frozen=True)
class Applied:
    case_reference: str
    event_id: int
    status: str
    state: str
    reason: str | None = None
    """Why the pathway refused it (``rejected``), or why it waits to be applied (``pending``)."""
    replay: bool = False
    follow_ups: list[FollowUp] = field(default_factory=list)
    summary: TransitionSummary | None = None
    """Set only when this call applied the event (not on a replay, a rejection or a read-back)."""


def apply_event(session: Session, case_reference: str, event_id: int) -> Applied:
    """The transition, its timers, its outbox rows and its audit event: one transaction.

    The case row is locked first, so two events racing on one case are applied one after
    the other, and the second is decided against the state the first left.
    """
    case = load_case(session, case_reference, for_update=True)
    event = session.get(CaseEvent, event_id)
    if event is None or event.case_id != case.id:
        raise CaseNotFoundError(f"event {event_id} does not belong to case {case_reference}")
    if event.status != "pending":
        return Applied(
            case.reference, event_id, event.status, case.state, event.rejection_reason, True
        )
    definition = get_definition(case.pathway, case.definition_version)
    payload = restore_people(session, case, event.payload)
    actor = Actor(event.actor, parse_role(event.role))
    # Checked against the moment it was submitted, as it was then: a pending event applied
    # later (recovery, a slow flow) is neither more nor less in the future than it was.
    decision = decide(
        definition,
        snapshot_of(session, case, event.occurred_at),
        event.transition,
        actor,
        payload,
        limits=input_limits(event.occurred_at),
    )
    if isinstance(decision, Refusal):
        return _reject(session, case, event, decision)
    linked = (
        _linked_opening(session, case, {**case.facts, **decision.recorded_facts}, decision)
        if decision.transition.opens_case
        else None
    )
    linked_refusal = _linked_case_refusal(case, event, linked) if linked else None
    if linked_refusal is not None:
        return _reject(session, case, event, linked_refusal)
    follow_ups, summary = _apply_plan(session, definition, case, event, decision, linked)
    return Applied(
        case.reference, event_id, "applied", case.state, follow_ups=follow_ups, summary=summary
    )


def outcome_of(session: Session, case_reference: str, event_id: int) -> Applied:
    """What applying an event did, read back from the database (no flow result needed)."""
    case = load_case(session, case_reference)
    event = session.get(CaseEvent, event_id)
    if event is None or event.case_id != case.id:
        raise CaseNotFoundError(f"event {event_id} does not belong to case {case_reference}")
    linked = session.exec(
        select(Case.pathway, Case.reference, CaseEvent.id)
        .join(Case, col(Case.id) == col(CaseEvent.case_id))
        .where(CaseEvent.idempotency_key == f"linked-from:{case.reference}:{event_id}")
    ).all()
    return Applied(
        case.reference,
        event_id,
        event.status,
        case.state,
        event.rejection_reason,
        follow_ups=[(p, ref, linked_id or 0) for p, ref, linked_id in linked],
    )


def _reject(session: Session, case: Case, event: CaseEvent, refusal: Refusal) -> Applied:
    event.status = "rejected"
    event.rejection_reason = refusal.reason
    session.add(event)
    audit.record(
        session,
        actor=event.actor,
        role=event.role,
        action=f"{case.pathway}.{event.transition}.rejected",
        case_reference=case.reference,
        after={"event_id": event.id, "reason": refusal.reason, "code": refusal.code},
        basis="pathway transition rules",
        at=event.occurred_at,
        covers=covers(case, event),
    )
    log.info("case %s: event %s rejected (%s)", case.reference, event.id, refusal.code)
    return Applied(case.reference, event.id or 0, "rejected", case.state, refusal.reason)


def _apply_plan(
    session: Session,
    definition: PathwayDefinition,
    case: Case,
    event: CaseEvent,
    plan: Plan,
    linked: _LinkedOpening | None,
) -> tuple[list[FollowUp], TransitionSummary]:
    at = event.occurred_at
    before = _case_state(case)
    case.state = plan.to_step
    case.facts = {**case.facts, **_jsonable(plan.recorded_facts)}
    # The LHA duty's outcome is reported (H-CLIC, spec §8), so it has its own column.
    if plan.recorded_facts.get(DUTY_OUTCOME):
        case.duty_outcome = str(plan.recorded_facts[DUTY_OUTCOME])
    case.version += 1
    if plan.ends_case:
        case.status = "closed"
        # An ending with no outcome of its own keeps the one the case reached (an RFS triage).
        case.outcome_code = plan.outcome or case.outcome_code
        case.closed_at = at
    elif plan.outcome is not None:
        case.outcome_code = plan.outcome
    session.add(case)
    step = CaseStep(
        case_id=case.id or 0,
        step=plan.transition.name,
        status="done",
        opened_at=at,
        completed_at=at,
        completed_by=event.actor,
        event_id=event.id,
    )
    session.add(step)
    consents = _record_consents(session, case, event, plan)
    decision = _record_decision(session, case, event, plan)
    overrides = authority_config().authority(case.authority_id).rule_overrides
    closed = close_timers(session, case, plan.timers_to_close, at)
    opened = open_timers(session, definition, case, plan, at, overrides)
    route_kinds = queue_transition_notifications(session, definition, case, event, plan, opened)
    follow_ups = [_open_linked_case(session, case, event, plan, linked)] if linked else []
    share = _share_named_authority(session, case, event, plan)
    event.status = "applied"
    event.applied_at = at
    session.add(event)
    session.flush()
    audit.record(
        session,
        actor=event.actor,
        role=event.role,
        action=f"{case.pathway}.{plan.transition.name}",
        case_reference=case.reference,
        before=before,
        after={
            **_case_state(case),
            "facts": _audited_facts(case, event, plan),
            "event_id": event.id,
            "timers_opened": [t.name for t in opened],
            "timers_closed": list(plan.timers_to_close),
            **({"shared_with": share.authority_id} if share is not None else {}),
        },
        basis=plan.transition.citation or definition.citation,
        at=at,
        covers=covers(
            case,
            event,
            step,
            *consents,
            decision,
            share,
            *closed,
            *opened,
            *queued_by(session, event),
        ),
    )
    log.info("case %s: %s -> %s (event %s)", case.reference, plan.from_step, plan.to_step, event.id)
    summary = TransitionSummary(
        transition=plan.transition.name,
        from_step=plan.from_step,
        to_step=plan.to_step,
        timers_opened=tuple(
            TimerOpened(t.name, t.rule_id, t.due_at, t.due_at <= at) for t in opened
        ),
        timers_closed=plan.timers_to_close,
        notifications=tuple(route_kinds),
    )
    return follow_ups, summary


def _share_named_authority(
    session: Session, case: Case, event: CaseEvent, plan: Plan
) -> CaseShare | None:
    """The share a step declares (``shares_with``), written in its own transaction and covered
    by its audit row, so the authority's staff can act on the case at once."""
    if plan.transition.shares_with is None:
        return None
    authority_id = case.facts.get(plan.transition.shares_with)
    if (
        not isinstance(authority_id, str)
        or authority_id == case.authority_id
        or session.get(Authority, authority_id) is None
        or authority_id in shared_with(session, case)
    ):
        return None
    share = CaseShare(
        case_id=case.id or 0,
        authority_id=authority_id,
        reason=plan.transition.share_reason or plan.transition.name,
        shared_by=event.actor,
        shared_at=event.occurred_at,
    )
    session.add(share)
    return share


@dataclass(frozen=True)
class _LinkedOpening:
    definition: PathwayDefinition
    people: Mapping[str, RecordedPerson]
    payload: Mapping[str, Any]


def _linked_opening(
    session: Session, source: Case, facts: Mapping[str, Any], plan: Plan
) -> _LinkedOpening:
    """What the linked case opens with: the people copied (renamed where its pathway names
    them differently) and its opening input, from this case's facts after the step."""
    spec = plan.transition.opens_case
    assert spec is not None
    copied = session.exec(
        select(Person)
        .where(
            Person.case_id == source.id, col(Person.relationship_to_case).in_(spec.copies_people)
        )
        .order_by(col(Person.id))
    ).all()
    # A label recorded again after a rejected step: its latest row (people_in_inputs).
    latest = {
        spec.people_as.get(person.relationship_to_case, person.relationship_to_case): person
        for person in copied
    }
    people = {
        label: RecordedPerson(
            field=label,
            index=None,
            full_name=person.full_name,
            date_of_birth=person.date_of_birth,
            contact_details=person.contact_details,
        )
        for label, person in latest.items()
    }
    payload = spec.payload(facts, plan.input) if spec.payload else {}
    return _LinkedOpening(get_definition(spec.pathway, spec.version), people, payload)


def _linked_case_refusal(case: Case, event: CaseEvent, linked: _LinkedOpening) -> Refusal | None:
    """A step that opens a linked case is refused if that case could not open: otherwise the
    hand-off would leave a case stuck at its first step, and this one would think it done."""
    person_inputs = {
        label: {
            key: value
            for key, value in (
                ("full_name", person.full_name),
                ("date_of_birth", person.date_of_birth),
            )
            if value is not None
        }
        for label, person in linked.people.items()
    }
    decision = decide(
        linked.definition,
        CaseSnapshot(linked.definition.initial_step, facts=opening_facts(case.authority_id)),
        linked.definition.opening_transition,
        Actor(event.actor, "system"),
        {**linked.payload, **person_inputs},
        limits=input_limits(event.occurred_at),
    )
    if not isinstance(decision, Refusal):
        return None
    return Refusal(
        "refused",
        f"the linked {linked.definition.name} case could not open: {decision.reason}",
    )


def _open_linked_case(
    session: Session, source: Case, event: CaseEvent, plan: Plan, linked: _LinkedOpening
) -> FollowUp:
    """Opens the linked case in this transaction; its opening event runs after this one."""
    case, opening = _write_new_case(
        session,
        linked.definition,
        authority_id=source.authority_id,
        linked_case_id=source.id,
        people=linked.people,
        payload=linked.payload,
        actor=Actor(event.actor, "system"),
        idempotency_key=f"linked-from:{source.reference}:{event.id}",
        at=event.occurred_at,
        audit_after={"linked_from": source.reference},
        basis=plan.transition.citation or linked.definition.citation,
    )
    return (linked.definition.name, case.reference, opening.id or 0)


def _record_consents(
    session: Session, case: Case, event: CaseEvent, plan: Plan
) -> list[ConsentRecord]:
    if plan.input is None:
        return []
    records = []
    for name in type(plan.input).model_fields:
        value = getattr(plan.input, name)
        consents = value if isinstance(value, list) else [value]
        for consent in consents:
            if isinstance(consent, ConsentGiven):
                records.append(
                    ConsentRecord(
                        case_id=case.id or 0,
                        purpose=consent.purpose,
                        given=consent.given,
                        scope=f"{name}: {consent.scope}".strip(": "),
                        recorded_by=event.actor,
                        recorded_role=event.role,
                        recorded_at=event.occurred_at,
                    )
                )
    session.add_all(records)
    return records


def _record_decision(session: Session, case: Case, event: CaseEvent, plan: Plan) -> Decision | None:
    kind = plan.transition.decision
    if kind is None:
        return None
    outcome = getattr(plan.input, "decision", None) or plan.outcome or plan.transition.name
    decision = Decision(
        case_id=case.id or 0,
        kind=kind,
        outcome=str(outcome),
        decided_by=event.actor,
        role=event.role,
        rationale=str(getattr(plan.input, "rationale", "") or ""),
        basis=plan.transition.citation,
        decided_at=event.occurred_at,
        event_id=event.id,
    )
    session.add(decision)
    return decision
