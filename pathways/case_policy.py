"""The choices a protocol leaves to each authority, what each setting means, and its source.

A case records the policy in force when it opened (the ``case_policy`` fact) and keeps it, as it
keeps its definition version; ``describe_policy`` is what the case view shows beside it, so a
worker sees which rule is applied and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final


@dataclass(frozen=True)
class PolicyChoice:
    title: str
    meanings: Mapping[str, str]
    source: str


POLICY: Final[Mapping[str, PolicyChoice]] = {
    "closure_agreement": PolicyChoice(
        title="Who agrees a closure for the team",
        meanings={
            "both_agencies": "a manager from each agency of the co-located team",
            "one_agency": "a manager of the one agency still involved",
        },
        source="seed 000: closure 'only if both the family and the young person ask to stop and "
        "the team considers this appropriate'; ASSUMPTION: 'the team' is a manager of each "
        "agency (its members are supervised by their own managers, seed 000)",
    ),
    "parent_consent_required": PolicyChoice(
        title="Parent's consent needed for intensive Early Help and an s.17 assessment",
        meanings={
            "True": "the young person's and the parent's consent",
            "False": "the young person's consent only",
        },
        source="seed 002: 'Consent is required for L3 intensive Early Help and S17 Child in "
        "Need assessments' (spec errata 15); ASSUMPTION: for a 16/17-year-old living at home "
        "the family's consent is asked too (seed 002 'with consent from the family')",
    ),
    "reviews_start": PolicyChoice(
        title="When the weekly team and monthly stakeholder reviews start",
        meanings={
            "case_opened": "when the case opens (spec T05, T06)",
            "caf_plan_agreed": "when the CAF / Early Help plan is agreed (pathway 1.0)",
        },
        source="spec §1 T05/T06: 'case open'; seed 000 names weekly and monthly live case "
        "reviews and 'consistent contact' but no start; T04 home meetings start at the plan",
    ),
}


def policy_of(facts: Mapping[str, Any]) -> Mapping[str, Any]:
    """The case's recorded policy; a case that opened before policies were recorded has none,
    and the defaults then apply."""
    recorded = facts.get("case_policy")
    return recorded if isinstance(recorded, Mapping) else {}


def describe_policy(policy: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(title, setting in words, source) for each recorded choice, in a stable order."""
    rows: list[tuple[str, str, str]] = []
    for key, choice in POLICY.items():
        if key in policy:
            value = str(policy[key])
            rows.append((choice.title, choice.meanings.get(value, value), choice.source))
    return rows
