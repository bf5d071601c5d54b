"""The escalation chains of spec §7 (seed 002): only the LHA chain has a configured top."""

from __future__ import annotations

from typing import Any

import pytest

from pathways.escalation import CHAIN_NAMES, chain_levels

STORED: dict[str, Any] = {
    "lha": ["lha-senior-officer", "lha-service-manager"],
    "lha_top": "housing-director",
    "ics": ["ics-team-manager", "ics-service-manager", "ics-assistant-director"],
    "ifd": ["ifd-team-manager", "ifd-service-manager", "ics-assistant-director"],
}


def test_the_lha_chain_ends_at_its_configured_top() -> None:
    assert chain_levels(STORED, "lha") == [
        "lha-senior-officer",
        "lha-service-manager",
        "housing-director",
    ]


@pytest.mark.parametrize("top", [None, ""])
def test_an_unset_lha_top_ends_the_chain_at_service_manager(top: str | None) -> None:
    assert chain_levels({**STORED, "lha_top": top}, "lha") == [
        "lha-senior-officer",
        "lha-service-manager",
    ]
    without_key = {name: value for name, value in STORED.items() if name != "lha_top"}
    assert chain_levels(without_key, "lha") == ["lha-senior-officer", "lha-service-manager"]


@pytest.mark.parametrize("name", ["ics", "ifd"])
def test_ics_and_ifd_chains_are_the_stored_levels_and_ignore_a_top_key(name: str) -> None:
    # The seed gives these chains in full, up to the Assistant Director: a "<chain>_top" is no
    # level of theirs (the old sweep appended one to every chain).
    stored = {**STORED, f"{name}_top": "someone-else"}
    assert chain_levels(stored, name) == STORED[name]
    assert chain_levels(stored, name)[-1] == "ics-assistant-director"


def test_the_result_is_a_fresh_list_of_strings() -> None:
    levels = chain_levels(STORED, "ics")
    levels.append("changed")
    assert chain_levels(STORED, "ics") == STORED["ics"]
    assert STORED["ics"][-1] == "ics-assistant-director"


@pytest.mark.parametrize("chains", [None, {}, {"lha": None, "lha_top": None}])
def test_a_chain_that_is_not_stored_has_no_levels(chains: dict[str, Any] | None) -> None:
    assert chain_levels(chains, "lha") == []
    assert chain_levels(chains, "ics") == []


def test_an_unknown_chain_name_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown escalation chain 'board'") as info:
        chain_levels(STORED, "board")
    for name in CHAIN_NAMES:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="lha_top"):
        chain_levels(STORED, "lha_top")


def test_the_known_chains_are_those_of_spec_section_7() -> None:
    assert CHAIN_NAMES == ("lha", "ics", "ifd")
