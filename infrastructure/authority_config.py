"""Loads ``config/authorities.yaml``: rule overrides, escalation chains and team routes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infrastructure.settings import get_settings
from pathways.care_leaver_local_connection import DEFAULT_POLICY as DEFAULT_LOCAL_CONNECTION
from pathways.care_leaver_local_connection import LocalConnectionPolicy
from pathways.office_hours import OfficeHours, OfficeHoursError

AuthorityKind = Literal["district", "unitary"]


class UnknownAuthorityError(LookupError):
    def __init__(self, authority_id: str, known: list[str]) -> None:
        super().__init__(f"unknown authority '{authority_id}' (known: {', '.join(sorted(known))})")
        self.authority_id = authority_id


class AuthorityConfigError(ValueError):
    """The configuration file is malformed; the message names the field."""


class EscalationDefaults(BaseModel):
    lha: list[str]
    ics: list[str]
    ifd: list[str]
    lha_top: str | None = None


class TeamConfig(BaseModel):
    """A children's services team and the districts whose cases its staff act on."""

    covers: list[str] = Field(min_length=1)


class ChildrenServicesConfig(BaseModel):
    name: str
    ics_routes: list[str] = Field(default_factory=list)
    ifd_routes: list[str] = Field(default_factory=list)
    ooh_routes: list[str] = Field(default_factory=list)
    teams: dict[str, TeamConfig] = Field(default_factory=dict)


class CasePolicy(BaseModel):
    """Choices the protocol leaves to each authority. A case records the policy in force when it
    opened and keeps it; ``pathways.case_policy`` gives each choice's source for the screen."""

    model_config = ConfigDict(extra="forbid")

    closure_agreement: Literal["both_agencies", "one_agency"] = "both_agencies"
    parent_consent_required: bool = True
    reviews_start: Literal["case_opened", "caf_plan_agreed"] = "case_opened"
    family_ih_signoff: bool = True
    rfs_nrpf_below_threshold: bool = True
    care_leaver_local_connection: LocalConnectionPolicy = DEFAULT_LOCAL_CONNECTION
    role_seniority: dict[str, int] = Field(
        default_factory=lambda: {
            "lha-housing-officer": 1,
            "lha-senior-officer": 2,
            "lha-reviewing-officer": 3,
            "lha-service-manager": 3,
            "housing-director": 4,
        }
    )


_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class OfficeHoursConfig(BaseModel):
    """Monday to Friday except bank holidays, Europe/London wall time, from start to end."""

    model_config = ConfigDict(extra="forbid")

    start: str
    end: str

    @field_validator("start", "end", mode="before")
    @classmethod
    def _hh_mm(cls, value: object) -> object:
        # Unquoted, YAML 1.1 reads 17:00 as the number 1020, so say how to write it.
        if not isinstance(value, str) or not _HH_MM.fullmatch(value):
            raise ValueError('must be a 24-hour time in quotes, e.g. "17:00"')
        return value

    def hours(self) -> OfficeHours:
        return OfficeHours(start=time.fromisoformat(self.start), end=time.fromisoformat(self.end))


class AuthorityOverrides(BaseModel):
    kind: AuthorityKind = "district"
    case_policy: CasePolicy = Field(default_factory=CasePolicy)
    children_services: str = "kcc"
    rule_overrides: dict[str, int] = Field(default_factory=dict)
    escalation_lha: list[str] | None = None
    escalation_lha_top: str | None = None
    extra_routes: list[str] = Field(default_factory=list)
    operations_email: str | None = Field(
        default=None,
        # The alert names a notification and its case reference only; it carries no personal data.
        description="where a dead letter of this authority's cases is reported",
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    )
    office_hours: OfficeHoursConfig | None = Field(
        default=None, description="this authority's hours, when they differ from the defaults"
    )


class Defaults(BaseModel):
    escalation: EscalationDefaults
    office_hours: OfficeHoursConfig = Field(
        default_factory=lambda: OfficeHoursConfig(start="09:00", end="17:00")
    )


class AuthorityConfig(BaseModel):
    defaults: Defaults
    children_services: dict[str, ChildrenServicesConfig]
    authorities: dict[str, AuthorityOverrides]

    def authority(self, authority_id: str) -> AuthorityOverrides:
        try:
            return self.authorities[authority_id]
        except KeyError:
            raise UnknownAuthorityError(authority_id, list(self.authorities)) from None

    def team(self, name: str) -> TeamConfig | None:
        """A configured children's services team, whichever authority runs it."""
        for services in self.children_services.values():
            if name in services.teams:
                return services.teams[name]
        return None

    def lha_escalation_chain(self, authority_id: str) -> tuple[list[str], str | None]:
        """The LHA chain for an authority and its top level (None = DATA GAP, spec §7)."""
        entry = self.authority(authority_id)
        chain = entry.escalation_lha or self.defaults.escalation.lha
        top = entry.escalation_lha_top or self.defaults.escalation.lha_top
        return list(chain), top

    def office_hours(self, authority_id: str) -> OfficeHours:
        """The authority's own office hours, else the defaults."""
        configured = self.authority(authority_id).office_hours or self.defaults.office_hours
        return configured.hours()


def _office_hours_entries(config: AuthorityConfig) -> Iterator[tuple[str, OfficeHoursConfig]]:
    yield "defaults.office_hours", config.defaults.office_hours
    for authority_id, entry in config.authorities.items():
        if entry.office_hours is not None:
            yield f"authorities.{authority_id}.office_hours", entry.office_hours


def parse_authority_config(raw: object, source: str) -> AuthorityConfig:
    try:
        config = AuthorityConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise AuthorityConfigError(f"{source}: {where}: {first['msg']}") from exc
    for services_id, services in config.children_services.items():
        for team_name, team in services.teams.items():
            unknown = [district for district in team.covers if district not in config.authorities]
            if unknown:
                raise AuthorityConfigError(
                    f"{source}: children_services.{services_id}.teams.{team_name}.covers: "
                    f"unknown authority '{unknown[0]}'"
                )
    for authority_id, entry in config.authorities.items():
        if entry.children_services not in config.children_services:
            raise AuthorityConfigError(
                f"{source}: authorities.{authority_id}.children_services: "
                f"'{entry.children_services}' is not a configured children's services authority"
            )
    for where, hours in _office_hours_entries(config):
        try:
            hours.hours()
        except OfficeHoursError as exc:
            raise AuthorityConfigError(f"{source}: {where}.{exc.field}: {exc.reason}") from exc
    return config


def load_authority_config(path: Path | None = None) -> AuthorityConfig:
    path = path or get_settings().authority_config
    with path.open(encoding="utf-8") as handle:
        return parse_authority_config(yaml.safe_load(handle), str(path))


@lru_cache(maxsize=1)
def authority_config() -> AuthorityConfig:
    return load_authority_config()


def rule_overrides_for(authority_id: str) -> dict[str, int]:
    """Rule overrides for one authority; raises UnknownAuthorityError for an unknown id."""
    return dict(authority_config().authority(authority_id).rule_overrides)


def office_hours_for(authority_id: str) -> OfficeHours:
    """Office hours for one authority; raises UnknownAuthorityError for an unknown id."""
    return authority_config().office_hours(authority_id)
