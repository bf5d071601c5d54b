"""Applies ``pathways.demo_mail``'s rule at ``pathways serve`` start-up, before any delivery runs.

"Demo cases in this database" means the demo seeding, or a simulation, has acted in it: its
audit trail holds the demo's completion marker or an event by the simulation actor (a seeding
cut short leaves cases but no marker). The names are ``pathways.demo_mail``'s copies, as
importing ``simulation`` here would load Prefect before ``serve`` has chosen its server.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, or_
from sqlmodel import col, select

from infrastructure.db import session_scope
from models import AuditEvent
from notifications.redaction import redact_url
from pathways.demo_mail import DEMO_SEEDED_ACTION, SIMULATION_ACTOR, demo_mail_decision


class DemoMailRefusedError(RuntimeError):
    """``serve`` must not start: demo mail would reach real inboxes through a real relay."""


def database_has_demo_cases(engine: Engine) -> bool:
    with session_scope(engine) as session:
        found = session.exec(
            select(AuditEvent.id)
            .where(
                or_(
                    col(AuditEvent.action) == DEMO_SEEDED_ACTION,
                    col(AuditEvent.actor) == SIMULATION_ACTOR,
                )
            )
            .limit(1)
        ).first()
    return found is not None


def may_seed_demo(
    engine: Engine,
    *,
    demo_requested: bool,
    relay_is_local_sink: bool,
    real_relay_allowed: bool,
    smtp_url: str,
    say: Callable[[str], None],
) -> bool:
    """Whether to seed the demo now; says why when the answer is not the plain one, and raises
    ``DemoMailRefusedError`` when ``serve`` must not start at all."""
    decision = demo_mail_decision(
        demo_requested=demo_requested,
        relay_is_local_sink=relay_is_local_sink,
        real_relay_allowed=real_relay_allowed,
        # With the local sink nothing can leave the machine, so the database need not be read.
        database_has_demo_cases=not relay_is_local_sink and database_has_demo_cases(engine),
        relay_shown=redact_url(smtp_url),
    )
    if not decision.start:
        raise DemoMailRefusedError(decision.message or "demo mail would reach real inboxes")
    if decision.message:
        say(decision.message)
    return decision.seed
