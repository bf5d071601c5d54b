"""``staff_named_in``: every username an input gives in a field marked ``StaffReference``,
with the path a refusal names, nested models and lists included (issue #9 point 11)."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Final

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from pathways.engine.inputs import NamedStaff, StaffReference, StrictInput, staff_named_in
from pathways.roles import MANAGER_ROLES, ROLES
from pathways.text import Text

MANAGER: Final = StaffReference(MANAGER_ROLES, "a manager")
DIRECTOR: Final = StaffReference(frozenset({"ics-assistant-director"}), "the director")


class Approval(StrictInput):
    approved_by: Annotated[str, Text(80), DIRECTOR]
    note: Annotated[str | None, Text(80)] = None


class Placement(StrictInput):
    bb_authorised_by: Annotated[str | None, Text(80), MANAGER] = None
    accommodation: Annotated[str, Text(40)] = "foyer"
    approval: Approval | None = None
    countersigned: list[Approval] = Field(default_factory=list)
    witnesses: Annotated[list[str], MANAGER] = Field(default_factory=list)


def test_a_marked_field_with_a_username_is_named_with_its_marker() -> None:
    placement = Placement.model_validate({"bb_authorised_by": "  tm.dartford "})

    assert staff_named_in(placement) == (NamedStaff("bb_authorised_by", "tm.dartford", MANAGER),)


def test_a_blank_or_missing_marked_field_names_no_one() -> None:
    assert staff_named_in(Placement.model_validate({})) == ()
    assert staff_named_in(Placement.model_validate({"bb_authorised_by": "   "})) == ()


def test_no_input_names_no_one() -> None:
    assert staff_named_in(None) == ()


def test_unmarked_text_is_not_taken_for_a_username() -> None:
    placement = Placement.model_validate(
        {"accommodation": "b_and_b", "approval": {"approved_by": "ad.kent", "note": "x"}}
    )

    assert [named.field for named in staff_named_in(placement)] == ["approval.approved_by"]


def test_nested_models_and_lists_give_the_path_a_refusal_names() -> None:
    placement = Placement.model_validate(
        {
            "bb_authorised_by": "tm.dartford",
            "approval": {"approved_by": "ad.kent"},
            "countersigned": [{"approved_by": "ad.one"}, {"approved_by": "ad.two"}],
            "witnesses": ["sm.one", "sm.two"],
        }
    )

    assert staff_named_in(placement) == (
        NamedStaff("bb_authorised_by", "tm.dartford", MANAGER),
        NamedStaff("approval.approved_by", "ad.kent", DIRECTOR),
        NamedStaff("countersigned.0.approved_by", "ad.one", DIRECTOR),
        NamedStaff("countersigned.1.approved_by", "ad.two", DIRECTOR),
        NamedStaff("witnesses.0", "sm.one", MANAGER),
        NamedStaff("witnesses.1", "sm.two", MANAGER),
    )


def test_a_model_with_no_marked_field_names_no_one() -> None:
    class Plain(BaseModel):
        name: str

    assert staff_named_in(Plain(name="tm.dartford")) == ()


def test_the_manager_roles_are_the_managing_roles_of_issue_9() -> None:
    assert {
        "lha-senior-officer",
        "lha-service-manager",
        "housing-director",
        "ics-team-manager",
        "ics-service-manager",
        "ics-assistant-director",
        "early-help-unit-lead",
    } == MANAGER_ROLES
    assert set(ROLES) >= MANAGER_ROLES
    assert "lha-housing-officer" not in MANAGER_ROLES
    assert "ics-social-worker" not in MANAGER_ROLES


USERNAMES = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="._-"),
    min_size=1,
    max_size=80,
)


@given(first=USERNAMES, others=st.lists(USERNAMES, max_size=4))
def test_every_username_given_is_named_once_in_field_order(first: str, others: list[str]) -> None:
    placement = Placement.model_validate(
        {"bb_authorised_by": first, "countersigned": [{"approved_by": u} for u in others]}
    )

    named = staff_named_in(placement)

    # Text NFC-normalises, and a few letters alone change under it (the Kelvin sign).
    assert [n.username for n in named] == [
        unicodedata.normalize("NFC", u) for u in [first, *others]
    ]
    assert [n.field for n in named] == [
        "bb_authorised_by",
        *(f"countersigned.{i}.approved_by" for i in range(len(others))),
    ]
