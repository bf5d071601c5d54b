"""Fixtures for tests that run the real flows: a Prefect server, an app database, an SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

import tests.support.example_pathway  # noqa: F401  (registers the example definition)
from simulation.smtp import SmtpSink, running_sink
from tests.support.off_loop import run_coroutine
from tests.support.running_app import running_app


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """A real Prefect server for this test session (one per xdist worker)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    with running_sink() as sink:
        yield sink


@pytest.fixture
def smtp_sink(smtp_server: SmtpSink) -> SmtpSink:
    smtp_server.received.clear()
    return smtp_server


@pytest.fixture
def app_engine(
    migrated_database_url: str, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Engine]:
    """The application configured on a fresh database with the directory imported."""
    monkeypatch.setenv("PATHWAYS_SMTP_URL", smtp_sink.url)
    with running_app(migrated_database_url, monkeypatch) as engine:
        yield engine


def run(coroutine: Any) -> Any:
    return run_coroutine(coroutine)
