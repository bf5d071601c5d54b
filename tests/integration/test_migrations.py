"""The migrations build exactly the schema the models describe, keep existing data, and make
the database refuse a status that does not exist."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from infrastructure.db import SCHEMA_HEAD, alembic_config, make_engine, migrate


def _authority_and_case(connection: Connection) -> None:
    """One authority and one open case as raw rows: the same in every revision's schema."""
    connection.execute(
        text(
            "INSERT INTO authority (id, name, kind, children_services_authority, "
            "ooh_verified, extra_contacts, routes, ics_routes, ooh_routes, "
            "escalation_chains, data_gaps, source) VALUES ('dartford', 'Dartford', "
            "'district', 'kcc', false, '[]', '[]', '[]', '[]', '{}', '[]', 'test')"
        )
    )
    connection.execute(
        text(
            'INSERT INTO "case" (reference, pathway, definition_version, authority_id, '
            "state, status, facts, version, opened_at) VALUES ('JP-AAAA-BBBB', "
            "'youth-1617-intake', '1.0', 'dartford', 'caf_plan', 'open', '{}', 1, "
            "'2026-12-01 09:00:00')"
        )
    )


def test_the_migrated_schema_is_the_models_schema(migrated_database_url: str) -> None:
    engine = make_engine(migrated_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_the_schema_head_commands_check_is_alembics(sqlite_database_url: str) -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(sqlite_database_url))
    assert script.get_current_head() == SCHEMA_HEAD


def test_0002_keeps_roles_and_timer_steps(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "0001")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            _authority_and_case(connection)
            connection.execute(
                text(
                    "INSERT INTO staffmember (username, display_name, email, role, authority_id, "
                    "team, active) VALUES ('tm.one', 'Team Manager', 'tm@example.org', "
                    "'ics-team-manager', 'dartford', 'ics', true)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO timer (case_id, name, rule_id, citation, guards_step, "
                    "owner_team, started_at, due_at, status, escalation_level, recurring, "
                    "occurrence, created_at) VALUES (1, 'joint_visit', 'joint-visit-1617', "
                    "'seed 000', 'returned_home, support_package_needed', 'joint', "
                    "'2026-12-01 09:00:00', '2026-12-02 09:00:00', 'open', 0, false, 1, "
                    "'2026-12-01 09:00:00')"
                )
            )
        migrate(database_url)
        with engine.connect() as connection:
            roles = connection.execute(text("SELECT staff_id, role FROM staffrole")).all()
            closed_by = connection.execute(text("SELECT closed_by FROM timer")).scalar_one()
        assert [tuple(row) for row in roles] == [(1, "ics-team-manager")]
        steps = closed_by if isinstance(closed_by, list) else __import__("json").loads(closed_by)
        assert steps == ["returned_home", "support_package_needed"]

        command.downgrade(alembic_config(database_url), "0001")
        with engine.connect() as connection:
            role = connection.execute(text("SELECT role FROM staffmember")).scalar_one()
            guards = connection.execute(text("SELECT guards_step FROM timer")).scalar_one()
        assert (role, guards) == ("ics-team-manager", "returned_home, support_package_needed")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("table", "values"),
    [
        ("case", "status = 'archived'"),
        ("timer", "status = 'snoozed'"),
    ],
)
def test_a_raw_update_cannot_write_an_unknown_status(
    migrated_database_url: str, table: str, values: str
) -> None:
    engine = make_engine(migrated_database_url)
    try:
        with engine.begin() as connection:
            _authority_and_case(connection)
            connection.execute(
                text(
                    "INSERT INTO timer (case_id, name, rule_id, citation, closed_by, "
                    "owner_team, started_at, due_at, status, escalation_level, recurring, "
                    "occurrence, created_at) VALUES (1, 'joint_visit', 'joint-visit-1617', "
                    "'seed 000', '[]', 'joint', '2026-12-01 09:00:00', '2026-12-02 09:00:00', "
                    "'open', 0, false, 1, '2026-12-01 09:00:00')"
                )
            )
        quoted = '"case"' if table == "case" else table
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(f"UPDATE {quoted} SET {values}"))
    finally:
        engine.dispose()


