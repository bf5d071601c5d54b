"""person contact details: how to reach a household member

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-17 09:00:00

- ``person.contact_details`` (nullable, up to 300 characters): a Request for Support records
  each household member's contact details, kept in their Person row like the name. Rows
  written before have none, and a person's digest takes the field in only when it is set, so
  the audit chain over them verifies as before.

Downgrading drops the column. It is refused while any row holds contact details: they would be
lost, and the chain's digests of those rows took them in, so ``audit verify`` would report each
of them as changed behind the service's back.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "person",
        sa.Column("contact_details", AutoString(length=300), nullable=True),
    )


def downgrade() -> None:
    held = (
        op.get_bind()
        .execute(sa.text("SELECT COUNT(*) FROM person WHERE contact_details IS NOT NULL"))
        .scalar_one()
    )
    if held:
        raise RuntimeError(
            f"{held} person row(s) hold contact details, which 0009 has no column for: "
            "downgrading would lose them and break the audit chain's digests of those rows"
        )
    with op.batch_alter_table("person") as batch:
        batch.drop_column("contact_details")
