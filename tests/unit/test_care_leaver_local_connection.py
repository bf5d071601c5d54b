"""The care leaver's local connection with the authority chosen for a duty to refer.

Spec §13 errata 16 and §3 Cohorts, seed 004 §2.9: a KCC care leaver has one with every Kent
district while the s.23C duty lasts (or with no age limit, the seed's wording, where the authority
chose it); Medway is unitary and outside the two-tier rule; an authority outside the directory is
not assessed, and the choice is never limited to Kent (s.213B).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from pathways.care_leaver_local_connection import (
    CODES,
    DEFAULT_POLICY,
    POLICIES,
    POLICY_KEY,
    RESPONSIBLE_AUTHORITIES,
    ChosenAuthority,
    DirectoryAuthority,
    LocalConnection,
    LocalConnectionInputError,
    OutsideDirectory,
    local_connection,
    policy_in_force,
    s23c_duty_subsists,
)

CONFIG: dict[str, Any] = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "config" / "authorities.yaml").read_text("utf-8")
)


def directory(authority_id: str) -> DirectoryAuthority:
    """As the caller builds it: kind and children's services authority read from the config."""
    entry = CONFIG["authorities"][authority_id] or {}
    return DirectoryAuthority(
        authority_id, entry.get("kind", "district"), entry.get("children_services", "kcc")
    )


KENT_DISTRICTS = sorted(
    a for a in CONFIG["authorities"] if directory(a).kind == "district" and a != "medway"
)
MEDWAY = directory("medway")
ELSEWHERE = OutsideDirectory("Brighton and Hove City Council")
DARTFORD = DirectoryAuthority("dartford", "district")


def connection(
    responsible: Any = "kcc",
    chosen: ChosenAuthority = DARTFORD,
    policy: Any = DEFAULT_POLICY,
    lasts: Any = True,
) -> LocalConnection:
    return local_connection(
        responsible_authority=responsible, chosen=chosen, policy=policy, s23c_duty_lasts=lasts
    )


def test_the_directory_holds_the_twelve_kent_districts_and_medway_as_a_unitary() -> None:
    assert len(KENT_DISTRICTS) == 12
    assert all(directory(d).children_services == "kcc" for d in KENT_DISTRICTS)
    assert (MEDWAY.kind, MEDWAY.children_services) == ("unitary", "medway")


@pytest.mark.parametrize("district", KENT_DISTRICTS)
def test_a_kcc_care_leaver_has_one_with_every_kent_district_while_the_duty_lasts(
    district: str,
) -> None:
    found = connection("kcc", directory(district))
    assert found.code == "two_tier_every_district" and found.has_local_connection
    assert district in found.basis
    for cited in (
        "Housing Act 1996 s.199(8)-(9)",
        "Homelessness Reduction Act 2017 s.8",
        "Children Act 1989 s.23C(6)-(7)",
        "seed 004 §2.9",
        "errata 16",
    ):
        assert cited in found.basis


def test_once_the_duty_has_ended_the_statute_gives_none_and_the_basis_names_the_alternative() -> (
    None
):
    found = connection("kcc", directory("swale"), "while_s23c_duty", lasts=False)
    assert found.code == "not_by_care_leaver_rule" and not found.has_local_connection
    assert "s.23C has ended" in found.basis and "seed_no_age_limit" in found.basis


def test_the_seed_setting_keeps_it_with_no_age_limit_and_says_the_statute_would_not() -> None:
    found = connection("kcc", directory("swale"), "seed_no_age_limit", lasts=False)
    assert found.code == "two_tier_every_district"
    assert "no age limit" in found.basis and "seed_no_age_limit" in found.basis
    assert "the statute alone would not give it" in found.basis
    while_lasting = connection("kcc", directory("swale"), "seed_no_age_limit", lasts=True)
    assert "would not give it" not in while_lasting.basis


@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("lasts", [True, False])
def test_the_two_tier_rule_does_not_reach_medway_for_a_kcc_care_leaver(
    policy: str, lasts: bool
) -> None:
    found = connection("kcc", MEDWAY, policy, lasts)
    assert found.code == "not_by_care_leaver_rule"
    assert "unitary authority outside KCC's area" in found.basis


@pytest.mark.parametrize("district", KENT_DISTRICTS)
@pytest.mark.parametrize("policy", POLICIES)
def test_a_medway_care_leaver_has_none_with_a_kent_district_by_this_rule(
    district: str, policy: str
) -> None:
    found = connection("medway", directory(district), policy, True)
    assert found.code == "not_by_care_leaver_rule"
    assert "with Medway" in found.basis and district in found.basis


def test_a_medway_care_leaver_has_one_with_medway() -> None:
    found = connection("medway", MEDWAY)
    assert found.code == "children_services_area" and found.has_local_connection
    assert "s.199(8)" in found.basis
    assert connection("medway", MEDWAY, "seed_no_age_limit", False).code == (
        "children_services_area"
    )
    assert connection("medway", MEDWAY, "while_s23c_duty", False).code == (
        "not_by_care_leaver_rule"
    )


@pytest.mark.parametrize("chosen", [directory("dover"), MEDWAY])
def test_another_authoritys_care_leaver_has_none_with_a_directory_authority(
    chosen: DirectoryAuthority,
) -> None:
    found = connection("other", chosen, "seed_no_age_limit", True)
    assert found.code == "not_by_care_leaver_rule"
    assert "neither KCC nor Medway" in found.basis


