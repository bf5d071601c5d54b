"""``office_hours`` in config/authorities.yaml: the defaults, a per-authority override, and
bad values refused with the field named."""

from __future__ import annotations

import copy
from datetime import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from infrastructure.authority_config import AuthorityConfigError, parse_authority_config
from pathways.office_hours import OfficeHours

AUTHORITIES_YAML = Path(__file__).resolve().parents[2] / "config" / "authorities.yaml"
RAW: dict[str, Any] = yaml.safe_load(AUTHORITIES_YAML.read_text(encoding="utf-8"))


def _raw() -> dict[str, Any]:
    return copy.deepcopy(RAW)


def test_the_shipped_default_is_nine_to_five_everywhere() -> None:
    config = parse_authority_config(_raw(), "authorities.yaml")
    for authority_id in config.authorities:
        assert config.office_hours(authority_id) == OfficeHours(time(9, 0), time(17, 0))


def test_an_authority_may_set_its_own_hours() -> None:
    raw = _raw()
    raw["authorities"]["maidstone"] = {"office_hours": {"start": "09:00", "end": "16:30"}}
    config = parse_authority_config(raw, "authorities.yaml")
    assert config.office_hours("maidstone") == OfficeHours(time(9, 0), time(16, 30))
    assert config.office_hours("dartford") == OfficeHours(time(9, 0), time(17, 0))


def test_a_file_without_office_hours_gets_the_default() -> None:
    raw = _raw()
    del raw["defaults"]["office_hours"]
    config = parse_authority_config(raw, "authorities.yaml")
    assert config.office_hours("dover") == OfficeHours(time(9, 0), time(17, 0))


@pytest.mark.parametrize(
    ("where", "hours", "message"),
    [
        ("defaults", {"start": "17:00", "end": "09:00"}, "defaults.office_hours.end: 09:00"),
        (
            "maidstone",
            {"start": "09:00", "end": "09:00"},
            "authorities.maidstone.office_hours.end",
        ),
        ("defaults", {"start": "9am", "end": "17:00"}, "defaults.office_hours.start"),
        ("defaults", {"start": "09:00", "end": "24:00"}, "defaults.office_hours.end"),
        # Unquoted 17:00 is YAML 1.1's number 1020.
        ("maidstone", {"start": "09:00", "end": 1020}, "authorities.maidstone.office_hours.end"),
        ("defaults", {"start": "09:00"}, "defaults.office_hours.end"),
        ("defaults", {"start": "09:00", "end": "17:00", "days": 7}, "office_hours.days"),
    ],
)
def test_bad_office_hours_name_the_field(where: str, hours: object, message: str) -> None:
    raw = _raw()
    if where == "defaults":
        raw["defaults"]["office_hours"] = hours
    else:
        raw["authorities"][where] = {"office_hours": hours}
    with pytest.raises(AuthorityConfigError, match=message):
        parse_authority_config(raw, "authorities.yaml")
