"""audit key ids: each keyed row names the key that signed it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00

- ``auditevent.scheme`` widens from 16 characters to 40, for ``hmac-sha256:<key id>`` (the
  key's public 12-hex fingerprint), so the audit key can be rotated and each row still says
  which key checks it. Rows already written keep ``sha256`` or ``hmac-sha256``; the latter
  verify against whichever configured key matches.

Downgrading drops the key ids again (``hmac-sha256:<key id>`` -> ``hmac-sha256``): those rows
then verify by trying each configured key, as rows from before key ids do.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NARROW = 16
WIDE = 40


def _resize(old: int, new: int) -> None:
    with op.batch_alter_table("auditevent") as batch:
        batch.alter_column(
            "scheme",
            existing_type=AutoString(length=old),
            type_=AutoString(length=new),
            existing_nullable=False,
            existing_server_default="sha256",
        )


def upgrade() -> None:
    _resize(NARROW, WIDE)


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE auditevent SET scheme = 'hmac-sha256' WHERE scheme LIKE 'hmac-sha256:%'")
    )
    _resize(WIDE, NARROW)
