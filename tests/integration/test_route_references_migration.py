"""Migration 0004 turns every stored Apprise URL into a route reference, on SQLite and
PostgreSQL: the relay's credentials leave the authority and notification rows, idempotency
holds, and the hash-chained audit events already written stay as they were."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from application.directory import ImportResult, import_directory
from infrastructure import audit
from infrastructure.audit import verify_chain
from infrastructure.authority_config import AuthorityConfig, authority_config
from infrastructure.caches import reset_caches
from infrastructure.db import alembic_config, make_engine, migrate, session_scope

CANARY = "Cz9qCanaryPw7"
TOKEN = "Tk7canaryToken1234"
OLD_RELAY = f"mailtos://pathways:{CANARY}@relay.example.org:587?from=pathways@council.example"
OTHER_RELAY = "mailto://127.0.0.1:1025?from=pathways@localhost&mode=insecure"
TEAMS = f"msteams://{TOKEN}/abc/def"
TELEGRAM = f"tgram://123456789:{TOKEN}/12345"
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def legacy(reference: str, relay: str = OLD_RELAY) -> str:
    """A route as stored before 0004: the old ``email_route``, or a named route's URL."""
    if reference == "route:teams":
        return TEAMS
    return f"{relay}&to={reference.removeprefix('email:')}"


def key(prefix: str, route: str) -> str:
    return f"{prefix}:{hashlib.sha256(route.encode()).hexdigest()[:16]}"


@pytest.fixture
def config() -> AuthorityConfig:
    configured = authority_config().model_copy(deep=True)
    configured.authorities["dartford"].extra_routes = ["route:teams"]
    return configured


@pytest.fixture
def at_0003(
    database_url: str, monkeypatch: pytest.MonkeyPatch, config: AuthorityConfig
) -> Iterator[Engine]:
    """A database at 0003 holding what the code before 0004 wrote: URL routes everywhere."""
    monkeypatch.setenv("PATHWAYS_ROUTES", json.dumps({"teams": TEAMS}))
    reset_caches()
    command.upgrade(alembic_config(database_url), "0003")
    engine = make_engine(database_url)
    with session_scope(engine) as session:
        import_directory(session, config=config)
        # The old import audited each authority with its URL routes; 0004 must leave it be.
        audit.record(
            session,
            actor="system",
            role="system",
            action="directory.authority.updated",
            before={"id": "dartford", "routes": []},
            after={"id": "dartford", "routes": [legacy("email:housingoptions@dartford.gov.uk")]},
            basis="before 0004",
        )
    with engine.begin() as connection:
        for row in connection.execute(
            text("SELECT id, routes, ics_routes, ooh_routes FROM authority")
        ).all():
            lists = [json.loads(v) if isinstance(v, str) else v for v in row[1:]]
            connection.execute(
                text(
                    "UPDATE authority SET routes = :r, ics_routes = :i, ooh_routes = :o "
                    "WHERE id = :id"
                ),
                {
                    "id": row[0],
                    **{
                        name: json.dumps([legacy(ref) for ref in refs])
                        for name, refs in zip("rio", lists, strict=True)
                    },
                },
            )
        duty = "email:duty@dartford.example"
        for values in (
            {"k": key("case:1:opened", legacy(duty)), "route": legacy(duty), "error": None},
            {"k": key("case:1:opened", TEAMS), "route": TEAMS, "error": None},
            {
                "k": key("case:1:opened", TELEGRAM),
                "route": TELEGRAM,
                "error": f"relay said no to {OLD_RELAY}&to=x@y.example",
            },
            # The same message to the same address through two relays: one key each before.
            {"k": key("case:2:opened", legacy(duty)), "route": legacy(duty), "error": None},
            {
                "k": key("case:2:opened", legacy(duty, OTHER_RELAY)),
                "route": legacy(duty, OTHER_RELAY),
                "error": None,
            },
            {
                "k": key("case:3:opened", "email:a@b.example"),
                "route": "email:a@b.example",
                "error": None,
            },
        ):
            connection.execute(
                text(
                    "INSERT INTO notification (idempotency_key, event_type, context, recipient, "
                    "route, status, attempts, next_attempt_at, created_at, last_error) VALUES "
                    "(:k, 'case_opened', '{}', 'lha', :route, 'pending', 0, :at, :at, :error)"
                ),
                {**values, "at": AT.replace(tzinfo=None)},
            )
    try:
        yield engine
    finally:
        engine.dispose()
        reset_caches()


def _rows(engine: Engine, table: str) -> list[dict[str, object]]:
    with engine.connect() as connection:
        quoted = f'"{table}"'
        return [dict(row) for row in connection.execute(text(f"SELECT * FROM {quoted}")).mappings()]


def _notifications(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as connection:
        return [
            (row.idempotency_key, row.route, row.last_error)
            for row in connection.execute(
                text("SELECT idempotency_key, route, last_error FROM notification ORDER BY id")
            )
        ]


def test_0004_stores_references_and_no_credential(
    at_0003: Engine, database_url: str, config: AuthorityConfig
) -> None:
    engine = at_0003
    migrate(database_url)

    dartford = next(row for row in _rows(engine, "authority") if row["id"] == "dartford")
    routes = dartford["routes"]
    routes = json.loads(routes) if isinstance(routes, str) else routes
    assert routes == ["email:housingoptions@dartford.gov.uk", "route:teams"]

    duty = "email:duty@dartford.example"
    (email, named, unmapped, first, second, already) = _notifications(engine)
    assert email == (key("case:1:opened", duty), duty, None)
    assert named == (key("case:1:opened", "route:teams"), "route:teams", None)
    assert unmapped[1] == "unmapped:tgram://***"
    assert unmapped[2] == (
        "relay said no to mailtos://***@relay.example.org:587"
        "?from=pathways@council.example&to=x@y.example"
    )
    assert first == (key("case:2:opened", duty), duty, None)
    # Its new key is taken, so it keeps the old one: a re-queue of either is still a no-op.
    assert second == (key("case:2:opened", legacy(duty, OTHER_RELAY)), duty, None)
    assert already == (key("case:3:opened", "email:a@b.example"), "email:a@b.example", None)

    # Every table, except the audit events written before 0004, is free of the secrets.
    for table in SQLModel.metadata.tables:
        dumped = json.dumps(_rows(engine, table), default=str)
        if table == "auditevent":
            assert dumped.count(CANARY) == 1  # the pre-0004 event, kept as the chain needs
            continue
        assert CANARY not in dumped and TOKEN not in dumped, table
    for row in _rows(engine, "authority"):
        stored = json.dumps([row["routes"], row["ics_routes"], row["ooh_routes"]])
        assert "://" not in stored and "email:" in stored, row["id"]

    with session_scope(engine) as session:
        assert verify_chain(session).ok
        # The directory the migration left is what the import makes: nothing to change or audit.
        assert import_directory(session, config=config) == ImportResult(0, 0, 13)


def test_0004_downgrade_keeps_the_references_and_upgrade_again_is_a_no_op(
    at_0003: Engine, database_url: str
) -> None:
    migrate(database_url)
    after_upgrade = (_rows(at_0003, "authority"), _notifications(at_0003))
    command.downgrade(alembic_config(database_url), "0003")
    assert (_rows(at_0003, "authority"), _notifications(at_0003)) == after_upgrade
    migrate(database_url)
    assert (_rows(at_0003, "authority"), _notifications(at_0003)) == after_upgrade
