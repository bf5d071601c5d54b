"""job runs: when the timer sweep and the delivery run last finished

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:00:00

- ``jobrun``: one row per scheduled job (``timer-sweep``, ``deliver-notifications``), written
  as each run finishes: the wall-clock time, the shared clock's time it ran as of, and its
  counts. The operations page reads it, so it shows them while the Prefect server is down.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "jobrun",
        sa.Column("job", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("finished_at", models.types.UTCDateTime(), nullable=False),
        sa.Column("as_of", models.types.UTCDateTime(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("job"),
    )


def downgrade() -> None:
    op.drop_table("jobrun")