OLD_OUTBOX = [
    # (key, status, attempts, last_error, delivered_at)
    ("sent-one", "delivered", 1, None, "'2026-12-01 09:05:00'"),
    ("sent-no-time", "delivered", 1, None, "NULL"),
    ("queued", "pending", 0, None, "NULL"),
    (
        "retrying",
        "pending",
        2,
        "DeliveryError: the channel refused or could not be reached",
        "NULL",
    ),
    ("in-flight", "sending", 1, None, "NULL"),
    ("dead-route", "dead", 1, "DeliveryError: the route is not a valid Apprise URL", "NULL"),
    ("dead-relay", "dead", 6, "DeliveryError: the channel refused or could not be reached", "NULL"),
    (
        "dead-context",
        "dead",
        6,
        "ValidationError: 1 validation error for NotificationContext\nfull_name\n  Extra "
        "inputs are not permitted [input_value='Zebedee Canarywharf']",
        "NULL",
    ),
]


def _old_outbox(connection: Connection) -> None:
    for key, status, attempts, error, delivered_at in OLD_OUTBOX:
        connection.execute(
            text(
                "INSERT INTO notification (idempotency_key, case_id, case_reference, event_type, "
                "context, recipient, route, status, attempts, next_attempt_at, last_error, "
                "created_at, delivered_at) VALUES (:key, 1, 'JP-AAAA-BBBB', 'timer_breach', "
                "'{}', 'lha', 'email:duty@test.example', :status, :attempts, "
                f"'2026-12-01 09:00:00', :error, '2026-12-01 09:00:00', {delivered_at})"
            ),
            {"key": key, "status": status, "attempts": attempts, "error": error},
        )


def _outbox(connection: Connection) -> dict[str, tuple[Any, ...]]:
    found = connection.execute(
        text("SELECT idempotency_key, status, attempts, last_error_kind FROM notification")
    ).all()
    return {row[0]: tuple(row[1:]) for row in found}


def test_0003_renames_the_notification_states_and_classifies_old_failures(
    database_url: str,
) -> None:
    command.upgrade(alembic_config(database_url), "0002")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            _authority_and_case(connection)
            _old_outbox(connection)
        command.upgrade(alembic_config(database_url), "0003")
        with engine.connect() as connection:
            upgraded = _outbox(connection)
            context_error = connection.execute(
                text("SELECT last_error FROM notification WHERE idempotency_key = 'dead-context'")
            ).scalar_one()
            sent_at = connection.execute(
                text("SELECT delivered_at FROM notification WHERE idempotency_key = 'sent-no-time'")
            ).scalar_one()
        assert upgraded == {
            "sent-one": ("sent", 1, None),
            "sent-no-time": ("sent", 1, None),
            "queued": ("pending", 0, None),
            "retrying": ("temporary-failure", 2, "relay-error"),
            "in-flight": ("sending", 1, None),
            "dead-route": ("permanent-failure", 1, "invalid-route"),
            "dead-relay": ("permanent-failure", 6, "relay-error"),
            "dead-context": ("permanent-failure", 6, "context-error"),
        }
        # pydantic's old text quoted the input: it is not kept.
        assert "Canarywharf" not in context_error
        assert sent_at is not None  # a sent row says when (its creation, where unknown)
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("UPDATE notification SET status = 'dead'"))

        command.downgrade(alembic_config(database_url), "0002")
        with engine.connect() as connection:
            found = connection.execute(text("SELECT idempotency_key, status FROM notification"))
            statuses = {str(key): str(status) for key, status in found.all()}
        assert statuses == {
            "sent-one": "delivered",
            "sent-no-time": "delivered",
            "queued": "pending",
            "retrying": "pending",
            "in-flight": "sending",
            "dead-route": "dead",
            "dead-relay": "dead",
            "dead-context": "dead",
        }
    finally:
        engine.dispose()
