"""What a timer counts from and its legal source, as the case page and ``pathways case show``
print them (pathways.timer_basis): in words, never the date of birth itself."""

from __future__ import annotations

import re
from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathways.deadlines import RULES, Convention
from pathways.definitions import all_definitions
from pathways.timer_basis import (
    arithmetic,
    conventions_described,
    counts_from,
    legal_source,
    ordinal,
    starting_point,
)

DOB = "young_person.date_of_birth"


@pytest.mark.parametrize(
    ("rule_id", "words"),
    [
        (
            "needs-assessment",
            "counts from the young person's date of birth: 16th birthday + 3 months",
        ),
        ("pre18-panel", "counts from the young person's date of birth: 18th birthday - 6 months"),
        (
            "accommodation-plan-by-18",
            "counts from the young person's date of birth: the day before the 18th birthday",
        ),
        (
            "pa-support-21",
            "counts from the young person's date of birth: the day before the 21st birthday",
        ),
        (
            "pa-support-25",
            "counts from the young person's date of birth: the day before the 25th birthday",
        ),
    ],
)
def test_a_birthday_timer_names_its_birthday(rule_id: str, words: str) -> None:
    rule = RULES[rule_id]
    assert counts_from(rule, DOB, rule.default) == words


@pytest.mark.parametrize(
    ("rule_id", "starts_from", "amount", "words"),
    [
        ("move-agreement", "planned_move_on", 28, "planned move on (recorded on the case): "
         "28 days before that day"),
        ("duty-to-refer-acknowledgement", None, 2, "the time the step was recorded: 2 working "
         "days after that day"),
        ("pathway-plan-review-on-request", None, 1, "the time the step was recorded: 1 working "
         "day after that day"),
        ("joint-visit-1617", "enquiry_received_at", 24, "enquiry received at (recorded on the "
         "case): 24 clock hours after it"),
        ("looked-after-24h", "placed_at", 24, "placed at (recorded on the case): more than 24 "
         "clock hours after it"),
        ("s208-notice", "placed_at", 14, "placed at (recorded on the case): 14 days beginning "
         "with that day"),
        ("review-decision-extended", "review_extended_to", 0, "review extended to (recorded on "
         "the case): that day itself"),
        ("age-25", "applicant.date_of_birth", 0, "the applicant's date of birth: the day before "
         "the 25th birthday"),
    ],
)  # fmt: skip
def test_other_timers_say_what_they_count_from(
    rule_id: str, starts_from: str | None, amount: int, words: str
) -> None:
    assert counts_from(RULES[rule_id], starts_from, amount) == f"counts from {words}"


def test_every_convention_can_be_put_into_words() -> None:
    assert conventions_described() == set(get_args(Convention))
    for rule in RULES.values():
        assert arithmetic(rule, rule.default)


def test_every_timer_of_every_pathway_has_words_and_none_shows_a_date() -> None:
    for definition in all_definitions():
        for spec in definition.timers.values():
            rule = RULES[spec.rule]
            words = counts_from(rule, spec.starts_from, rule.default)
            assert words.startswith("counts from "), (definition.name, spec.name)
            # Words only: a date here could give away a date of birth.
            assert not re.search(r"\d{4}|\d{1,2}/\d{1,2}", words), words


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_the_legal_source_is_the_citations_first_clause(rule_id: str) -> None:
    citation = RULES[rule_id].citation
    source = legal_source(citation)
    assert source and citation.startswith(source)
    assert source.count("(") == source.count(")") and source.count("[") == source.count("]")
    assert source.startswith(("T", "Spec §"))


def test_legal_sources_of_the_care_leaver_timers() -> None:
    assert legal_source(RULES["needs-assessment"].citation) == "T17; SI 2010/959 reg.42(1) [L9]"
    assert legal_source(RULES["pa-support-21"].citation) == "T21; Children Act 1989 s.23C(6)"
    assert legal_source(RULES["pa-support-25"].citation) == (
        "T21; Children Act 1989 s.23CZB, inserted by the Children and Social Work Act 2017 s.3"
    )
    # A full stop inside a section number or brackets does not end the clause.
    assert legal_source("T03; Children Act 1989 s.22(2) (errata 1: not s.20). More.") == (
        "T03; Children Act 1989 s.22(2) (errata 1: not s.20)"
    )


@given(st.integers(min_value=1, max_value=200))
def test_ordinals(n: int) -> None:
    word = ordinal(n)
    assert word.startswith(str(n)) and word[len(str(n)) :] in ("st", "nd", "rd", "th")
    assert [ordinal(i) for i in (1, 2, 3, 4, 11, 12, 13, 16, 18, 21, 22, 25, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "16th", "18th", "21st", "22nd",
        "25th", "101st", "111th",
    ]  # fmt: skip


def test_a_person_and_a_fact_are_told_apart() -> None:
    assert starting_point("young_person.date_of_birth") == "the young person's date of birth"
    assert starting_point("lha_duty_from") == "lha duty from (recorded on the case)"
    assert starting_point(None) == "the time the step was recorded"
