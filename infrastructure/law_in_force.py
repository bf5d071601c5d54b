"""Reads ``config/law.yaml``: the commencement dates of provisions the rules depend on."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import yaml

from infrastructure.settings import get_settings


class LawConfigError(ValueError):
    """The file is malformed; the message names the provision."""


def parse_in_force(raw: object, source: str) -> dict[str, date]:
    if not isinstance(raw, dict):
        raise LawConfigError(f"{source}: expected provision: date lines")
    found: dict[str, date] = {}
    for provision, value in raw.items():
        if value is None:
            continue
        if not isinstance(value, date):
            raise LawConfigError(f"{source}: {provision}: must be a date (YYYY-MM-DD) or null")
        found[str(provision)] = value
    return found


@lru_cache(maxsize=1)
def in_force() -> dict[str, date]:
    """Provision -> commencement date, for those that have one (``PATHWAYS_LAW_CONFIG``)."""
    path = get_settings().law_config
    with path.open(encoding="utf-8") as handle:
        return parse_in_force(yaml.safe_load(handle) or {}, str(path))
