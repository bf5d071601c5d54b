"""Statutory and local timers. Deadlines are data: one row per running clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import AutoString, Field, SQLModel

from models.checks import one_of
from models.types import JSONColumn, UTCDateTime, utcnow
from pathways.vocabulary import TimerStatus


class Timer(SQLModel, table=True):
    # The sweep reads only due rows through this index, so its cost follows due timers, not all.
    __table_args__ = (
        Index("ix_timer_status_next_fire_at", "status", "next_fire_at"),
        # A page's running timers: without both columns SQLite reads every running timer.
        Index("ix_timer_case_id_status", "case_id", "status"),
        one_of("status", TimerStatus, "ck_timer_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    name: str = Field(max_length=60, description="the timer's name in the pathway definition")
    rule_id: str = Field(max_length=60)
    citation: str
    closed_by: list[str] = Field(
        default_factory=list, sa_type=JSONColumn, description="the steps whose recording closes it"
    )
    owner_team: str = Field(max_length=20)
    started_at: datetime = Field(sa_type=UTCDateTime)
    warn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime = Field(sa_type=UTCDateTime)
    next_fire_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: TimerStatus = Field(default="open", sa_type=AutoString(length=12))
    escalation_level: int = 0
    escalation_chain: str | None = Field(default=None, max_length=8, description="lha|ics|ifd")
    recurring: bool = False
    occurrence: int = 1
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
