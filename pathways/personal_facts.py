"""Which of a case's facts are copies of personal values, and their commitments.

A step's facts are computed from its input (``TransitionSpec.records``), and some copy a value
the worker typed: a referrer's e-mail address, an ICS case reference, the exceptional reason
for a bed and breakfast placement. Such a fact is as personal as the input it came from. It is
found by its value, not declared by name: a string fact that is, or contains, one of the
personal values of the inputs recorded on the case (``pathways.personal_fields``). A new step
that copies free text into a fact is then covered without anyone remembering to list it.

Audit rows carry a step's facts with those values as commitments, so the append-only chain
never holds them; retention replaces them in the case's facts the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from pathways.commitments import commit, is_commitment

CONTAINED_FROM: Final = 4
"""A personal value this long or longer is found inside a longer fact too ("Reason: …");
shorter ones ("Jo") only as the whole fact, so that coded values are not taken for them."""


def _folded(values: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    folded = frozenset(value.casefold() for value in values)
    return folded, tuple(value for value in folded if len(value) >= CONTAINED_FROM)


def _is_personal(text: str, whole: frozenset[str], inside: tuple[str, ...]) -> bool:
    folded = text.casefold()
    return folded in whole or any(value in folded for value in inside)


def committed_facts(
    facts: Mapping[str, Any], personal: Iterable[str], salt: str, key: bytes | None = None
) -> tuple[dict[str, Any], int]:
    """A copy of ``facts`` with each string (at any depth) that is or holds a personal value
    replaced by its commitment, and how many were. Commitments already there stay."""
    whole, inside = _folded(personal)
    replaced = 0

    def walk(value: Any) -> Any:
        nonlocal replaced
        if isinstance(value, str):
            if is_commitment(value) or not _is_personal(value, whole, inside):
                return value
            replaced += 1
            return commit(value, salt, key)
        if isinstance(value, list | tuple):
            return [walk(item) for item in value]
        if isinstance(value, Mapping):
            return {key: walk(item) for key, item in value.items()}
        return value

    copied = {key: walk(value) for key, value in facts.items()} if whole else dict(facts)
    return copied, replaced
