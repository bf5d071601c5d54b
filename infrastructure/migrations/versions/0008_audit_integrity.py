"""audit integrity: a keyed chain, digests of the case records, per-case salts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00

- ``auditevent.scheme``: how each row's hash was made, ``sha256`` (every row before this) or
  ``hmac-sha256`` with ``PATHWAYS_AUDIT_KEY``.
- ``auditevent.covers``: the digests of the case records an event wrote ('table:id' ->
  digest), so an edit to a step, an event, a decision, a consent or a person is caught.
- ``case.pii_salt``: the salt of the commitments those digests take in place of personal
  values. Existing cases get a random one each.
- ``person.date_of_birth_commitment``: where retention keeps a cleared date of birth's
  commitment (a date column cannot hold it).
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "auditevent",
        sa.Column(
            "scheme",
            sqlmodel.sql.sqltypes.AutoString(length=16),
            nullable=False,
            server_default="sha256",
        ),
    )
    op.add_column("auditevent", sa.Column("covers", sa.JSON(), nullable=True))
    op.add_column(
        "case",
        sa.Column(
            "pii_salt",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="",
        ),
    )
    op.add_column(
        "person",
        sa.Column(
            "date_of_birth_commitment", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True
        ),
    )
    connection = op.get_bind()
    case_ids = connection.execute(sa.text('SELECT id FROM "case"')).scalars().all()
    if case_ids:
        connection.execute(
            sa.text('UPDATE "case" SET pii_salt = :salt WHERE id = :id'),
            [{"id": case_id, "salt": secrets.token_hex(32)} for case_id in case_ids],
        )


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("date_of_birth_commitment")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("pii_salt")
    with op.batch_alter_table("auditevent") as batch:
        batch.drop_column("covers")
        batch.drop_column("scheme")
