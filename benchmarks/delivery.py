"""Delivery throughput: outbox rows sent through Apprise to a real SMTP server on 127.0.0.1.

The rows are what a sweep queues (a timer warning to each team of a case), written straight
into the outbox; ``deliver_due`` then claims, renders, sends and settles them in its usual
batches of 500. A few messages go first, untimed, so Apprise's plugin loading is not billed.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, insert
from sqlmodel import Session, select

from benchmarks.databases import application_on, fresh_sqlite
from benchmarks.report import Result, measured
from benchmarks.scale import Scale
from benchmarks.seed import T0, Seeder
from infrastructure.settings import get_settings
from models import Case, Notification
from notifications.context import case_link, format_due, minimal_context
from notifications.delivery import DeliveryResult, deliver_due
from notifications.outbox import outbox_rows
from notifications.recipients import RouteResolver
from simulation.smtp import running_sink

log = logging.getLogger(__name__)

TARGET = ">= 20"
WARMUP_MESSAGES = 10
BATCH = 500
RESULT_NAMES: tuple[tuple[str, str, str], ...] = (
    ("delivery_messages_per_second", "msg/s", TARGET),
)


class DeliveryCheckError(RuntimeError):
    """Messages were lost or refused: the throughput would not mean anything."""


def queue_messages(engine: Engine, count: int) -> None:
    """``count`` pending outbox rows: timer warnings to the LHA and ICS inboxes of cases."""
    base_url = get_settings().base_url
    rows: list[dict[str, Any]] = []
    with Session(engine) as session:
        resolver = RouteResolver(session)
        for case in session.exec(select(Case).order_by(Case.id)):  # type: ignore[arg-type]
            context = minimal_context(
                case_reference=case.reference,
                pathway="Example referral",
                event="Joint visit: due soon",
                due=format_due(T0 + timedelta(hours=6)),
                owning_team="Joint LHA + ICS team",
                link=case_link(base_url, case.reference),
            )
            rows += outbox_rows(
                key_prefix=f"bench:{case.id}",
                case_id=case.id,
                case_reference=case.reference,
                event_type="timer_warning",
                context=context,
                routes=resolver.routes(case.id or 0, case.authority_id, case.facts, ("lha", "ics")),
                now=T0,
            )
            if len(rows) >= count:
                break
    if len(rows) < count:
        raise DeliveryCheckError(f"only {len(rows)} routes for {count} messages")
    with Session(engine) as session:
        session.execute(insert(Notification), rows[:count])
        session.commit()


def deliver(engine: Engine, limit: int, batch: int = BATCH) -> DeliveryResult:
    total = DeliveryResult()
    while (remaining := limit - total.handled) > 0:
        result = deliver_due(engine, T0, min(batch, remaining))
        if result.handled == 0:
            break
        total.sent += result.sent
        total.retried += result.retried
        total.dead += result.dead
        total.superseded += result.superseded
    return total


def measure(engine: Engine, scale: Scale, received: list[Any]) -> Result:
    seeder = Seeder.on(engine)
    seeder.add_block(scale.messages, 0, [])
    queue_messages(engine, scale.messages + WARMUP_MESSAGES)
    deliver(engine, WARMUP_MESSAGES)
    received.clear()
    started = time.perf_counter()
    result = deliver(engine, scale.messages)
    elapsed = time.perf_counter() - started
    if result.sent != scale.messages or len(received) != scale.messages:
        raise DeliveryCheckError(
            f"{result.sent} sent, {result.retried} retried, {result.dead} dead; "
            f"the sink received {len(received)} of {scale.messages}"
        )
    return measured(
        "delivery_messages_per_second",
        result.sent / elapsed,
        "msg/s",
        TARGET,
        f"{result.sent:,} messages in {elapsed:.1f} s, one SMTP session each (Apprise)",
    )


def run(scale: Scale) -> list[Result]:
    with (
        running_sink() as sink,
        fresh_sqlite("delivery") as url,
        application_on(url, smtp_url=sink.url) as engine,
    ):
        return [measure(engine, scale, sink.received)]
