"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import AutoString, Field, SQLModel

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
    scheme: str = Field(
        default="sha256",
        # The database's default only: an insert that leaves it out does not name the column.
        sa_column=Column(AutoString(40), nullable=False, server_default="sha256"),
        description="how the hash was made: sha256, or hmac-sha256:<key id> under the audit "
        "key with that id (hmac-sha256 alone: written before rows named their key)",
    )
    covers: dict[str, str] | None = Field(
        default=None,
        # SQL NULL, not JSON null, for an event that covers nothing: verify selects on it.
        sa_type=JSON(none_as_null=True),
        description="'table:id' -> digest of each case record this event wrote",
    )


class AuditHead(SQLModel, table=True):
    """One row: the last event's id and hash, so deleting the tail of the chain is caught too.

    Appenders lock this row, which also serialises concurrent appends on PostgreSQL.
    """

    id: int = Field(default=1, primary_key=True)
    last_event_id: int = 0
    last_hash: str = Field(max_length=64)
