"""The people of a step's input leave the stored payload for Person rows, and come back whole:
any number of household members, at the opening or later, with nothing personal left behind
but markers; their rows' digests take contact details in without changing any row's before."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from application.people_in_inputs import (
    LABEL_MAX,
    PERSON_ID,
    PERSON_MARKER,
    described,
    fields_with_people,
    markers_in,
    people_in,
    person_rows,
    restored,
    with_markers,
)
from models import Person
from pathways.commitments import commit
from pathways.definitions import all_definitions
from pathways.engine.inputs import HouseholdMember, PersonDetails, StrictInput
from pathways.record_digests import record_digest

SALT = "ab" * 32


class Household(StrictInput):
    lead: PersonDetails
    household_members: Annotated[list[HouseholdMember], Field(max_length=12)]
    note: str | None = None


NAMES = st.text(alphabet="abcdefghij KLMNOP'-", min_size=1, max_size=30).filter(
    lambda text: text.strip() != ""
)
MEMBERS = st.builds(
    HouseholdMember,
    full_name=NAMES,
    date_of_birth=st.none() | st.dates(min_value=date(1930, 1, 1), max_value=date(2025, 1, 1)),
    relationship=st.sampled_from(["parent", "child", "partner", "other_adult"]),
    contact_details=st.none() | st.text(alphabet="0123456789 @.abc\n", min_size=1, max_size=40),
)


def _stored(validated: BaseModel) -> tuple[dict[str, Any], list[Person]]:
    """What submitting writes: the rows (with the ids a flush would give) and the payload."""
    people, payload = people_in(validated)
    rows = person_rows(7, people)
    for number, row in enumerate(rows, start=20):
        row.id = number
    return with_markers(payload, people, rows), rows


@settings(max_examples=60, deadline=None)
@given(members=st.lists(MEMBERS, max_size=12), note=st.none() | st.just("a note"))
def test_the_members_come_back_whole_and_the_payload_holds_markers_only(
    members: list[HouseholdMember], note: str | None
) -> None:
    validated = Household(lead=PersonDetails(full_name="Lead Person"), household_members=members)
    validated = validated.model_copy(update={"note": note})
    payload, rows = _stored(validated)

    assert [row.relationship_to_case for row in rows] == [
        "lead",
        *(f"household_members.{n}" for n in range(1, len(members) + 1)),
    ]
    assert [row.contact_details for row in rows[1:]] == [m.contact_details for m in members]
    # Only markers, a coded relationship and the other answers stay in the payload.
    assert payload["lead"] == {PERSON_MARKER: "lead", PERSON_ID: 20}
    assert payload["household_members"] == [
        {PERSON_MARKER: f"household_members.{n}", PERSON_ID: 20 + n, "relationship": m.relationship}
        for n, m in enumerate(members, start=1)
    ]
    stored = json.dumps(payload)
    assert "Lead Person" not in stored
    for member in members:
        assert json.dumps(member.full_name) not in stored
        assert member.contact_details is None or json.dumps(member.contact_details) not in stored
    # Rows with the same labels (a rejected step's, recorded again) are never taken.
    decoys = [
        Person(id=100 + n, case_id=7, relationship_to_case=row.relationship_to_case, full_name="X")
        for n, row in enumerate(rows)
    ]
    back = restored(payload, [*decoys, *rows, *decoys])
    assert Household.model_validate(back) == validated


def test_a_marker_without_an_id_is_its_latest_row_with_that_label() -> None:
    older = Person(id=1, case_id=1, relationship_to_case="young_person", full_name="Old")
    newer = Person(id=2, case_id=1, relationship_to_case="young_person", full_name="New One")
    back = restored({"young_person": {PERSON_MARKER: "young_person"}}, [older, newer])
    assert back == {"young_person": {"full_name": "New One", "date_of_birth": None}}


def test_an_empty_list_and_other_lists_are_not_people() -> None:
    payload = {"household_members": [], "stress_areas": ["debt"], "lead": {PERSON_MARKER: "lead"}}
    assert fields_with_people(payload) == {"lead"}
    people, kept = people_in(Household(lead=PersonDetails(full_name="A B"), household_members=[]))
    assert [person.label for person in people] == ["lead"]
    assert kept == {"household_members": [], "note": None}


def test_markers_give_each_row_its_other_fields() -> None:
    member = HouseholdMember(full_name="C D", relationship="child")
    payload, rows = _stored(
        Household(lead=PersonDetails(full_name="A B"), household_members=[member])
    )
    assert dict(markers_in(payload)) == {20: {}, 21: {"relationship": "child"}}
    assert [described(row.relationship_to_case) for row in rows] == ["lead", "household member 1"]
    assert described("parent_or_pr_holder") == "parent or pr holder"


def test_every_registered_person_field_fits_the_relationship_column() -> None:
    for definition in all_definitions():
        for transition in definition.transitions:
            for name in (transition.input_model or StrictInput).model_fields:
                assert len(f"{name}.99") <= LABEL_MAX, f"{definition.name}: {name}"


def _person(**values: Any) -> dict[str, Any]:
    return {
        "id": 3,
        "case_id": 1,
        "relationship_to_case": "household_members.1",
        "full_name": "E F",
        "date_of_birth": date(1990, 1, 2),
        "date_of_birth_commitment": None,
        **values,
    }


def test_a_person_digest_takes_contact_details_only_when_they_are_set() -> None:
    before = record_digest("person", _person(), SALT)
    # A row written before the column, read back with it empty, keeps its digest.
    assert record_digest("person", _person(contact_details=None), SALT) == before
    with_contact = record_digest("person", _person(contact_details="07700 900123"), SALT)
    assert with_contact != before
    assert record_digest("person", _person(contact_details="07700 900124"), SALT) != with_contact
    # Retention keeps the commitment in its place: the digest, and so the chain, stays.
    retained = _person(contact_details=commit("07700 900123", SALT))
    assert record_digest("person", retained, SALT) == with_contact
