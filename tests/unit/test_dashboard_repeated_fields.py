"""A list of models (or of dates) in a step's input is a fixed number of repeated GOV.UK
fieldsets, from the model alone: "Household member 1" to the field's ``max_length`` (8 when it
sets none), blank rows ignored, each problem said for its row and field, and what was typed
shown again with the filled rows closed up, so a row's number is always the member's place in
the input the application checks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import Field

from dashboard.forms import (
    REPEATED_ROWS,
    FieldError,
    errors_from_refusal,
    form_errors,
    form_fields,
    form_values,
    payload_from_form,
)
from pathways.engine.inputs import HappenedOn, HouseholdMember, StrictInput
from pathways.refusal import Refusal
from tests.unit.test_dashboard_forms import legend_of, render
from tests.unit.test_input_fuzz import LIMITS


class Household(StrictInput):
    household_members: Annotated[list[HouseholdMember], Field(min_length=1, max_length=3)]
    visits: list[HappenedOn] = Field(default_factory=list)


def _member(row: int, name: str, **others: str) -> dict[str, list[str]]:
    return {
        f"household_members.{row}.{key}": [value]
        for key, value in {"full_name": name, **others}.items()
    }


def test_each_row_is_a_fieldset_named_for_its_place_in_the_list() -> None:
    members, visits = form_fields(Household)
    assert (members.kind, visits.kind) == ("repeated", "repeated")
    assert [row.label for row in members.children] == [f"Household member {n}" for n in (1, 2, 3)]
    assert len(visits.children) == REPEATED_ROWS
    assert visits.children[1].label == "Visit 2" and visits.children[1].kind == "date"
    second = {child.name: child for child in members.children[1].children}
    dob = second["household_members.1.date_of_birth"]
    assert (dob.label, dob.caption, dob.anchor) == (
        "Household member 2: date of birth",
        "Date of birth",
        "household_members-1-date_of_birth-day",
    )
    page = render([members], form_values(Household), [])
    assert legend_of(page, "household_members-2-full_name") == "Household member 3"
    assert page.labels_for("household_members-2-full_name") == ["Full name"]
    assert legend_of(page, "household_members-0-relationship") == "Relationship"


def test_blank_rows_are_ignored_and_each_problem_names_its_row_and_field() -> None:
    posted = {
        **_member(0, "Ann Example", relationship="parent", contact_details="07700 900001"),
        # Row 2 left blank: the third row is the second member.
        **_member(2, "Ben Example", relationship="child"),
        "household_members.2.date_of_birth-day": ["31"],
        "household_members.2.date_of_birth-month": ["2"],
        "household_members.2.date_of_birth-year": ["2015"],
        "visits.3-day": ["2"],
        "visits.3-month": ["3"],
        "visits.3-year": ["2026"],
    }
    read = payload_from_form(Household, posted)
    assert read.data == {
        "household_members": [
            {
                "full_name": "Ann Example",
                "relationship": "parent",
                "contact_details": "07700 900001",
            },
            {"full_name": "Ben Example", "relationship": "child"},
        ],
        "visits": ["2026-03-02"],
    }
    assert read.errors == [
        FieldError(
            "household_members.1.date_of_birth",
            "household_members-1-date_of_birth-day",
            "Household member 2: date of birth: must be a real date",
        )
    ]
    # Shown again, Ben is the second member, with what was typed and the error at his row.
    page = render(form_fields(Household), posted, read.errors)
    (name,) = page.find("input", id="household_members-1-full_name")
    assert name.attrs["value"] == "Ben Example"
    assert page.find("input", id="household_members-1-date_of_birth-day")[0].attrs["value"] == "31"
    assert page.find("input", id="household_members-2-full_name")[0].attrs.get("value") == ""
    (error,) = [n for n in page.find("p") if "govuk-error-message" in n.attrs.get("class", "")]
    assert error.words() == "Error: Household member 2: date of birth: must be a real date"
    (visit,) = page.find("input", id="visits-0-day")
    assert visit.attrs["value"] == "2"


def test_the_model_and_the_application_refuse_at_the_row_and_field() -> None:
    posted = {**_member(0, "Ann Example"), **_member(1, "Ben Example", relationship="cousin")}
    assert form_errors(Household, payload_from_form(Household, posted), LIMITS) == [
        FieldError(
            "household_members.0.relationship",
            "household_members-0-relationship",
            "Household member 1: relationship: select an option",
        ),
        FieldError(
            "household_members.1.relationship",
            "household_members-1-relationship",
            "Household member 2: relationship: select one of the options",
        ),
    ]
    assert form_errors(Household, payload_from_form(Household, {}), LIMITS) == [
        FieldError(
            "household_members",
            "household_members-0-full_name",
            "Household members: fill in at least one",
        )
    ]
    gate = Refusal(
        "refused",
        "household_members.1.contact_details: the contact details of household member 2 are "
        "missing",
        "household_members.1.contact_details",
    )
    assert errors_from_refusal(gate, Household) == [
        FieldError(
            "household_members.1.contact_details",
            "household_members-1-contact_details",
            "Household member 2: contact details: the contact details of household member 2 are "
            "missing",
        )
    ]


NAMES = st.text(alphabet="abcdefgh KLM'-", min_size=1, max_size=20).filter(str.strip)
MEMBERS = st.builds(
    HouseholdMember,
    full_name=NAMES.map(str.strip),
    date_of_birth=st.none() | st.dates(min_value=date(1930, 1, 1), max_value=date(2025, 1, 1)),
    relationship=st.sampled_from(["parent", "child", "partner", "other_adult"]),
    contact_details=st.none() | NAMES.map(str.strip),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(MEMBERS, min_size=1, max_size=3))
def test_members_round_trip_through_the_form(members: list[HouseholdMember]) -> None:
    original = Household(household_members=members)
    values: dict[str, Any] = form_values(Household, original.model_dump(mode="json"))
    read = payload_from_form(Household, values)
    assert read.errors == []
    assert Household.model_validate(read.data, context=LIMITS.context()) == original
