"""A clock counted from a date of birth never gives its date in an alert (spec §6): the eve of
the 21st birthday is the birthday less a day, so the due date would give the date of birth away."""

from __future__ import annotations

from pathways.deadlines import RULES, due_date_reveals_birthday
from pathways.definitions import latest_definitions


def test_every_birthday_rule_is_kept_out_of_alerts_and_no_other_is() -> None:
    birthday_rules = {
        "needs-assessment",
        "pre18-panel",
        "accommodation-plan-by-18",
        "age-18",
        "pa-support-21",
        "pa-support-25",
        "age-25",
    }
    assert {rule for rule in RULES if due_date_reveals_birthday(rule)} == birthday_rules


def test_every_timer_counted_from_a_date_of_birth_uses_a_birthday_rule() -> None:
    for definition in latest_definitions():
        for timer in definition.timers.values():
            if timer.starts_from is not None and timer.starts_from.endswith(".date_of_birth"):
                assert due_date_reveals_birthday(timer.rule), (definition.name, timer.name)
