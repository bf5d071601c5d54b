"""Fresh databases for one benchmark run, and pointing the application at one of them.

SQLite files go under ``var/bench/``; PostgreSQL databases are named ``jpp_bench_<hex>`` on the
server named by ``PATHWAYS_BENCH_POSTGRES_URL`` and dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import Engine, make_url

from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, migrate
from infrastructure.settings import VAR_DIR

BENCH_DIR = VAR_DIR / "bench"
POSTGRES_URL_ENV = "PATHWAYS_BENCH_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class PostgresUnavailableError(RuntimeError):
    """The benchmark server cannot be reached: its rows are reported as not run."""


def postgres_admin_url() -> str:
    return os.environ.get(POSTGRES_URL_ENV, "").strip() or DEFAULT_POSTGRES_URL


def libpq_conninfo(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` (SQLAlchemy) -> ``postgresql://…`` (libpq / psycopg)."""
    return make_url(sqlalchemy_url).set(drivername="postgresql").render_as_string(False)


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def fresh_sqlite(label: str) -> Iterator[str]:
    """A new, empty SQLite file under var/bench/, removed afterwards (1M timers is ~0.5 GB)."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{label}-{uuid.uuid4().hex[:8]}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        _remove_sqlite_files(path)


@contextmanager
def fresh_postgres(label: str) -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    admin = postgres_admin_url()
    conninfo = libpq_conninfo(admin)
    name = f"jpp_bench_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.OperationalError as error:
        where = make_url(admin).render_as_string(hide_password=True)
        reason = " ".join(str(error).split())
        raise PostgresUnavailableError(f"PostgreSQL unreachable at {where}: {reason}") from error
    try:
        yield make_url(admin).set(database=name).render_as_string(False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def fresh_database(backend: str, label: str) -> Iterator[str]:
    maker = fresh_postgres if backend == "postgres" else fresh_sqlite
    with maker(label) as url:
        yield url


@contextmanager
def application_on(url: str, smtp_url: str | None = None) -> Iterator[Engine]:
    """The application configured on ``url`` (migrated), as the CLI and the flows see it.

    The environment is what settings read, so flows run in this process use the same database;
    the cached settings and engine are reset on the way in and out.
    """
    saved = {key: os.environ.get(key) for key in ("PATHWAYS_DATABASE_URL", "PATHWAYS_SMTP_URL")}
    os.environ["PATHWAYS_DATABASE_URL"] = url
    if smtp_url is not None:
        os.environ["PATHWAYS_SMTP_URL"] = smtp_url
    reset_caches()
    migrate(url)
    engine = get_engine()
    try:
        yield engine
    finally:
        engine.dispose()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_caches()
