"""Statutory and local timers. Deadlines are data: one row per running clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class Timer(SQLModel, table=True):
    # The sweep reads only due rows through this index, so its cost follows due timers, not all.
    __table_args__ = (Index("ix_timer_status_next_fire_at", "status", "next_fire_at"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    name: str = Field(max_length=60, description="the timer's name in the pathway definition")
    rule_id: str = Field(max_length=60)
    citation: str
    guards_step: str = Field(max_length=60, description="closes when this step is done")
    owner_team: str = Field(max_length=20)
    started_at: datetime = Field(sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    next_fire_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="open", max_length=12, description="open|warned|breached|closed")
    escalation_level: int = 0
    escalation_chain: str | None = Field(default=None, max_length=8, description="lha|ics|ifd")
    recurring: bool = False
    occurrence: int = 1
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
