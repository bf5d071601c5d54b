"""accounts: local sign-in accounts, server-side browser sessions and API tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 09:00:00

- ``useraccount``: one per member of staff who signs in (``staff_id`` unique), holding the
  argon2 hash of their password and the failed sign-ins that lock it.
- ``websession`` and ``apitoken``: a browser's session and a bearer token for the JSON API,
  each stored as the SHA-256 of its random token only (unique, indexed: every request looks
  one up).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _token_table(name: str, *columns: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["account_id"], ["useraccount.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table(name) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{name}_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f(f"ix_{name}_token_hash"), ["token_hash"], unique=True)


def upgrade() -> None:
    op.create_table(
        "useraccount",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", models.types.UTCDateTime(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("password_changed_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("last_sign_in_at", models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staffmember.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("useraccount") as batch_op:
        batch_op.create_index(batch_op.f("ix_useraccount_staff_id"), ["staff_id"], unique=True)
    _token_table(
        "websession",
        sa.Column("last_seen_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", models.types.UTCDateTime(), nullable=True),
    )
    _token_table(
        "apitoken",
        sa.Column("last_used_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", models.types.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("apitoken")
    op.drop_table("websession")
    op.drop_table("useraccount")
