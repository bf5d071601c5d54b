"""principals and vocabularies: staff roles, case shares, timer steps as a list, status checks

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 10:00:00

- A member of staff can hold several roles: ``staffrole`` takes over ``staffmember.role``
  (each existing role becomes one row), and ``staffmember.team_name`` names the children's
  services team whose districts they cover.
- ``caseshare`` records the other authorities a case is shared with under the protocol.
- ``timer.guards_step`` (transition names joined with commas in a VARCHAR(60), which one more
  closer would overflow) becomes ``timer.closed_by``, a JSON list, keeping every row's steps.
- The status columns get CHECK constraints, so a raw UPDATE cannot write an unknown status.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as they were when this migration was written; later vocabularies need their own.
STATUS_CHECKS = {
    "case": ("ck_case_status", ("open", "closed")),
    "caseevent": ("ck_caseevent_status", ("pending", "applied", "rejected")),
    "casestep": ("ck_casestep_status", ("open", "done", "cancelled")),
    "timer": ("ck_timer_status", ("open", "warned", "breached", "closed")),
    "notification": ("ck_notification_status", ("pending", "sending", "delivered", "dead")),
}


def _in(values: Sequence[str]) -> str:
    return "status IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "staffrole",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staffmember.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "role"),
    )
    with op.batch_alter_table("staffrole") as batch_op:
        batch_op.create_index(batch_op.f("ix_staffrole_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staffrole_role"), ["role"], unique=False)
    bind.execute(sa.text("INSERT INTO staffrole (staff_id, role) SELECT id, role FROM staffmember"))
    with op.batch_alter_table("staffmember") as batch_op:
        batch_op.drop_index(batch_op.f("ix_staffmember_role"))
        batch_op.drop_column("role")
        batch_op.add_column(
            sa.Column("team_name", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )

    op.create_table(
        "caseshare",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("authority_id", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("shared_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("shared_at", models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["authority_id"], ["authority.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "authority_id"),
    )
    with op.batch_alter_table("caseshare") as batch_op:
        batch_op.create_index(batch_op.f("ix_caseshare_case_id"), ["case_id"], unique=False)

    with op.batch_alter_table("timer") as batch_op:
        batch_op.add_column(sa.Column("closed_by", sa.JSON(), nullable=True))
    timers = sa.table(
        "timer",
        sa.column("id", sa.Integer()),
        sa.column("guards_step", sa.String()),
        sa.column("closed_by", sa.JSON()),
    )
    for timer_id, guards in bind.execute(sa.select(timers.c.id, timers.c.guards_step)).all():
        steps = [step.strip() for step in (guards or "").split(",") if step.strip()]
        bind.execute(timers.update().where(timers.c.id == timer_id).values(closed_by=steps))
    with op.batch_alter_table("timer") as batch_op:
        batch_op.alter_column("closed_by", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("guards_step")

    for table, (name, values) in STATUS_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_check_constraint(name, _in(values))


def downgrade() -> None:
    bind = op.get_bind()
    for table, (name, _) in STATUS_CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(name, type_="check")

    with op.batch_alter_table("timer") as batch_op:
        batch_op.add_column(
            sa.Column("guards_step", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True)
        )
    timers = sa.table(
        "timer",
        sa.column("id", sa.Integer()),
        sa.column("guards_step", sa.String()),
        sa.column("closed_by", sa.JSON()),
    )
    for timer_id, steps in bind.execute(sa.select(timers.c.id, timers.c.closed_by)).all():
        joined = ", ".join(steps or [])
        bind.execute(timers.update().where(timers.c.id == timer_id).values(guards_step=joined))
    with op.batch_alter_table("timer") as batch_op:
        batch_op.alter_column(
            "guards_step", existing_type=sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False
        )
        batch_op.drop_column("closed_by")

    op.drop_table("caseshare")

    with op.batch_alter_table("staffmember") as batch_op:
        batch_op.drop_column("team_name")
        batch_op.add_column(
            sa.Column("role", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")
        )
    # A member of staff had one role then: keep the first one they hold.
    bind.execute(
        sa.text(
            "UPDATE staffmember SET role = COALESCE((SELECT MIN(role) FROM staffrole "
            "WHERE staffrole.staff_id = staffmember.id), '')"
        )
    )
    with op.batch_alter_table("staffmember") as batch_op:
        batch_op.create_index(batch_op.f("ix_staffmember_role"), ["role"], unique=False)
    op.drop_table("staffrole")
