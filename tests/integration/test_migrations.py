"""The migrations build exactly the schema the models describe, keep existing data, and make
the database refuse a status that does not exist."""

from __future__ import annotations

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
