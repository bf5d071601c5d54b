"""Delivery throughput: outbox rows sent to a real SMTP server on 127.0.0.1, as a ratio to
plain ``smtplib`` sending the same messages over one persistent connection.

The rows are what a sweep queues (a timer warning to each team of a case), written straight
into the outbox; ``deliver_due`` then claims, renders, sends and settles them (with their audit
events) in its usual batches of 500, on its usual senders (``PATHWAYS_DELIVERY_SENDERS``). The
yardstick sends the very same messages, rendered and built beforehand (untimed), one after
another over one kept ``smtplib`` connection: the least any delivery can cost here. The two
take turns, ``ROUNDS`` times, so a load that comes and goes on the machine weighs on both; the
row is the median round's ratio. A few messages go first, untimed, so Apprise's plugin loading
is not billed.

The sink (aiosmtpd) runs in a process of its own (``simulation.smtp_process``), as a relay
does: in this one it would take its CPU from the interpreter lock the senders share.
"""

from __future__ import annotations

import logging
import smtplib
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import apprise
from sqlalchemy import Engine, insert
from sqlmodel import Session, col, select

from benchmarks.databases import BENCH_DIR, application_on, fresh_sqlite
from benchmarks.report import INFO, Result, measured
from benchmarks.scale import Scale
from benchmarks.seed import T0, Seeder
from infrastructure.settings import get_settings
from models import Case, Notification
from notifications.context import (
    NotificationContext,
    case_link,
    format_due,
    minimal_context,
)
from notifications.delivery import DeliveryResult, deliver_due
from notifications.outbox import outbox_rows
from notifications.recipients import RouteResolver
from notifications.routes import resolve_route
from notifications.senders import email_messages
from notifications.templates import render
from simulation.smtp_process import SinkProcess, sink_process

log = logging.getLogger(__name__)

TARGET = ">= 20"
RATIO_TARGET = ">= 0.5"
WARMUP_MESSAGES = 10
BATCH = 500
ROUNDS = 3
RESULT_NAMES: tuple[tuple[str, str, str], ...] = (
    ("delivery_ratio_to_smtplib", "x", RATIO_TARGET),
    ("delivery_messages_per_second", "msg/s", TARGET),
    ("delivery_smtplib_messages_per_second", "msg/s", INFO),
)


class DeliveryCheckError(RuntimeError):
    """Messages were lost, refused or repeated: the throughput would not mean anything."""


@dataclass(frozen=True)
class Prepared:
    """One message as ``smtplib.sendmail`` takes it."""

    sender: str
    recipients: list[str]
    body: str


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
    # Due one after another, so a run claims them in the order ``prepare`` reads them.
    for number, row in enumerate(rows[:count]):
        row["next_attempt_at"] = T0 - timedelta(microseconds=count - number)
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


def prepare(engine: Engine, count: int) -> list[Prepared]:
    """The next ``count`` due rows' messages, rendered and built as a sender builds them."""
    with Session(engine) as session:
        rows = session.exec(
            select(Notification)
            .where(col(Notification.status) == "pending")
            .order_by(col(Notification.next_attempt_at), col(Notification.id))
            .limit(count)
        ).all()
    prepared = []
    for row in rows:
        plugin: Any = apprise.Apprise.instantiate(resolve_route(row.route))
        message = render(row.event_type, NotificationContext.model_validate(row.context))
        for email in email_messages(plugin, row.idempotency_key, message):
            prepared.append(Prepared(plugin.from_addr[1], email.to_addrs, email.body))
    return prepared


def send_plainly(sink: SinkProcess, messages: list[Prepared]) -> float:
    """Seconds ``smtplib`` takes to send ``messages`` over one connection it keeps."""
    with smtplib.SMTP("127.0.0.1", sink.port) as session:
        started = time.perf_counter()
        for message in messages:
            session.sendmail(message.sender, message.recipients, message.body)
        return time.perf_counter() - started


@dataclass(frozen=True)
class Round:
    delivered: float
    """msg/s of ``deliver_due``"""
    plain: float
    """msg/s of plain ``smtplib``"""

    @property
    def ratio(self) -> float:
        return self.delivered / self.plain


def one_round(engine: Engine, sink: SinkProcess, count: int) -> Round:
    messages = prepare(engine, count)
    sink.clear()
    plain = send_plainly(sink, messages)
    sent_plainly = sink.keys()
    if len(sent_plainly) != count:
        raise DeliveryCheckError(f"smtplib: the sink received {len(sent_plainly)} of {count}")
    sink.clear()
    started = time.perf_counter()
    result = deliver(engine, count)
    elapsed = time.perf_counter() - started
    keys = sink.keys()
    if result.sent != count or len(keys) != count or set(keys) != set(sent_plainly):
        raise DeliveryCheckError(
            f"{result.sent} sent, {result.retried} retried, {result.dead} dead; the sink "
            f"received {len(keys)} of {count} ({len(set(keys))} keys, "
            f"{len(set(keys) - set(sent_plainly))} not among the yardstick's)"
        )
    return Round(delivered=count / elapsed, plain=count / plain)


def measure(engine: Engine, scale: Scale, sink: SinkProcess) -> list[Result]:
    count = scale.messages
    seeder = Seeder.on(engine)
    seeder.add_block(ROUNDS * count + WARMUP_MESSAGES, 0, [])
    queue_messages(engine, ROUNDS * count + WARMUP_MESSAGES)
    deliver(engine, WARMUP_MESSAGES)
    rounds = [one_round(engine, sink, count) for _ in range(ROUNDS)]
    median = sorted(rounds, key=lambda done: done.ratio)[len(rounds) // 2]
    senders = get_settings().delivery_senders
    each = ", ".join(f"{done.delivered:,.0f} vs {done.plain:,.0f}" for done in rounds)
    return [
        measured(
            "delivery_ratio_to_smtplib",
            median.ratio,
            "x",
            RATIO_TARGET,
            f"median of {ROUNDS} rounds of {count:,} messages (msg/s, delivery vs smtplib: "
            f"{each}); {senders} senders, SMTP sessions kept for the run",
        ),
        measured(
            "delivery_messages_per_second",
            median.delivered,
            "msg/s",
            TARGET,
            "claim, render, send and settle with audit, SQLite, the median round",
        ),
        measured(
            "delivery_smtplib_messages_per_second",
            statistics.median(done.plain for done in rounds),
            "msg/s",
            INFO,
            "the same messages prepared beforehand, one smtplib connection, no database",
        ),
    ]


def run(scale: Scale) -> list[Result]:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with (
        sink_process(BENCH_DIR) as sink,
        fresh_sqlite("delivery") as url,
        application_on(url, smtp_url=sink.url) as engine,
    ):
        return measure(engine, scale, sink)
