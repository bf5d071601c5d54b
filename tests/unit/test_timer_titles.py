"""A timer title that names its period takes it from the rule in force for the authority, so
an override never leaves a title saying the old amount."""

from __future__ import annotations

import pytest

from pathways.deadlines import RULES, describe_amount
from pathways.definitions import latest_definitions
from pathways.engine.definition import PERIOD


def test_the_joint_visit_title_follows_the_authoritys_override() -> None:
    visit = next(d for d in latest_definitions() if d.name == "youth-1617-intake").timers[
        "joint_visit"
    ]
    assert visit.title_for({}) == "Joint visit to family and young person (24 hours)"
    assert visit.title_for({"joint-visit-1617": 48}) == (
        "Joint visit to family and young person (48 hours)"
    )


@pytest.mark.parametrize(
    ("rule", "overrides", "said"),
    [
        ("rfs-triage", {}, "1 working day"),
        ("rfs-triage", {"rfs-triage": 2}, "2 working days"),
        ("cf-assessment", {}, "45 working days"),
        ("prevention-duty", {}, "56 days"),
    ],
)
def test_periods_are_said_as_a_practitioner_says_them(
    rule: str, overrides: dict[str, int], said: str
) -> None:
    assert describe_amount(rule, overrides) == said


def test_no_built_in_title_writes_an_amount_its_rule_could_change() -> None:
    for definition in latest_definitions():
        for timer in definition.timers.values():
            rule = RULES[timer.rule]
            if PERIOD in timer.title or not rule.overridable_per_authority:
                continue
            written = f"{rule.default} {rule.unit.replace('_', ' ')}".rstrip("s")
            assert written not in timer.title, (definition.name, timer.name)
