"""Loads ``config/authorities.yaml``: rule overrides, escalation chains and team routes."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from infrastructure.settings import get_settings

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


class AuthorityOverrides(BaseModel):
    kind: AuthorityKind = "district"
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


class Defaults(BaseModel):
    escalation: EscalationDefaults


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
