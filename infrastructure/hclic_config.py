"""Loads ``config/hclic.yaml`` (``PATHWAYS_HCLIC_CONFIG``): the H-CLIC-style categories a
pathway's outcomes map to, and the roles that may export the return.

The official code list is not public (spec errata 8), so the categories are configuration and
are always shown with ``NOT_OFFICIAL``; the file cannot rename that warning away. Every mapping
is checked against what the pathways record: an unknown duty outcome, pathway, outcome code or
category is refused with the field that names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from infrastructure.settings import get_settings
from pathways.definitions import all_definitions
from pathways.definitions.youth_1617_inputs import DutyOutcome
from pathways.roles import Role

NOT_OFFICIAL: Final = "H-CLIC-style categories: configurable, not the official list"


class HclicConfigError(ValueError):
    """The file is malformed or maps to something that does not exist; the message names the
    field."""


class HclicConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    export_roles: tuple[Role, ...] = Field(min_length=1)
    categories: dict[str, str] = Field(min_length=1)
    duty_outcomes: dict[str, str] = Field(default_factory=dict)
    pathway_outcomes: dict[str, dict[str, str]] = Field(default_factory=dict)

    def label(self, category: str) -> str:
        return self.categories[category]


def _outcome_codes() -> dict[str, set[str]]:
    codes: dict[str, set[str]] = {}
    for definition in all_definitions():
        codes.setdefault(definition.name, set()).update(definition.outcomes)
    return codes


def _checked(config: HclicConfig, source: str) -> HclicConfig:
    def category(where: str, value: str) -> None:
        if value not in config.categories:
            raise HclicConfigError(
                f"{source}: {where}: '{value}' is not one of the categories "
                f"({', '.join(config.categories)})"
            )

    recorded = {str(code) for code in get_args(DutyOutcome)}
    for outcome, target in config.duty_outcomes.items():
        if outcome not in recorded:
            raise HclicConfigError(
                f"{source}: duty_outcomes.{outcome}: not a duty outcome the pathways record "
                f"({', '.join(sorted(recorded))})"
            )
        category(f"duty_outcomes.{outcome}", target)
    known = _outcome_codes()
    for pathway, mapping in config.pathway_outcomes.items():
        if pathway not in known:
            raise HclicConfigError(
                f"{source}: pathway_outcomes.{pathway}: no such pathway "
                f"({', '.join(sorted(known))})"
            )
        for code, target in mapping.items():
            if code not in known[pathway]:
                raise HclicConfigError(
                    f"{source}: pathway_outcomes.{pathway}.{code}: not an outcome of that "
                    f"pathway ({', '.join(sorted(known[pathway]))})"
                )
            category(f"pathway_outcomes.{pathway}.{code}", target)
    return config


def parse_hclic_config(raw: object, source: str) -> HclicConfig:
    try:
        config = HclicConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the file)"
        raise HclicConfigError(f"{source}: {where}: {first['msg']}") from exc
    return _checked(config, source)


def load_hclic_config(path: Path | None = None) -> HclicConfig:
    """Read on each use: it is small, and an export must follow the file as it is now."""
    path = path or get_settings().hclic_config
    try:
        with path.open(encoding="utf-8") as handle:
            raw = yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise HclicConfigError(f"{path}: cannot be read: {exc}") from exc
    return parse_hclic_config(raw, str(path))
