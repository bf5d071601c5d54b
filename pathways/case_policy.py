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
    pathway: str = "youth-1617-intake"
    """The pathway whose rules read it: a case's view shows only its own pathway's."""


INTENTIONALITY: Final = "intentional-homelessness"
REQUEST_FOR_SUPPORT: Final = "request-for-support"
CARE_LEAVER: Final = "care-leaver-transition"

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
    "family_ih_signoff": PolicyChoice(
        title="Joint senior sign-off of an intentionality decision for a family with children",
        meanings={"True": "needed, as for a care leaver", "False": "not needed"},
        source="spec §5: 'configurable, default ON in Kent (ASSUMPTION; not required by "
        "statute)'; for care leavers it is always needed (seed 004 §1.2, §2.10)",
        pathway=INTENTIONALITY,
    ),
    "role_seniority": PolicyChoice(
        title="Seniority of housing roles (a reviewer must be senior to the decision-maker)",
        meanings={},
        source="SI 2018/223 reg.5 (spec errata 14): the reviewer took no part in the decision "
        "and is senior to the officer who made it; the ranks are this authority's",
        pathway=INTENTIONALITY,
    ),
    "rfs_nrpf_below_threshold": PolicyChoice(
        title="A family with children and no recourse to public funds is referred below Level 3",
        meanings={
            "True": "referred to the Integrated Front Door at any Support Level",
            "False": "referred only at Level 3 or above, or with a safeguarding concern",
        },
        source="seed 002 'Working with families with No Recourse to Public Funds': 'they should "
        "complete a RFS without consent if necessary, so that a child and family assessment can "
        "be completed' (spec errata 24: even below the Level 3 threshold)",
        pathway=REQUEST_FOR_SUPPORT,
    ),
    "care_leaver_local_connection": PolicyChoice(
        title="How long a county care leaver has a local connection with every Kent district",
        meanings={
            "while_s23c_duty": "while the s.23C leaving care duty lasts: to 21, and beyond "
            "while the education or training programme in the pathway plan continues",
            "seed_no_age_limit": "with no age limit, as seed 004 words it",
        },
        source="Housing Act 1996 s.199(8)-(9), inserted by the Homelessness Reduction Act 2017 "
        "s.8: while the Children Act 1989 s.23C duty lasts (s.23C(6)-(7)); seed 004 §2.9: "
        "'In two-tier areas care leavers have a local connection with every housing authority "
        "in the county council area', no age given (spec errata 16: check the Act's age limit; "
        "the wording of s.199(8)-(9) here is recalled, to be verified). Not Medway: a unitary "
        "authority, outside the two-tier rule",
        pathway=CARE_LEAVER,
    ),
}


def policy_of(facts: Mapping[str, Any]) -> Mapping[str, Any]:
    """The case's recorded policy; a case that opened before policies were recorded has none,
    and the defaults then apply."""
    recorded = facts.get("case_policy")
    return recorded if isinstance(recorded, Mapping) else {}


def describe_policy(policy: Mapping[str, Any], pathway: str) -> list[tuple[str, str, str]]:
    """(title, setting in words, source) for each recorded choice the pathway's rules read."""
    rows: list[tuple[str, str, str]] = []
    for key, choice in POLICY.items():
        if key in policy and choice.pathway == pathway:
            value = policy[key]
            shown = (
                ", ".join(f"{k} {v}" for k, v in sorted(value.items(), key=lambda kv: kv[1]))
                if isinstance(value, Mapping)
                else choice.meanings.get(str(value), str(value))
            )
            rows.append((choice.title, shown, choice.source))
    return rows
