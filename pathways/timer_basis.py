"""What a timer counts from, and its legal source, in the words a case page shows.

Pure: no I/O. A birthday timer says which birthday it counts from ("counts from the young
person's date of birth: 16th birthday + 3 months") and never the date of birth itself: the
date is personal data and stays on the person's row (spec §6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pathways.deadlines import UNIT_WORDS, Rule

_BIRTHDAY_CONVENTIONS = frozenset(
    {"birthday-months-after", "birthday-months-before", "eve-of-birthday"}
)


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ... 11th, 12th, 13th, ... 21st, 25th."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def period_words(rule: Rule, amount: int) -> str:
    one, many = UNIT_WORDS.get(rule.unit, (rule.unit, rule.unit))
    return f"{amount} {one if amount == 1 else many}"


def starting_point(starts_from: str | None) -> str:
    """``TimerSpec.starts_from`` in words: a person's date, a date the case records, or the
    time the step that opened the timer was recorded."""
    if starts_from is None:
        return "the time the step was recorded"
    if "." in starts_from:
        relationship, attribute = starts_from.split(".", 1)
        return f"the {relationship.replace('_', ' ')}'s {attribute.replace('_', ' ')}"
    return f"{starts_from.replace('_', ' ')} (recorded on the case)"


def _birthday_arithmetic(rule: Rule, amount: int) -> str:
    anchor = f"{ordinal(rule.anchor_age or 0)} birthday"
    period = period_words(rule, amount)
    if rule.convention == "birthday-months-after":
        return f"{anchor} + {period}"
    if rule.convention == "birthday-months-before":
        return f"{anchor} - {period}"
    return f"the day before the {anchor}" + (f" + {period}" if amount else "")


# Conventions that count from a day or a moment (not a birthday): how the period runs from it.
_FROM_START: Mapping[str, Callable[[str], str]] = {
    "clock-hours": lambda p: f"{p.replace('hour', 'clock hour')} after it",
    "more-than-clock-hours": lambda p: f"more than {p.replace('hour', 'clock hour')} after it",
    "same-day-at-least-clock-hours": lambda p: (
        f"the end of that day, or {p.replace('hour', 'clock hour')} after it if later"
    ),
    "days-beginning-with": lambda p: f"{p} beginning with that day",
    "weeks-beginning-with": lambda p: f"{p} beginning with that day",
    "days-after": lambda p: "that day itself" if p.startswith("0 ") else f"{p} after that day",
    "working-days-after": lambda p: f"{p} after that day",
    "months-after": lambda p: f"{p} after that day",
    "days-before": lambda p: f"{p} before that day",
    "working-days-before": lambda p: f"at least {p} before that day",
    "days-after+not-on-friday": lambda p: (
        f"{p} after that day, then the next working Monday to Thursday"
    ),
}


def arithmetic(rule: Rule, amount: int) -> str:
    """How the due date follows from the start: "16th birthday + 3 months"."""
    if rule.convention in _BIRTHDAY_CONVENTIONS:
        return _birthday_arithmetic(rule, amount)
    return _FROM_START[rule.convention](period_words(rule, amount))


def counts_from(rule: Rule, starts_from: str | None, amount: int) -> str:
    """E.g. "counts from the young person's date of birth: 16th birthday + 3 months"."""
    return f"counts from {starting_point(starts_from)}: {arithmetic(rule, amount)}"


def legal_source(citation: str) -> str:
    """The citation's first clause: up to its first full stop or colon outside brackets,
    so "T17; SI 2010/959 reg.42(1) [L9]: for a young person ..." gives
    "T17; SI 2010/959 reg.42(1) [L9]". The full citation stays on the timer."""
    depth = 0
    for index, char in enumerate(citation):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and char in ".:" and citation[index + 1 : index + 2] in (" ", ""):
            return citation[:index].rstrip() or citation
    return citation.rstrip()


def conventions_described() -> frozenset[str]:
    """Every convention ``arithmetic`` can put into words (a test checks none is missing)."""
    return _BIRTHDAY_CONVENTIONS | frozenset(_FROM_START)
