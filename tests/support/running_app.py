"""The application configured on a migrated database for one test: the database URL in the
environment, the caches cleared, the directory imported; the engine disposed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy.engine import Engine

from application.directory import import_directory
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, session_scope


@contextmanager
def running_app(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """``url`` must be migrated; settings the caller set before (the relay) are kept."""
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", url)
    reset_caches()
    engine = get_engine()
    with session_scope(engine) as session:
        import_directory(session)
    try:
        yield engine
    finally:
        engine.dispose()
        reset_caches()
