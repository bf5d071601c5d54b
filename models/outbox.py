"""The notification outbox, written in the same transaction as the change it reports.

One row per message per route, so a retry never re-sends to a route that already got it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import AutoString, Field, SQLModel

from models.checks import one_of
from models.types import JSONColumn, UTCDateTime, utcnow
from pathways.vocabulary import NotificationStatus


class Notification(SQLModel, table=True):
    __table_args__ = (
        Index("ix_notification_status_next_attempt", "status", "next_attempt_at"),
        one_of("status", NotificationStatus, "ck_notification_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(unique=True, max_length=160)
    case_id: int | None = Field(default=None, foreign_key="case.id", index=True)
    case_reference: str | None = Field(default=None, max_length=16)
    event_type: str = Field(max_length=60, description="the template that renders it")
    context: dict[str, str | None] = Field(default_factory=dict, sa_type=JSONColumn)
    recipient: str = Field(max_length=80, description="who the route stands for, e.g. 'lha'")
    route: str = Field(description="an Apprise URL")
    status: NotificationStatus = Field(default="pending", sa_type=AutoString(length=12))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
