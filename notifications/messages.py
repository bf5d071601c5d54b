"""Turns a transition's notification specs into outbox rows for the case's routes."""

from __future__ import annotations

from sqlalchemy import insert
from sqlmodel import Session

from infrastructure.settings import get_settings
from models import Case, CaseEvent, Notification, Timer
from notifications.context import case_link, format_due, minimal_context
from notifications.outbox import outbox_rows
from notifications.recipients import RouteResolver
from pathways.engine.definition import PathwayDefinition
from pathways.engine.transitions import Plan
from pathways.roles import team_of_role

TEAM_NAMES = {
    "lha": "Housing (LHA)",
    "ics": "Children's services (ICS)",
    "joint": "Joint LHA + ICS team",
    "ifd": "Integrated Front Door",
}


def owning_team_label(team: str) -> str:
    return TEAM_NAMES.get(team, team)


def queue_transition_notifications(
    session: Session,
    definition: PathwayDefinition,
    case: Case,
    event: CaseEvent,
    plan: Plan,
    opened: list[Timer],
) -> list[str]:
    """Queues the transition's messages; returns the route kind of each one queued."""
    if not plan.notifications:
        return []
    next_due = min(opened, key=lambda timer: timer.due_at, default=None)
    team = next_due.owner_team if next_due is not None else team_of_role(event.role)
    context = minimal_context(
        case_reference=case.reference,
        pathway=definition.title,
        event=plan.transition.title,
        due=format_due(next_due.due_at if next_due is not None else None),
        owning_team=owning_team_label(team),
        link=case_link(get_settings().base_url, case.reference),
    )
    resolver = RouteResolver(session)
    rows = []
    for spec in plan.notifications:
        routes = resolver.routes(case.id or 0, case.authority_id, case.facts, spec.to)
        said = context if spec.event is None else {**context, "event": spec.event}
        rows.extend(
            outbox_rows(
                key_prefix=f"event:{event.id}",
                case_id=case.id,
                case_reference=case.reference,
                event_type=spec.template,
                context=said,
                routes=routes,
                now=event.occurred_at,
            )
        )
    # Two specs may name the same route for the same template: it gets one message.
    unique = list({row["idempotency_key"]: row for row in rows}.values())
    if unique:
        session.execute(insert(Notification), unique)
    return [str(row["recipient"]) for row in unique]
