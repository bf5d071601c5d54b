"""The seed 002 contact-block parser (spec §9) on the shipped, verbatim seed text."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pathways.directory_seed import (
    OOH_SAME_AS_MAIN_GAP,
    SeedAuthority,
    SeedParseError,
    parse_contacts,
)

SEED_FILE = Path(__file__).resolve().parents[2] / "models" / "data" / "seed_002_contacts.txt"

EXPECTED_IDS = {
    "ashford",
    "canterbury",
    "dartford",
    "dover",
    "folkestone-hythe",
    "gravesham",
    "maidstone",
    "medway",
    "swale",
    "sevenoaks",
    "thanet",
    "tonbridge-malling",
    "tunbridge-wells",
}
OOH_EQUALS_MAIN = {
    "ashford",
    "gravesham",
    "maidstone",
    "sevenoaks",
    "thanet",
    "tonbridge-malling",
    "tunbridge-wells",
}
E164_UK = re.compile(r"^\+44\d{9,10}$")

ENTRY = """\
\tTestham Borough Council
Tel: 01233 331111
www.testham.example
Out of hours: 01227 781879
housing@testham.example
"""


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def authorities(seed_text: str) -> list[SeedAuthority]:
    return parse_contacts(seed_text)


@pytest.fixture(scope="module")
def by_id(authorities: list[SeedAuthority]) -> dict[str, SeedAuthority]:
    return {authority.id: authority for authority in authorities}


def _strings(value: Any) -> Iterator[str]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _strings(getattr(value, item.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def test_the_shipped_block_is_verbatim_with_its_quirks(seed_text: str) -> None:
    # The parser has to cope with these, so the copy must keep them.
    assert "\tAshford Borough Council\n" in seed_text
    assert "Out of hours – 01795 417711" in seed_text  # en dash (Swale)
    assert "Tel: 01732 227000 \n" in seed_text  # trailing space (Sevenoaks)
    assert "Out of hours 0345 634 1212" in seed_text  # no separator (Dartford)


def test_thirteen_authorities_with_the_configured_ids(authorities: list[SeedAuthority]) -> None:
    assert len(authorities) == 13
    assert {authority.id for authority in authorities} == EXPECTED_IDS


def test_entries_are_sorted_by_name(authorities: list[SeedAuthority]) -> None:
    names = [authority.name for authority in authorities]
    assert names == sorted(names)
    # The seed lists Swale before Sevenoaks (spec §9 issue 4).
    assert names.index("Sevenoaks District Council") < names.index("Swale Borough Council")


def test_every_phone_is_e164(authorities: list[SeedAuthority]) -> None:
    for authority in authorities:
        assert E164_UK.match(authority.main_phone), authority.id
        assert E164_UK.match(authority.ooh_phone), authority.id
        for extra in authority.extra_contacts:
            assert extra.phone is None or E164_UK.match(extra.phone), authority.id


def test_known_numbers(by_id: dict[str, SeedAuthority]) -> None:
    assert by_id["ashford"].main_phone == "+441233331111"
    assert by_id["dartford"].ooh_phone == "+443456341212"
    assert by_id["swale"].ooh_phone == "+441795417711"  # after the en dash
    assert by_id["sevenoaks"].main_phone == "+441732227000"  # trailing space in the seed
    assert by_id["medway"].ooh_phone == "+441634304400"  # "Out of hours emergency -"


def test_no_value_has_surrounding_whitespace(authorities: list[SeedAuthority]) -> None:
    strings = list(_strings(authorities))
    assert strings
    for value in strings:
        assert value == value.strip(), repr(value)
        assert "\t" not in value, repr(value)


def test_websites_are_https_and_emails_trimmed(authorities: list[SeedAuthority]) -> None:
    for authority in authorities:
        assert authority.website.startswith("https://www."), authority.id
        assert authority.website.endswith(".gov.uk"), authority.id
    assert {a.email for a in authorities if a.id == "tonbridge-malling"} == {
        "housing.services@tmbc.gov.uk"
    }


def test_names_are_full_council_names(by_id: dict[str, SeedAuthority]) -> None:
    assert by_id["tunbridge-wells"].name == "Tunbridge Wells Borough Council"
    assert by_id["tunbridge-wells"].seed_name == "Tunbridge Wells"
    assert any("Tunbridge Wells" in gap for gap in by_id["tunbridge-wells"].data_gaps)
    assert by_id["medway"].name == "Medway Council"
    assert by_id["folkestone-hythe"].name == "Folkestone and Hythe District Council"
    assert by_id["tonbridge-malling"].name == "Tonbridge and Malling Borough Council"


def test_the_parser_does_not_decide_kind_or_childrens_services(
    by_id: dict[str, SeedAuthority],
) -> None:
    # Medway is unitary, but that is configuration (config/authorities.yaml), not seed data.
    field_names = {item.name for item in dataclasses.fields(by_id["medway"])}
    assert "kind" not in field_names
    assert "children_services_authority" not in field_names


def test_maidstone_has_no_email_but_an_extra_contact(by_id: dict[str, SeedAuthority]) -> None:
    maidstone = by_id["maidstone"]
    assert maidstone.email is None
    assert "no email in seed; online referral form link lost" in maidstone.data_gaps
    assert len(maidstone.extra_contacts) == 1
    extra = maidstone.extra_contacts[0]
    assert extra.label == "Nowhere safe to stay today?"
    assert extra.phone == "+441622602440"
    assert extra.office == "Trinity"
    assert extra.address == "20 Church Street, Maidstone, ME14 1LY"
    assert extra.hours == "Mon-Fri 9am-4.30pm"
    for other in by_id.values():
        if other.id != "maidstone":
            assert other.email is not None
            assert other.extra_contacts == ()


def test_the_seven_ooh_equals_main_authorities_are_flagged(
    authorities: list[SeedAuthority],
) -> None:
    flagged = {a.id for a in authorities if a.ooh_same_as_main}
    assert flagged == OOH_EQUALS_MAIN
    with_gap = {a.id for a in authorities if OOH_SAME_AS_MAIN_GAP in a.data_gaps}
    assert with_gap == OOH_EQUALS_MAIN


def test_dartford_non_geographic_ooh_is_a_gap(by_id: dict[str, SeedAuthority]) -> None:
    assert "Dartford OOH is a non-geographic 0345 number" in by_id["dartford"].data_gaps


def test_emergency_wording_is_kept(authorities: list[SeedAuthority]) -> None:
    assert {a.id for a in authorities if a.ooh_emergency} == {"maidstone", "medway"}


def test_no_personal_address_anywhere(authorities: list[SeedAuthority], seed_text: str) -> None:
    everything = " ".join(_strings(authorities)) + repr(authorities)
    assert "helen" not in everything.lower()
    assert "miller" not in everything.lower()
    assert "helen" not in seed_text.lower()
    # Only team inboxes: every address in the output is a housing team's.
    addresses = re.findall(r"[\w.+-]+@[\w.-]+", everything)
    assert addresses
    for address in addresses:
        assert address.split("@")[0].startswith("housing"), address


def test_source_lines_point_at_the_names(authorities: list[SeedAuthority], seed_text: str) -> None:
    lines = seed_text.splitlines()
    for authority in authorities:
        assert lines[authority.source_line - 1].strip() == authority.seed_name


@pytest.mark.parametrize(
    "ooh_line",
    [
        "Out of hours - 01227 781879",
        "Out of hours: 01227 781879",
        "Out of hours – 01227 781879",
        "Out of hours 01227 781879",
        "Out of hours emergency - 01227 781879 ",
        "  Out of hours:01227781879",
    ],
)
def test_every_ooh_format(ooh_line: str) -> None:
    text = ENTRY.replace("Out of hours: 01227 781879", ooh_line)
    [authority] = parse_contacts(text)
    assert authority.ooh_phone == "+441227781879"
    assert authority.ooh_emergency == ("emergency" in ooh_line)


@pytest.mark.parametrize("tel_line", ["Tel - 01233 331111", "Tel: 01233 331111", "Tel 01233331111"])
def test_every_tel_format(tel_line: str) -> None:
    [authority] = parse_contacts(ENTRY.replace("Tel: 01233 331111", tel_line))
    assert authority.main_phone == "+441233331111"
    assert authority.id == "testham"


def test_crlf_line_endings() -> None:
    [authority] = parse_contacts(ENTRY.replace("\n", "\r\n"))
    assert authority.email == "housing@testham.example"


@pytest.mark.parametrize(
    ("remove", "field"),
    [
        ("Tel: 01233 331111\n", "main_phone"),
        ("Out of hours: 01227 781879\n", "ooh_phone"),
        ("www.testham.example\n", "website"),
        ("housing@testham.example\n", "email"),
    ],
)
def test_incomplete_entry_names_the_entry_and_field(remove: str, field: str) -> None:
    with pytest.raises(SeedParseError, match=rf"Testham Borough Council: {field}: missing") as info:
        parse_contacts(ENTRY.replace(remove, ""))
    assert info.value.field_name == field
    assert info.value.entry == "Testham Borough Council"


def test_invalid_number_names_the_entry_and_field() -> None:
    with pytest.raises(SeedParseError, match=r"Testham Borough Council: main_phone: '01233 33'"):
        parse_contacts(ENTRY.replace("01233 331111", "01233 33"))
    with pytest.raises(SeedParseError, match=r"Testham Borough Council: ooh_phone"):
        parse_contacts(ENTRY.replace("Out of hours: 01227 781879", "Out of hours: ring us"))


def test_a_field_given_twice_is_an_error() -> None:
    with pytest.raises(SeedParseError, match=r"main_phone: given twice"):
        parse_contacts(ENTRY + "Tel: 01233 331112\n")


def test_the_personal_training_contact_is_refused() -> None:
    # Spec §9 issue 7: never import it; it is not a plain team inbox line, so parsing stops.
    with pytest.raises(SeedParseError, match=r"unrecognised line"):
        parse_contacts(ENTRY + "A.Trainer@ashford.example (tbc)\n")


def test_duplicate_ids_and_empty_text_are_errors() -> None:
    with pytest.raises(SeedParseError, match=r"id: 'testham' already used"):
        parse_contacts(ENTRY + ENTRY)
    with pytest.raises(SeedParseError, match=r"no authorities found"):
        parse_contacts("# only a comment\n\n")


def test_text_before_the_first_entry_is_an_error() -> None:
    with pytest.raises(SeedParseError, match=r"before the first entry"):
        parse_contacts("Tel: 01233 331111\n" + ENTRY)
