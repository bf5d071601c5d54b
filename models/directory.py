"""The contact directory: housing authorities and the staff named on cases."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.types import JSONColumn


class Authority(SQLModel, table=True):
    """One local housing authority, normalised from seed 002 (spec §9)."""

    id: str = Field(primary_key=True, max_length=40)
    name: str
    kind: str = Field(description="district (two-tier LHA) or unitary")
    children_services_authority: str = Field(description="kcc for the 12 districts; medway")
    main_phone: str | None = None
    ooh_phone: str | None = None
    ooh_verified: bool = False
    email: str | None = None
    website: str | None = None
    extra_contacts: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONColumn)
    last_verified: date | None = None
    routes: list[str] = Field(default_factory=list, sa_type=JSONColumn)
    ics_routes: list[str] = Field(default_factory=list, sa_type=JSONColumn)
    ooh_routes: list[str] = Field(default_factory=list, sa_type=JSONColumn)
    escalation_chains: dict[str, Any] = Field(default_factory=dict, sa_type=JSONColumn)
    data_gaps: list[str] = Field(default_factory=list, sa_type=JSONColumn)
    source: str = Field(default="seed 002 (Kent practice guidance, April 2023)")


class StaffMember(SQLModel, table=True):
    """A named member of staff: who signs in, acts on cases and receives their alerts."""

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True, index=True, max_length=80)
    display_name: str
    email: str
    authority_id: str | None = Field(default=None, foreign_key="authority.id")
    team: str = Field(description="the agency: lha or ics")
    team_name: str | None = Field(
        default=None,
        max_length=60,
        description="a children's services team in config/authorities.yaml, whose districts "
        "this person covers",
    )
    active: bool = True


class StaffRole(SQLModel, table=True):
    """A role one member of staff holds (a Director may also be a team manager)."""

    __table_args__ = (UniqueConstraint("staff_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staffmember.id", index=True)
    role: str = Field(index=True, max_length=60)
