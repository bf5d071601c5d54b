"""caseload indexes: the dashboard's lists and case page read through indexes at 100,000 cases

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00

Found by the dashboard benchmark (``benchmarks/dashboard_pages.py``, issue 11):

- ``ix_timer_case_id_status``: the running timers of a page of cases. With only the single
  column indexes, SQLite chose the status index and read every running timer (about a second
  per caseload page at 100,000 cases).
- ``ix_case_opened_at_id``: the caseload, newest first; PostgreSQL reads a page off it in order
  instead of scanning and sorting every case.
- ``ix_case_authority_opened_at_id``: an authority's cases in that order, so SQLite sorts the
  visible cases from the index without reading their rows.
- ``ix_case_linked_case_id``: the case page's linked cases, which scanned the case table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_timer_case_id_status": ("timer", ["case_id", "status"]),
    "ix_case_opened_at_id": ("case", ["opened_at", "id"]),
    "ix_case_authority_opened_at_id": ("case", ["authority_id", "opened_at", "id"]),
    "ix_case_linked_case_id": ("case", ["linked_case_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
