"""Database engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

from infrastructure.settings import PROJECT_ROOT, get_settings

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = PROJECT_ROOT / "infrastructure" / "migrations"
SCHEMA_HEAD = "0010"
"""The newest migration, so a command can check the schema without importing Alembic (about a
fifth of a second at every start); tests/integration/test_migrations.py holds it to Alembic's."""


def _prepare_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling starts deferred transactions, and two deferred writers
    # deadlock on lock upgrade. We take the write lock at BEGIN so writers queue instead.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _prepare_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().database_url)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commits on success, rolls back on any error, so nothing half-written."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    # Imported here: only migrating needs Alembic, and every command would pay for loading it.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def database_missing(url: str) -> bool:
    """An SQLite file that does not exist yet: connecting would create it empty."""
    parsed = make_url(url)
    return (
        parsed.get_backend_name() == "sqlite"
        and parsed.database not in (None, "", ":memory:")
        and not Path(parsed.database).exists()
    )


def current_revision(url: str) -> str | None:
    """The database's migration (None before the first), read without writing anything."""
    if database_missing(url):
        return None
    with get_engine(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return str(current) if current else None


def migrate(url: str | None = None) -> None:
    """Bring the schema to the newest migration. Runs on every start; when the schema is
    current it only reads the revision, without loading Alembic."""
    target = url or get_settings().database_url
    if current_revision(target) == SCHEMA_HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(target), "head")
