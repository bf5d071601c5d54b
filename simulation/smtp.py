"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps every message it receives.

The simulator and the integration tests deliver notifications to it through Apprise, exactly
as production delivers to a relay, and then read back what arrived.
"""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller

from notifications.senders import IDEMPOTENCY_HEADER


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: Message

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def key(self) -> str:
        """The outbox row's idempotency key, which delivery puts in every e-mail's headers."""
        return str(self.message[IDEMPOTENCY_HEADER])

    def text(self) -> str:
        parts = [self.message] if not self.message.is_multipart() else self.message.walk()
        chunks = []
        for part in parts:
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                chunks.append(payload.decode("utf-8", "replace"))
        return "\n".join(chunks)


@dataclass
class SmtpSink:
    port: int
    received: list[ReceivedMail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.received.append(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.received if address in mail.recipients]

    @property
    def url(self) -> str:
        """The Apprise URL prefix that sends through this server (``PATHWAYS_SMTP_URL``)."""
        return f"mailto://127.0.0.1:{self.port}?from=pathways@localhost&mode=insecure"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(sink: SmtpSink) -> Iterator[SmtpSink]:
    """``sink`` listening on its port until the block ends: a relay that is up. Outside the
    block nothing listens there (a relay that is down), and what the sink received is kept."""
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@contextmanager
def running_sink() -> Iterator[SmtpSink]:
    """An SMTP sink listening on a free local port until the block ends."""
    with serving(SmtpSink(free_port())) as sink:
        yield sink
