"""notification states: pending, sending, sent, temporary-failure, permanent-failure

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 12:40:00

- ``notification.status`` takes the explicit state machine's names (issue 10, point 7):
  ``delivered`` becomes ``sent``, ``dead`` becomes ``permanent-failure``, and a ``pending`` row
  that has been tried already (a retry waiting) becomes ``temporary-failure``. The column
  widens to 20 characters for them.
- ``last_error_kind`` classifies each failure; the kind of a row failed before this revision
  is read from the error text it kept. A context error's text could quote the context itself
  (pydantic shows the input), so it is replaced by the kind's name.
- ``template_hash`` (what a message was rendered from), ``failed_at`` and
  ``dead_letter_alerted_at`` (when a dead letter was reported to operations) are new.
- CHECK constraints hold the states, the kinds, a failure's kind and a sent row's time.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.types

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as they were when this migration was written; later vocabularies need their own.
OLD_STATES = ("pending", "sending", "delivered", "dead")
NEW_STATES = ("pending", "sending", "sent", "temporary-failure", "permanent-failure")
FAILURE_KINDS = (
    "invalid-route",
    "template-error",
    "context-error",
    "connection-refused",
    "connection-closed",
    "timed-out",
    "host-not-found",
    "tls-failed",
    "authentication-failed",
    "sender-rejected",
    "recipient-rejected",
    "message-refused",
    "relay-error",
)
STATUS_CHECK = "ck_notification_status"
NEW_CHECKS = {
    "ck_notification_error_kind": "last_error_kind IN ("
    + ", ".join(f"'{kind}'" for kind in FAILURE_KINDS)
    + ")",
    "ck_notification_failure_has_kind": "status NOT IN ('temporary-failure', "
    "'permanent-failure') OR last_error_kind IS NOT NULL",
    "ck_notification_sent_at": "status <> 'sent' OR delivered_at IS NOT NULL",
}
NEW_COLUMNS = ("last_error_kind", "template_hash", "failed_at", "dead_letter_alerted_at")


def _new_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("last_error_kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
        sa.Column("template_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("failed_at", models.types.UTCDateTime(), nullable=True),
        sa.Column("dead_letter_alerted_at", models.types.UTCDateTime(), nullable=True),
    ]


# What the delivery before this revision wrote to last_error: "<exception type>: <message>".
KIND_FROM_OLD_ERROR = (
    ("DeliveryError: the route is not%", "invalid-route"),
    ("ValidationError%", "context-error"),
    ("TemplateNotFound%", "template-error"),
    ("TemplateSyntaxError%", "template-error"),
    ("UndefinedError%", "template-error"),
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _old_kind() -> str:
    cases = " ".join(
        f"WHEN last_error LIKE '{like}' THEN '{kind}'" for like, kind in KIND_FROM_OLD_ERROR
    )
    return f"CASE {cases} ELSE 'relay-error' END"


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("notification") as batch_op:
        batch_op.drop_constraint(STATUS_CHECK, type_="check")
        batch_op.alter_column(
            "status",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=12),
            type_=sqlmodel.sql.sqltypes.AutoString(length=20),
            existing_nullable=False,
        )
        for column in _new_columns():
            batch_op.add_column(column)

    for statement in (
        "UPDATE notification SET status = 'sent', "
        "delivered_at = COALESCE(delivered_at, created_at) WHERE status = 'delivered'",
        "UPDATE notification SET status = 'permanent-failure' WHERE status = 'dead'",
        "UPDATE notification SET status = 'temporary-failure' "
        "WHERE status = 'pending' AND attempts > 0",
        f"UPDATE notification SET last_error_kind = {_old_kind()} "
        "WHERE status IN ('temporary-failure', 'permanent-failure')",
        "UPDATE notification SET last_error = 'context error (detail not kept before 0003)' "
        "WHERE last_error_kind = 'context-error'",
    ):
        bind.execute(sa.text(statement))

    with op.batch_alter_table("notification") as batch_op:
        batch_op.create_check_constraint(STATUS_CHECK, _in("status", NEW_STATES))
        for name, condition in NEW_CHECKS.items():
            batch_op.create_check_constraint(name, condition)


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("notification") as batch_op:
        for name in (STATUS_CHECK, *NEW_CHECKS):
            batch_op.drop_constraint(name, type_="check")

    for statement in (
        "UPDATE notification SET status = 'delivered' WHERE status = 'sent'",
        "UPDATE notification SET status = 'dead' WHERE status = 'permanent-failure'",
        "UPDATE notification SET status = 'pending' WHERE status = 'temporary-failure'",
    ):
        bind.execute(sa.text(statement))

    with op.batch_alter_table("notification") as batch_op:
        for name in reversed(NEW_COLUMNS):
            batch_op.drop_column(name)
        batch_op.alter_column(
            "status",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=20),
            type_=sqlmodel.sql.sqltypes.AutoString(length=12),
            existing_nullable=False,
        )
        batch_op.create_check_constraint(STATUS_CHECK, _in("status", OLD_STATES))
