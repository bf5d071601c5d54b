"""Migration 0010 adds ``person.contact_details`` on SQLite and PostgreSQL: the people already
written keep their rows (and so their digests), and a downgrade that would lose contact
details is refused rather than made."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from infrastructure.db import alembic_config, make_engine
from tests.integration.test_migrations import _authority_and_case


def test_0010_adds_contact_details_and_refuses_to_drop_any(database_url: str) -> None:
    config = alembic_config(database_url)
    command.upgrade(config, "0009")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            _authority_and_case(connection)
            connection.execute(
                text(
                    "INSERT INTO person (case_id, relationship_to_case, full_name, "
                    "date_of_birth) VALUES (1, 'young_person', 'Before Migration', '2009-05-01')"
                )
            )
        command.upgrade(config, "0010")
        with engine.begin() as connection:
            kept = connection.execute(text("SELECT full_name, contact_details FROM person")).one()
            assert tuple(kept) == ("Before Migration", None)
            connection.execute(
                text(
                    "INSERT INTO person (case_id, relationship_to_case, full_name, "
                    "contact_details) VALUES (1, 'household_members.1', 'After', "
                    "'07700 900123')"
                )
            )

        with pytest.raises(RuntimeError, match="1 person row"):
            command.downgrade(config, "0009")
        with engine.begin() as connection:
            held = connection.execute(
                text("SELECT COUNT(*) FROM person WHERE contact_details IS NOT NULL")
            ).scalar_one()
            assert held == 1, "the refused downgrade changed nothing"
            connection.execute(text("UPDATE person SET contact_details = NULL"))

        command.downgrade(config, "0009")
        with engine.connect() as connection:
            names = (
                connection.execute(text("SELECT full_name FROM person ORDER BY id")).scalars().all()
            )
            assert names == ["Before Migration", "After"]
            with pytest.raises(DBAPIError, match="contact_details"):
                connection.execute(text("SELECT contact_details FROM person"))
    finally:
        engine.dispose()
