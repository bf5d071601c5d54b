"""The notification outbox, written in the same transaction as the change it reports.

One row per message per route, so a retry never re-sends to a route that already got it. The
states and their moves are ``pathways.notification_lifecycle``'s; the CHECK constraints below
hold the table to them, so a raw UPDATE cannot write a state, or a failure without its kind,
that the machine does not have.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import AutoString, Field, SQLModel

from models.checks import one_of
from models.types import JSONColumn, UTCDateTime, utcnow
from pathways.notification_lifecycle import FailureKind
from pathways.vocabulary import NotificationStatus


class Notification(SQLModel, table=True):
    __table_args__ = (
        Index("ix_notification_status_next_attempt", "status", "next_attempt_at"),
        one_of("status", NotificationStatus, "ck_notification_status"),
        one_of("last_error_kind", FailureKind, "ck_notification_error_kind"),
        CheckConstraint(
            "status NOT IN ('temporary-failure', 'permanent-failure') "
            "OR last_error_kind IS NOT NULL",
            name="ck_notification_failure_has_kind",
        ),
        CheckConstraint(
            "status <> 'sent' OR delivered_at IS NOT NULL", name="ck_notification_sent_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=160)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    case_reference: str | None = Field(default=None, max_length=16)
    event_type: str = Field(max_length=60, description="the template that renders it")
    context: dict[str, str | None] = Field(default_factory=dict, sa_type=JSONColumn)
    recipient: str = Field(max_length=80, description="who the route stands for, e.g. 'lha'")
    route: str = Field(description="an Apprise URL")
    status: NotificationStatus = Field(default="pending", sa_type=AutoString(length=20))
    attempts: int = Field(default=0, description="claims so far; a settle names the one it holds")
    next_attempt_at: datetime = Field(
        default_factory=utcnow,
        sa_type=UTCDateTime,
        description="when it is due; while sending, when the sender's lease runs out",
    )
    last_error: str | None = Field(
        default=None, description="the specific reason, e.g. 'connection refused'; never a URL"
    )
    last_error_kind: FailureKind | None = Field(default=None, sa_type=AutoString(length=24))
    template_hash: str | None = Field(
        default=None, max_length=64, description="sha256 of the template sources it rendered"
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="when the relay accepted it (sent)"
    )
    failed_at: datetime | None = Field(
        default=None, sa_type=UTCDateTime, description="when it became a permanent failure"
    )
    dead_letter_alerted_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="when the operations alert about this permanent failure was queued",
    )
