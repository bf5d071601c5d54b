"""A migrated database with the directory imported and a test's own staff, as the application
would see it, for tests that write cases by hand (e.g. cases of a frozen pathway version)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import Engine

from application.directory import import_directory
from application.staff import add_staff
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, session_scope

Staff = Mapping[str, tuple[str, str]]
"""username -> (role, authority id)"""


@contextmanager
def staffed_engine(
    database_url: str, monkeypatch: pytest.MonkeyPatch, staff: Staff
) -> Iterator[Engine]:
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", database_url)
    reset_caches()
    engine = get_engine()
    with session_scope(engine) as session:
        import_directory(session)
        for username, (role, authority_id) in staff.items():
            add_staff(
                session,
                username=username,
                display_name=username,
                email=f"{username}@test.example",
                roles=[role],
                team="lha" if role.startswith("lha-") else "ics",
                authority_id=authority_id,
                actor="test",
                actor_role="system",
                basis="test staff",
            )
    try:
        yield engine
    finally:
        engine.dispose()
        reset_caches()