@pytest.mark.parametrize("responsible", RESPONSIBLE_AUTHORITIES)
def test_an_authority_outside_the_directory_is_not_assessed_but_may_be_chosen(
    responsible: str,
) -> None:
    found = connection(responsible, ELSEWHERE)
    assert found.code == "not_assessed_outside_directory" and not found.has_local_connection
    assert "does not assess" in found.basis and "s.213B" in found.basis
    assert ELSEWHERE.name not in found.basis


def test_a_district_of_another_county_is_outside_kccs_area() -> None:
    found = connection("kcc", DirectoryAuthority("crawley", "district", "west-sussex"))
    assert found.code == "not_by_care_leaver_rule"
    assert "a district of another county" in found.basis


def test_the_result_is_a_frozen_value() -> None:
    found = connection()
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.code = "children_services_area"  # type: ignore[misc]
    assert found == connection()


@pytest.mark.parametrize(
    ("under_21", "programme", "lasts"),
    [(True, False, True), (True, True, True), (False, True, True), (False, False, False)],
)
def test_the_s23c_duty_lasts_to_21_and_beyond_while_the_programme_continues(
    under_21: bool, programme: bool, lasts: bool
) -> None:
    assert s23c_duty_subsists(under_21=under_21, programme_beyond_21_continues=programme) is lasts


def test_the_recorded_policy_is_read_and_a_case_without_one_follows_the_statute() -> None:
    assert policy_in_force({}) == "while_s23c_duty" == DEFAULT_POLICY
    assert policy_in_force({POLICY_KEY: "seed_no_age_limit"}) == "seed_no_age_limit"
    with pytest.raises(LocalConnectionInputError, match=POLICY_KEY) as refused:
        policy_in_force({POLICY_KEY: "forever"})
    assert refused.value.field == POLICY_KEY and "forever" not in str(refused.value)


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"responsible": "surrey"}, "responsible_authority"),
        ({"responsible": None}, "responsible_authority"),
        ({"policy": "always"}, POLICY_KEY),
        ({"lasts": "yes"}, "s23c_duty_lasts"),
        ({"lasts": 1}, "s23c_duty_lasts"),
        ({"lasts": None}, "s23c_duty_lasts"),
        ({"chosen": "dartford"}, "chosen"),
    ],
)
def test_bad_input_is_refused_naming_the_field(arguments: dict[str, Any], field: str) -> None:
    with pytest.raises(LocalConnectionInputError, match=f"^{field}: ") as refused:
        connection(**arguments)
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: DirectoryAuthority("", "district"), "authority_id"),
        (lambda: DirectoryAuthority("dartford", "county"), "kind"),  # type: ignore[arg-type]
        (lambda: DirectoryAuthority("dartford", "district", ""), "children_services"),
        (lambda: OutsideDirectory("  "), "other_authority"),
    ],
)
def test_a_malformed_chosen_authority_is_refused_naming_the_field(build: Any, field: str) -> None:
    with pytest.raises(LocalConnectionInputError) as refused:
        build()
    assert refused.value.field == field


# Over every input: the rule's shape, whichever way the words are put.

DIRECTORY = st.builds(
    DirectoryAuthority,
    st.sampled_from([*KENT_DISTRICTS, "medway", "crawley"]),
    st.sampled_from(["district", "unitary"]),
    st.sampled_from(["kcc", "medway", "west-sussex"]),
)
OUTSIDE = st.builds(OutsideDirectory, st.text(min_size=1).map(lambda text: f"Authority-{text}"))
CHOSEN = st.one_of(DIRECTORY, OUTSIDE)


@given(
    responsible=st.sampled_from(RESPONSIBLE_AUTHORITIES),
    chosen=CHOSEN,
    policy=st.sampled_from(POLICIES),
    lasts=st.booleans(),
)
def test_the_rule_over_every_input(
    responsible: str, chosen: ChosenAuthority, policy: str, lasts: bool
) -> None:
    found = connection(responsible, chosen, policy, lasts)
    assert found.code in CODES
    in_own_area = (
        isinstance(chosen, DirectoryAuthority)
        and responsible != "other"
        and chosen.children_services == responsible
    )
    assert found.has_local_connection is (in_own_area and (lasts or policy == "seed_no_age_limit"))
    if isinstance(chosen, OutsideDirectory):
        assert found.code == "not_assessed_outside_directory"
        assert chosen.name not in found.basis
    elif found.has_local_connection:
        expected = (
            "two_tier_every_district" if chosen.kind == "district" else ("children_services_area")
        )
        assert found.code == expected and chosen.authority_id in found.basis
    else:
        assert found.code == "not_by_care_leaver_rule"
    # Every answer cites the rule, leaves s.199(10)-(11) to the officer and keeps the choice open.
    for cited in ("s.199(8)", "recalled", "s.199(10)-(11)", "s.213B"):
        assert cited in found.basis


@given(responsible=st.sampled_from(RESPONSIBLE_AUTHORITIES), chosen=CHOSEN, lasts=st.booleans())
def test_the_seed_setting_never_gives_less_and_while_the_duty_lasts_the_same(
    responsible: str, chosen: ChosenAuthority, lasts: bool
) -> None:
    statute = connection(responsible, chosen, "while_s23c_duty", lasts)
    seed = connection(responsible, chosen, "seed_no_age_limit", lasts)
    assert seed.has_local_connection >= statute.has_local_connection
    if lasts:
        assert seed.code == statute.code
