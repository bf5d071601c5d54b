"""What the fault tests share: the application on a database of the test's choosing (an SQLite
file, or a private PostgreSQL server the test may restart), example cases opened through the
application layer, a member of staff signed in to the dashboard (a page client and an API
client), and a snapshot of every row in the database, to show a refused write left nothing
behind."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from application.accounts import SignedIn, add_account, issue_api_token, sign_in
from application.cases import Submitted, apply_event, open_case
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure.audit import verify_chain
from infrastructure.db import migrate, session_scope
from tests.support.cases import acting_for, ensure_staff
from tests.support.private_postgres import PrivatePostgres, private_postgres
from tests.support.running_app import running_app

HO = "lha-housing-officer"
AUTHORITY = "dartford"
PASSWORD = "a long test passphrase"
VISIT = {"visited_family": True, "visited_young_person": True}


@contextmanager
def app_on(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The application configured on ``url`` (migrated, the directory imported)."""
    migrate(url)
    with running_app(url, monkeypatch) as engine:
        yield engine


@contextmanager
def app_on_private_postgres(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[PrivatePostgres, Engine]]:
    """The application on a PostgreSQL server of the test's own, which it may restart."""
    with private_postgres() as server, app_on(server.url, monkeypatch) as engine:
        yield server, engine


def open_example_cases(
    engine: Engine, numbers: Iterable[int], label: str, now: datetime, authority: str = AUTHORITY
) -> None:
    """Opens (and applies the opening of) one example case per number, each with its timers
    and its team alerts, as a housing officer of ``authority``."""
    for n in numbers:
        with session_scope(engine) as session:
            submitted = open_case(
                session,
                pathway="example",
                authority_id=authority,
                payload={"young_person": {"full_name": f"{label} {n}"}},
                acting=acting_for("ho1", HO, authority),
                now=now,
                idempotency_key=f"{label.lower().replace(' ', '-')}-{n}",
            )
            assert isinstance(submitted, Submitted), submitted
            applied = apply_event(session, submitted.case_reference, submitted.event_id)
            assert applied.status == "applied", applied


@dataclass(frozen=True)
class Dashboard:
    page: TestClient
    api: TestClient

    def csrf(self, path: str) -> str:
        shown = self.page.get(path)
        found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', shown.text)
        assert found is not None, (shown.status_code, shown.text[:500])
        return found.group(1)


def signed_in(engine: Engine, username: str, role: str = HO) -> Dashboard:
    """``username`` (added to the directory with ``role``) signed in, on the page and the API."""
    ensure_staff(username, role, AUTHORITY)
    with session_scope(engine) as session:
        add_account(session, username, PASSWORD, by="test")
        token = issue_api_token(session, username, by="test")
    with session_scope(engine) as session:
        session_of = sign_in(session, username, PASSWORD)
    assert isinstance(session_of, SignedIn), session_of
    app = create_app()
    page = TestClient(app, base_url="https://testserver")
    page.cookies.set(SESSION_COOKIE, session_of.session_token)
    api = TestClient(app, base_url="https://testserver")
    api.headers["Authorization"] = f"Bearer {token}"
    return Dashboard(page, api)


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, in key order."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


def changed_tables(before: Snapshot, after: Snapshot) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def chain_verifies(engine: Engine) -> bool:
    with session_scope(engine) as session:
        report = verify_chain(session)
    return bool(report.ok)
