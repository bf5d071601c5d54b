"""Fixtures for tests that run the real flows: a Prefect server, an app database, an SMTP sink."""

from __future__ import annotations

import asyncio
import email
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine

import tests.support.example_pathway  # noqa: F401  (registers the example definition)
from services.authority_config import authority_config
from services.db import get_engine, session_scope
from services.directory import import_directory
from services.settings import get_settings


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real Prefect server for this test session (one per xdist worker)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


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
        return str(self.message["X-Pathways-Key"])

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
        return f"mailto://127.0.0.1:{self.port}?from=pathways@localhost&mode=insecure"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    sink = SmtpSink(_free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def smtp_sink(smtp_server: SmtpSink) -> SmtpSink:
    smtp_server.received.clear()
    return smtp_server


def clear_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    authority_config.cache_clear()


@pytest.fixture
def app_engine(
    migrated_database_url: str, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The application configured on a fresh database with the directory imported."""
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv("PATHWAYS_SMTP_URL", smtp_sink.url)
    clear_caches()
    engine = get_engine()
    with session_scope(engine) as session:
        import_directory(session)
    try:
        yield engine
    finally:
        engine.dispose()
        clear_caches()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
