"""E-mail over kept SMTP sessions (issue 16, point 4), against real aiosmtpd relays.

- The message a ``Sender`` writes is the one Apprise's own ``notify`` sends: the same sender,
  recipient, subject, headers and HTML, with the idempotency key; its text part is the
  notification's own text template.
- A delivery run sends on at most ``senders`` SMTP sessions at once, each carrying many
  messages, and every message once.
- A kept session the relay closed (it restarted), or one it will not take more on (421 at MAIL
  FROM, as relays that cap a connection answer), is opened again and the message goes through;
  a refused recipient (550) fails only its own message, and the session goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from infrastructure import clock
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, session_scope
from models import Notification
from notifications.context import NotificationContext, minimal_context
from notifications.delivery import deliver_due
from notifications.outbox import outbox_rows
from notifications.routes import email_route
from notifications.senders import IDEMPOTENCY_HEADER, Sender, send_with_apprise
from notifications.smtp_sessions import ssl_context
from notifications.templates import RenderedMessage, render
from simulation.smtp import SmtpSink, free_port, serving

REFUSED = "nobody@test.example"
PER_SESSION = 2


@dataclass
class FussyRelay(SmtpSink):
    """Takes ``limit`` messages on a connection, then answers 421 to MAIL FROM; refuses
    ``REFUSED`` (550). Counts the messages each connection carried."""

    limit: int = PER_SESSION
    per_session: Counter[Any] = field(default_factory=Counter)

    async def handle_MAIL(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.per_session[session.peer] >= self.limit:
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.per_session[session.peer] += 1
        return await super().handle_DATA(server, session, envelope)


def _message() -> RenderedMessage:
    context = minimal_context(
        case_reference="JP-TEST-0001",
        pathway="Example referral — joint",
        event="Joint visit: overdue",
        due=None,
        owning_team="Joint LHA + ICS team",
        link="http://127.0.0.1:8080/cases/JP-TEST-0001",
    )
    return render("timer_breach", NotificationContext.model_validate(context))


def _url(sink: SmtpSink, to: str) -> str:
    return f"{sink.url}&to={to}&cto=2&name=Pathways%20Caf%C3%A9"


def _parts(mail: Any) -> dict[str, str]:
    # As received: lines end in CRLF on the wire.
    return {
        part.get_content_type(): part.get_payload(decode=True).decode("utf-8").replace("\r\n", "\n")
        for part in mail.message.walk()
        if not part.is_multipart()
    }


def test_the_sender_writes_the_message_apprises_own_notify_sends(smtp_sink: SmtpSink) -> None:
    message = _message()
    url = _url(smtp_sink, "duty@test.example")
    send_with_apprise(url, "key:apprise", message)
    with Sender() as sender:
        sender.send(url, "key:pooled", message)
    theirs, ours = smtp_sink.received
    assert (ours.sender, ours.recipients) == (theirs.sender, theirs.recipients)
    for name in ("Subject", "From", "To", "X-Application", "MIME-Version"):
        assert ours.message[name] == theirs.message[name], name
    assert (theirs.key, ours.key) == ("key:apprise", "key:pooled")
    assert ours.message.get_content_type() == theirs.message.get_content_type()
    assert _parts(ours)["text/html"] == _parts(theirs)["text/html"]
    assert _parts(ours)["text/plain"] == message.text.rstrip()
    assert ours.message[IDEMPOTENCY_HEADER] == "key:pooled"


def test_one_ssl_context_serves_every_session() -> None:
    assert ssl_context(True) is ssl_context(True)
    assert ssl_context(False) is ssl_context(False) is not ssl_context(True)


@pytest.fixture
def fussy_relay(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, FussyRelay]]:
    relay = FussyRelay(free_port())
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("PATHWAYS_SMTP_URL", f"{relay.url}&cto=2")
    reset_caches()
    engine = get_engine()
    try:
        with serving(relay):
            yield engine, relay
    finally:
        engine.dispose()
        reset_caches()


def _queue(engine: Engine, addresses: list[str], now: datetime) -> None:
    rows = [
        row
        for number, address in enumerate(addresses)
        for row in outbox_rows(
            key_prefix=f"pooled:{number}",
            case_id=None,
            case_reference="JP-TEST-0001",
            event_type="timer_breach",
            context=minimal_context(
                case_reference="JP-TEST-0001",
                pathway="Example referral",
                event="Joint visit: overdue",
                due=None,
                owning_team="Joint LHA + ICS team",
                link="http://127.0.0.1:8080/cases/JP-TEST-0001",
            ),
            routes=[("lha", email_route(address))],
            now=now,
        )
    ]
    with session_scope(engine) as session:
        session.execute(insert(Notification), rows)


def _rows(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_run_sends_on_at_most_its_senders_sessions_each_message_once(
    fussy_relay: tuple[Engine, FussyRelay],
) -> None:
    engine, relay = fussy_relay
    relay.limit = 1000
    now = clock.now(engine)
    _queue(engine, [f"duty{number}@test.example" for number in range(12)], now)
    outcome = deliver_due(engine, now, senders=3)
    assert (outcome.sent, outcome.handled) == (12, 12)
    assert len(relay.per_session) <= 3
    assert sum(relay.per_session.values()) == 12
    assert Counter(mail.key for mail in relay.received) == Counter(
        {row.idempotency_key: 1 for row in _rows(engine)}
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_session_the_relay_ends_is_opened_again_and_a_refused_recipient_fails_alone(
    fussy_relay: tuple[Engine, FussyRelay],
) -> None:
    engine, relay = fussy_relay
    now = clock.now(engine)
    addresses = [f"duty{number}@test.example" for number in range(5)]
    addresses.insert(2, REFUSED)
    _queue(engine, addresses, now)
    outcome = deliver_due(engine, now, senders=1)
    assert (outcome.sent, outcome.retried, outcome.dead) == (5, 1, 0)
    rows = {row.route: row for row in _rows(engine)}
    refused = rows.pop(email_route(REFUSED))
    assert (refused.status, refused.last_error_kind, refused.last_error) == (
        "temporary-failure",
        "recipient-rejected",
        "recipient rejected (SMTP 550 5.1.1)",
    )
    assert {row.status for row in rows.values()} == {"sent"}
    # One sender: each time the relay said 421 it went on with a new session.
    assert sorted(relay.per_session.values()) == [1, 2, 2]
    assert Counter(mail.key for mail in relay.received) == Counter(
        {row.idempotency_key: 1 for row in rows.values()}
    )


def test_a_kept_session_is_opened_again_after_the_relay_restarts() -> None:
    relay = SmtpSink(free_port())
    url = _url(relay, "duty@test.example")
    message = _message()
    with Sender() as sender:
        with serving(relay):
            sender.send(url, "key:before", message)
        with serving(relay):
            sender.send(url, "key:after", message)
    assert [mail.key for mail in relay.received] == ["key:before", "key:after"]
