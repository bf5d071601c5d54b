"""The s.208(3) notice: when a case needs one, and what it says (spec §13 errata 9 and 22).

The applicant's name is fictional. The last day is whatever the ``s208-notice`` rule says, so
these tests hold whichever way that rule is counted.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.documents import render_s208_notice
from pathways.deadlines import compute_deadline
from pathways.s208_notice import (
    CITATION,
    FUNCTION,
    S208Notice,
    build_notice,
    household_description,
    needs_no_notice,
)

NAME = "Robin Fictional"
OUT_OF_DISTRICT: dict[str, Any] = {
    "authority": "dartford",
    "emergency_placement": "s188",
    "placement_district": "swale",
    "placed_at": "2026-12-21T23:30:00+00:00",
    "accommodation": "supported_lodgings",
}


def notice(facts: dict[str, Any] | None = None, relationships: tuple[str, ...] = ()) -> S208Notice:
    return build_notice(
        case_reference="JP-7K3Q-9D2F",
        facts=OUT_OF_DISTRICT if facts is None else facts,
        own_authority_id="dartford",
        placing_authority="Dartford Borough Council",
        host_authority="Swale Borough Council",
        applicant_name=NAME,
        relationships=("young_person", "parent_or_pr_holder", *relationships),
    )


def test_an_s188_placement_outside_the_district_needs_a_notice() -> None:
    assert needs_no_notice(OUT_OF_DISTRICT, "dartford") is None


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"emergency_placement": "s20"}, "no s.188 placement"),
        ({"emergency_placement": None}, "no s.188 placement"),
        ({"placement_district": None}, "no placement district"),
        ({"placement_district": "dartford"}, "own district"),
        ({"placed_at": None}, "no valid placed_at"),
        ({"placed_at": "yesterday"}, "no valid placed_at"),
    ],
)
def test_no_notice_without_an_s188_placement_outside_the_district(
    changes: dict[str, Any], says: str
) -> None:
    facts = {**OUT_OF_DISTRICT, **changes}
    reason = needs_no_notice(facts, "dartford")
    assert reason is not None
    assert reason.startswith("s.208 Housing Act 1996")
    assert says in reason
    with pytest.raises(ValueError, match=r"s\.208"):
        notice(facts)


def test_the_notice_holds_what_s208_3_asks_for() -> None:
    made = notice()
    assert made.applicant_name == NAME
    assert made.household == "none"
    assert made.made_available_on == date(2026, 12, 21)
    assert made.last_day == compute_deadline("s208-notice", datetime(2026, 12, 21, 23, 30)).due_date
    assert made.function == FUNCTION == "interim accommodation under s.188 Housing Act 1996"
    assert made.citation == CITATION == "Housing Act 1996 s.208(3)-(4)"


def test_the_date_made_available_is_the_london_date() -> None:
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    made = notice({**OUT_OF_DISTRICT, "placed_at": "2026-06-30T23:30:00+00:00"})
    assert made.made_available_on == date(2026, 7, 1)
    assert made.last_day == compute_deadline("s208-notice", date(2026, 7, 1)).due_date


def test_the_document_names_the_applicant_and_leaves_the_address_to_the_officer() -> None:
    text = render_s208_notice(notice())
    assert NAME in text
    assert "To:** Swale Borough Council" in text
    assert "From:** Dartford Borough Council" in text
    assert "JP-7K3Q-9D2F" in text
    assert "(b) Number and description" in text and "them: none" in text
    assert "[OFFICER TO COMPLETE: the system holds no addresses]" in text
    assert "made available: 21 December 2026" in text
    last_day = notice().last_day
    assert f"**{last_day.day} {last_day:%B %Y}**" in text
    assert "interim accommodation under s.188 Housing Act 1996" in text
    assert "s.208(3)-(4)" in text
    assert "secure channel" in text
    # The accommodation code is the case's, not the notice's: the officer writes the address.
    assert "supported_lodgings" not in text


def test_other_household_members_are_counted_and_described_never_named() -> None:
    made = notice(relationships=("child", "partner"))
    assert made.household == "2 (child; partner)"
    assert "them: 2 (child; partner)" in render_s208_notice(made)


RELATIONSHIPS = st.sampled_from(["young_person", "parent_or_pr_holder", "child", "partner"])


@given(st.lists(RELATIONSHIPS, max_size=6))
def test_the_household_count_leaves_out_the_applicant_and_the_family_home(
    relationships: list[str],
) -> None:
    others = [r for r in relationships if r not in {"young_person", "parent_or_pr_holder"}]
    described = household_description(relationships)
    if others:
        assert described.startswith(f"{len(others)} (")
    else:
        assert described == "none"


@given(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    )
)
def test_the_last_day_follows_the_rule_and_is_never_before_the_placement(placed: datetime) -> None:
    made = notice({**OUT_OF_DISTRICT, "placed_at": placed.isoformat()})
    assert made.last_day == compute_deadline("s208-notice", placed).due_date
    assert made.made_available_on <= made.last_day <= made.made_available_on + timedelta(days=14)
