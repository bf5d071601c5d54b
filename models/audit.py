"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from models.types import JSONColumn, UTCDateTime


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    actor: str
    role: str
    action: str = Field(max_length=80, index=True)
    case_reference: str | None = Field(default=None, max_length=16, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_type=JSONColumn)
    after: dict[str, Any] | None = Field(default=None, sa_type=JSONColumn)
    basis: str = Field(default="", description="the rule id or citation relied on")
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditHead(SQLModel, table=True):
    """One row: the last event's id and hash, so deleting the tail of the chain is caught too.

    Appenders lock this row, which also serialises concurrent appends on PostgreSQL.
    """

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    last_hash: str = Field(max_length=64)
