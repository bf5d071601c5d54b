"""Cases and what hangs off them: people, consent, events, steps and decisions.

Personal data lives only in ``Person`` (and in event payloads, which never leave this database).
Everything that crosses into Prefect or a notification carries the case reference alone.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import AutoString, Field, SQLModel

from models.checks import one_of
from models.types import JSONColumn, UTCDateTime, utcnow
from pathways.commitments import new_salt
from pathways.vocabulary import CaseStatus, EventStatus, StepStatus


class Case(SQLModel, table=True):
    __table_args__ = (
        one_of("status", CaseStatus, "ck_case_status"),
        # The caseload, newest first: PostgreSQL reads a page off the index in order; SQLite
        # sorts an authority's cases from it without reading their rows.
        Index("ix_case_opened_at_id", "opened_at", "id"),
        Index("ix_case_authority_opened_at_id", "authority_id", "opened_at", "id"),
        # The case page lists the cases opened from this one.
        Index("ix_case_linked_case_id", "linked_case_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(unique=True, index=True, max_length=16)
    pathway: str = Field(index=True, max_length=40)
    definition_version: str = Field(max_length=20)
    authority_id: str = Field(foreign_key="authority.id", index=True)
    state: str = Field(max_length=60)
    status: CaseStatus = Field(default="open", index=True, sa_type=AutoString(length=12))
    outcome_code: str | None = Field(default=None, max_length=40)
    duty_outcome: str | None = Field(default=None, max_length=60)
    linked_case_id: int | None = Field(default=None, foreign_key="case.id")
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSONColumn)
    version: int = Field(default=1, description="bumped on every applied transition")
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    pii_salt: str = Field(
        default_factory=new_salt,
        max_length=64,
        sa_column_kwargs={"server_default": ""},
        description="salts the commitments the audit chain covers instead of personal values "
        "(pathways.commitments)",
    )


class Person(SQLModel, table=True):
    """The minimum about a person on a case. Never copied out of the application database."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    relationship_to_case: str = Field(max_length=40, description="young_person, parent, ...")
    full_name: str
    date_of_birth: date | None = None
    date_of_birth_commitment: str | None = Field(
        default=None,
        max_length=80,
        description="set by retention, which clears the date: its commitment, for the chain",
    )
    contact_details: str | None = Field(
        default=None,
        max_length=300,
        description="how to reach them (a household member's phone, e-mail or address)",
    )


class ConsentRecord(SQLModel, table=True):
    """Consent per disclosure purpose and per person (spec §0.4), or a safeguarding override."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    purpose: str = Field(max_length=60)
    given: bool
    scope: str = ""
    safeguarding_override: bool = False
    override_rationale: str | None = None
    recorded_by: str
    recorded_role: str
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CaseEvent(SQLModel, table=True):
    """Something that happened to a case. The pathway flow is run once per event."""

    __table_args__ = (
        UniqueConstraint("case_id", "idempotency_key"),
        # Recovery finds events left pending by a crash between writing and running them.
        Index("ix_caseevent_status_recorded_at", "status", "recorded_at"),
        one_of("status", EventStatus, "ck_caseevent_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    transition: str = Field(max_length=60)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONColumn)
    actor: str
    role: str
    idempotency_key: str = Field(max_length=80)
    status: EventStatus = Field(default="pending", sa_type=AutoString(length=12))
    rejection_reason: str | None = None
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_type=UTCDateTime, description="wall-clock time it was written"
    )
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CaseStep(SQLModel, table=True):
    """A step of the protocol as it was opened and done on one case."""

    __table_args__ = (
        Index("ix_casestep_case_status", "case_id", "status"),
        one_of("status", StepStatus, "ck_casestep_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    step: str = Field(max_length=60)
    status: StepStatus = Field(default="open", sa_type=AutoString(length=12))
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_by: str | None = None
    event_id: int | None = Field(default=None, foreign_key="caseevent.id")


class Decision(SQLModel, table=True):
    """A recorded decision or sign-off, with who made it, in what role, and why."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    kind: str = Field(max_length=60)
    outcome: str = Field(max_length=60)
    decided_by: str
    role: str
    rationale: str = ""
    basis: str = ""
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    event_id: int | None = Field(default=None, foreign_key="caseevent.id")


class CaseAssignment(SQLModel, table=True):
    """Named staff on a case; their addresses receive the case's alerts."""

    __table_args__ = (UniqueConstraint("case_id", "staff_id", "case_role"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    staff_id: int = Field(foreign_key="staffmember.id")
    case_role: str = Field(max_length=60)


class CaseShare(SQLModel, table=True):
    """Another authority this case is shared with under the protocol, and why: its staff may
    then act on it (a cross-district referral, or a placement in their district)."""

    __table_args__ = (UniqueConstraint("case_id", "authority_id"),)

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    authority_id: str = Field(foreign_key="authority.id", max_length=40)
    reason: str = Field(max_length=60, description="placement, cross_district_referral, ...")
    shared_by: str
    shared_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
