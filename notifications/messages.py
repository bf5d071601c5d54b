"""What a message says and to whom: the one builder of notification outbox rows.

A transition's notifications and a timer's firings both say the same six things (spec §6):
the case reference, pathway, event wording, due time, owning team and link. ``message_rows``
assembles them and resolves the recipients, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from infrastructure.settings import get_settings
from models import Case, CaseEvent, Notification, Timer
from notifications.context import case_link, format_due, minimal_context
from notifications.outbox import outbox_rows
from notifications.recipients import RouteResolver
from pathways.deadlines import due_date_reveals_birthday
from pathways.engine.definition import NotificationSpec, PathwayDefinition
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


@lru_cache(maxsize=1024)
def _due_words(minute: datetime) -> str | None:
    return format_due(minute)


def due_words(due: datetime | None) -> str | None:
    """``format_due``, once per minute: it names no seconds, and UK time is a whole number of
    hours from UTC, so a sweep's thousands of alerts due within a few minutes share a few."""
    if due is None:
        return None
    return _due_words(due.astimezone(UTC).replace(second=0, microsecond=0))


def message_rows(
    resolver: RouteResolver,
    *,
    case_id: int | None,
    case_reference: str,
    authority_id: str,
    facts: Mapping[str, Any],
    pathway_title: str,
    event: str,
    due: datetime | None,
    owning_team: str,
    recipients: Iterable[str],
    template: str,
    key_prefix: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Outbox row values for one message to every route the recipients resolve to.

    Each row's ``recipient`` is the recipient key the route stands for. No query of its own:
    the resolver caches what it looks up, so a sweep builds thousands of rows with one.
    """
    context = minimal_context(
        case_reference=case_reference,
        pathway=pathway_title,
        event=event,
        due=due_words(due),
        owning_team=owning_team_label(owning_team),
        link=case_link(get_settings().base_url, case_reference),
    )
    return outbox_rows(
        key_prefix=key_prefix,
        case_id=case_id,
        case_reference=case_reference,
        event_type=template,
        context=context,
        routes=resolver.routes(case_id or 0, authority_id, facts, recipients),
        now=now,
    )


def _due_for(
    spec: NotificationSpec, opened: list[Timer], earliest: Timer | None
) -> datetime | None:
    if spec.due_timer is not None:
        named = next((timer for timer in opened if timer.name == spec.due_timer), None)
    else:
        named = earliest
    if named is None or due_date_reveals_birthday(named.rule_id):
        return None
    return named.due_at


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
    # A birthday clock's date is never given in an alert, so the next due is another one.
    next_due = min(
        (timer for timer in opened if not due_date_reveals_birthday(timer.rule_id)),
        key=lambda timer: timer.due_at,
        default=None,
    )
    team = next_due.owner_team if next_due is not None else team_of_role(event.role)
    resolver = RouteResolver(session)
    rows = []
    for spec in plan.notifications:
        rows.extend(
            message_rows(
                resolver,
                case_id=case.id,
                case_reference=case.reference,
                authority_id=case.authority_id,
                facts=case.facts,
                pathway_title=definition.title,
                event=plan.transition.title if spec.event is None else spec.event,
                due=_due_for(spec, opened, next_due),
                owning_team=team,
                recipients=spec.to,
                template=spec.template,
                key_prefix=f"event:{event.id}",
                now=event.occurred_at,
            )
        )
    # Two specs may name the same route for the same template: it gets one message.
    unique = list({row["idempotency_key"]: row for row in rows}.values())
    if unique:
        session.execute(insert(Notification), unique)
    return [str(row["recipient"]) for row in unique]
