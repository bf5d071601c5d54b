"""The shared virtual-clock offset (see infrastructure/clock.py)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime


class ClockOffset(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    offset_seconds: float = 0.0
    frozen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
