"""Shared fixtures: a fresh database per test, on SQLite and (when configured) PostgreSQL.

``database_url`` is parametrised over ``sqlite`` and ``postgres``, so a test that takes it (or
``migrated_database_url`` / ``db_engine``) runs once per backend:

- ``sqlite``: a new file in ``tmp_path``.
- ``postgres``: a new, uniquely named database (``jpp_test_<hex>``) created on the server named
  by ``PATHWAYS_TEST_POSTGRES_URL`` (an SQLAlchemy URL, e.g.
  ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) and dropped afterwards. Without
  that variable the postgres case is skipped, or fails when ``PATHWAYS_REQUIRE_POSTGRES=1``
  (CI). The case carries the ``postgres`` marker, so ``-m "not postgres"`` deselects it.

Databases are unique per test, so the fixtures are safe under pytest-xdist.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import Engine, make_url

from infrastructure.db import make_engine, migrate

POSTGRES_URL_ENV = "PATHWAYS_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "PATHWAYS_REQUIRE_POSTGRES"


def _libpq_conninfo(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` (SQLAlchemy) -> ``postgresql://…`` (libpq / psycopg)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The configured PostgreSQL server URL (a maintenance database); skips or fails if absent."""
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not url:
        if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
            pytest.fail(f"{REQUIRE_POSTGRES_ENV}=1 but {POSTGRES_URL_ENV} is not set")
        pytest.skip(f"PostgreSQL not configured: set {POSTGRES_URL_ENV} to run this case")
    if make_url(url).get_backend_name() != "postgresql":
        pytest.fail(f"{POSTGRES_URL_ENV} must be a postgresql:// URL, got {url!r}")
    try:
        with psycopg.connect(_libpq_conninfo(url), autocommit=True, connect_timeout=10):
            pass
    except psycopg.Error as exc:
        pytest.fail(f"cannot connect to {POSTGRES_URL_ENV}: {exc}")
    return url


def _create_database(conninfo: str, name: str) -> None:
    statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    for attempt in range(5):
        try:
            with psycopg.connect(conninfo, autocommit=True) as connection:
                connection.execute(statement)
            return
        except psycopg.errors.ObjectInUse:
            # Concurrent CREATE DATABASE from the same template (pytest-xdist): try again.
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def _drop_database(conninfo: str, name: str) -> None:
    statement = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(statement)


@pytest.fixture
def postgres_database_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (not migrated), dropped after the test."""
    name = f"jpp_test_{uuid.uuid4().hex[:16]}"
    conninfo = _libpq_conninfo(postgres_admin_url)
    _create_database(conninfo, name)
    try:
        yield make_url(postgres_admin_url).set(database=name).render_as_string(False)
    finally:
        _drop_database(conninfo, name)


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> str:
    """A fresh, empty SQLite file database in ``tmp_path`` (not migrated)."""
    return f"sqlite:///{tmp_path / 'pathways.db'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database URL (not migrated): once on SQLite, once on PostgreSQL."""
    fixture = "postgres_database_url" if request.param == "postgres" else "sqlite_database_url"
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
def migrated_database_url(database_url: str) -> str:
    """``database_url`` with every migration applied (the audit head row included)."""
    migrate(database_url)
    return database_url


@pytest.fixture
def db_engine(migrated_database_url: str) -> Iterator[Engine]:
    """An engine on ``migrated_database_url``, for ``infrastructure.db.session_scope``."""
    engine = make_engine(migrated_database_url)
    try:
        yield engine
    finally:
        engine.dispose()


def pytest_configure(config: pytest.Config) -> None:
    # Prefect's anonymous telemetry writes to its own database from a background task; in a
    # test session it only adds lock contention on the temporary server's SQLite file.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # A developer's own `make run` records itself in var/run; no test may find and use it.
    os.environ["PATHWAYS_RUN_DIR"] = tempfile.mkdtemp(prefix="pathways-run-")
    # Sweeps anchor the audit chain in a file; the tests' anchors must not fill var/.
    anchors = Path(tempfile.mkdtemp(prefix="pathways-anchors-")) / "audit-anchors.jsonl"
    os.environ["PATHWAYS_AUDIT_ANCHOR_FILE"] = str(anchors)
    # Tables fit COLUMNS when it is set (cli.common.console); tests read one line per row.
    os.environ.pop("COLUMNS", None)
