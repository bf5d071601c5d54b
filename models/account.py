"""Sign-in: a member of staff's local account, their browser sessions and their API tokens.

Only hashes are stored: the password's argon2 hash, and the SHA-256 of each session cookie and
API token, so a copy of the database signs no one in.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.types import UTCDateTime, utcnow


class UserAccount(SQLModel, table=True):
    """How one member of staff signs in; who they are and what they hold is the directory's."""

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staffmember.id", unique=True, index=True)
    password_hash: str = Field(max_length=255)
    failed_attempts: int = Field(default=0, description="consecutive failed sign-ins")
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    """A signed-in browser, found by the hash of its cookie's token."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    account_id: int = Field(foreign_key="useraccount.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, description="absolute, however active")
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API, found by its hash; shown to its owner once."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, index=True, max_length=64)
    account_id: int = Field(foreign_key="useraccount.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
