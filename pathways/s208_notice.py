"""The s.208(3) notice a placing authority gives the host authority, and when a case needs one.

Pure: the application layer reads the rows and renders the text. The notice names the
applicant, so it is a document for the officer to send through a secure channel, never a
system e-mail (spec §13 errata 9 and 22).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from pathways.calendar import london_date
from pathways.deadlines import compute_deadline

RULE_ID: Final = "s208-notice"
CITATION: Final = "Housing Act 1996 s.208(3)-(4)"
FUNCTION: Final = "interim accommodation under s.188 Housing Act 1996"
APPLICANT: Final = "young_person"
NOT_HOUSEHOLD: Final = frozenset({APPLICANT, "parent_or_pr_holder"})
"""Recorded on a case but not living with the applicant in the accommodation: the applicant
themself, and the parent or carer whose home the young person has left."""

PLACEMENT_DISTRICT: Final = "placement_district"
PLACED_AT: Final = "placed_at"
EMERGENCY_PLACEMENT: Final = "emergency_placement"


def needs_no_notice(facts: Mapping[str, Any], own_authority_id: str) -> str | None:
    """Why s.208 asks for no notice on this case, or None when it does.

    s.208(1) applies where the authority secures accommodation outside its own district; this
    system produces the notice for the s.188 interim duty only.
    """
    if facts.get(EMERGENCY_PLACEMENT) != "s188":
        return (
            "s.208 Housing Act 1996: a notice is given for accommodation secured under s.188 "
            "outside the authority's district; this case has no s.188 placement recorded"
        )
    district = facts.get(PLACEMENT_DISTRICT)
    if not isinstance(district, str) or not district:
        return (
            "s.208 Housing Act 1996: the s.188 placement has no placement district recorded, "
            "so whether a notice is due cannot be said"
        )
    if district == own_authority_id:
        return (
            f"s.208 Housing Act 1996: the s.188 placement is in {own_authority_id}'s own "
            "district; a notice is given only for a placement outside it"
        )
    if _placed_at(facts) is None:
        return (
            "s.208 Housing Act 1996: the s.188 placement has no valid placed_at recorded, so "
            "the date the accommodation was made available is not known"
        )
    return None


def _placed_at(facts: Mapping[str, Any]) -> datetime | None:
    raw = facts.get(PLACED_AT)
    if isinstance(raw, datetime):
        return raw
    if not isinstance(raw, str):
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def household_description(relationships: Iterable[str]) -> str:
    """s.208(3)(b): the number and description of the others in the household, by how they
    are related to the case (never by name: the notice names the applicant only)."""
    others = sorted(r.replace("_", " ") for r in relationships if r not in NOT_HOUSEHOLD)
    if not others:
        return "none"
    return f"{len(others)} ({'; '.join(others)})"


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class S208Notice:
    case_reference: str
    placing_authority: str
    host_authority: str
    applicant_name: str
    household: str
    made_available_on: date
    last_day: date
    function: str = FUNCTION
    citation: str = CITATION

    def values(self) -> dict[str, str]:
        """What the notice's template is given: every field as the notice prints it."""
        return {
            "case_reference": self.case_reference,
            "placing_authority": self.placing_authority,
            "host_authority": self.host_authority,
            "applicant_name": self.applicant_name,
            "household": self.household,
            "made_available_on": long_date(self.made_available_on),
            "last_day": long_date(self.last_day),
            "function": self.function,
            "citation": self.citation,
        }


def build_notice(
    *,
    case_reference: str,
    facts: Mapping[str, Any],
    own_authority_id: str,
    placing_authority: str,
    host_authority: str,
    applicant_name: str,
    relationships: Iterable[str],
) -> S208Notice:
    """The notice for a case ``needs_no_notice`` found to need one (ValueError otherwise)."""
    problem = needs_no_notice(facts, own_authority_id)
    placed_at = _placed_at(facts)
    if problem is not None or placed_at is None:
        raise ValueError(problem or "placed_at: not recorded")
    return S208Notice(
        case_reference=case_reference,
        placing_authority=placing_authority,
        host_authority=host_authority,
        applicant_name=applicant_name,
        household=household_description(relationships),
        made_available_on=london_date(placed_at),
        last_day=compute_deadline(RULE_ID, placed_at).due_date,
    )
