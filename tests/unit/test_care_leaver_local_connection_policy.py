"""Case policy ``care_leaver_local_connection`` in config/authorities.yaml: the statute by
default, the seed's wording where an authority chooses it, and a bad value refused with the
field named."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from infrastructure.authority_config import AuthorityConfigError, parse_authority_config
from pathways.care_leaver_local_connection import (
    DEFAULT_POLICY,
    POLICIES,
    POLICY_KEY,
    DirectoryAuthority,
    local_connection,
    policy_in_force,
)
from pathways.case_policy import CARE_LEAVER, POLICY, describe_policy

AUTHORITIES_YAML = Path(__file__).resolve().parents[2] / "config" / "authorities.yaml"
RAW: dict[str, Any] = yaml.safe_load(AUTHORITIES_YAML.read_text(encoding="utf-8"))


def _raw() -> dict[str, Any]:
    return copy.deepcopy(RAW)


def test_every_shipped_authority_follows_the_statute_by_default() -> None:
    config = parse_authority_config(_raw(), "authorities.yaml")
    assert DEFAULT_POLICY == "while_s23c_duty"
    for authority_id in config.authorities:
        policy = config.authority(authority_id).case_policy
        assert policy.care_leaver_local_connection == "while_s23c_duty"
    # The config header names the choice and its default beside the others.
    assert f"{POLICY_KEY}: while_s23c_duty" in AUTHORITIES_YAML.read_text(encoding="utf-8")


def test_an_authority_may_choose_the_seeds_wording_and_its_cases_then_apply_it() -> None:
    raw = _raw()
    raw["authorities"]["thanet"] = {"case_policy": {POLICY_KEY: "seed_no_age_limit"}}
    config = parse_authority_config(raw, "authorities.yaml")
    thanet = config.authority("thanet").case_policy
    assert thanet.care_leaver_local_connection == "seed_no_age_limit"
    assert config.authority("dover").case_policy.care_leaver_local_connection == DEFAULT_POLICY
    # What a case records at opening (application.cases.opening_facts) is what the rule reads.
    recorded = thanet.model_dump()
    found = local_connection(
        responsible_authority="kcc",
        chosen=DirectoryAuthority("thanet", "district"),
        policy=policy_in_force(recorded),
        s23c_duty_lasts=False,
    )
    assert found.code == "two_tier_every_district"


@pytest.mark.parametrize("value", ["no_age_limit", "", True, 21, None])
def test_a_bad_value_is_refused_naming_the_field(value: object) -> None:
    raw = _raw()
    raw["authorities"]["dover"] = {"case_policy": {POLICY_KEY: value}}
    with pytest.raises(
        AuthorityConfigError, match=f"authorities.dover.case_policy.{POLICY_KEY}: "
    ) as refused:
        parse_authority_config(raw, "authorities.yaml")
    assert "while_s23c_duty" in str(refused.value) and "seed_no_age_limit" in str(refused.value)


def test_the_choice_is_shown_with_its_source_on_care_leaver_cases_only() -> None:
    choice = POLICY[POLICY_KEY]
    assert choice.pathway == CARE_LEAVER == "care-leaver-transition"
    assert tuple(choice.meanings) == POLICIES
    for cited in ("s.199(8)-(9)", "Homelessness Reduction Act 2017", "s.23C", "seed 004 §2.9"):
        assert cited in choice.source
    rows = describe_policy({POLICY_KEY: "while_s23c_duty"}, CARE_LEAVER)
    assert rows == [(choice.title, choice.meanings["while_s23c_duty"], choice.source)]
    assert describe_policy({POLICY_KEY: "seed_no_age_limit"}, "youth-1617-intake") == []
