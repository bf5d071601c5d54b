"""Pure eligibility gates: who may enter a pathway, and where everyone else is sent.

The 16/17 intake (spec §2, "Entry data") is only for 16- and 17-year-olds. Anyone else is
refused with a message that says where to go instead, so a refusal is never a dead end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pathways.calendar import birthday

MAX_PLAUSIBLE_AGE = 120
"""An age above this is a typing error, not an applicant."""

AgeRoute = Literal["youth-1617", "ics-safeguarding", "lha-standard", "care-leaver"]

UNDER_16_ROUTE = (
    "refer to children's services safeguarding (Integrated Front Door) now; "
    "this pathway is for 16- and 17-year-olds"
)
ADULT_ROUTE = "use the standard LHA homelessness route (Housing Act 1996 Part 7)"
CARE_LEAVER_ROUTE = (
    "they are a care leaver: open the care-leaver transition pathway (Pathway B) instead"
)


class DateOfBirthError(ValueError):
    """A date of birth that cannot be right. The message names ``date_of_birth`` but never
    repeats it: refusal reasons are shown and may be logged."""


@dataclass(frozen=True)
class AgeGateResult:
    age: int
    route: AgeRoute
    message: str | None = None

    @property
    def admitted(self) -> bool:
        return self.route == "youth-1617"


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years on ``day``. Birthdays follow ``pathways.calendar.birthday`` (29 February
    falls on 28 February in a non-leap year), so the gate agrees with the T17/T20 timers."""
    years = day.year - date_of_birth.year
    return years if birthday(date_of_birth, years) <= day else years - 1


def check_date_of_birth(date_of_birth: date, day: date) -> None:
    """Raises DateOfBirthError for a date of birth after ``day`` or an impossible age."""
    if date_of_birth > day:
        raise DateOfBirthError(
            f"date_of_birth is after the enquiry date {day.isoformat()}: "
            "a date of birth cannot be in the future"
        )
    age = age_on(date_of_birth, day)
    if age > MAX_PLAUSIBLE_AGE:
        raise DateOfBirthError(
            f"date_of_birth gives an age over {MAX_PLAUSIBLE_AGE} on {day.isoformat()}, "
            "which is not possible: check the date"
        )


def age_gate(date_of_birth: date, day: date, *, care_leaver: bool = False) -> AgeGateResult:
    """Who the 16/17 intake admits on ``day``, and where it sends everyone else."""
    check_date_of_birth(date_of_birth, day)
    age = age_on(date_of_birth, day)
    if age < 16:
        return AgeGateResult(
            age, "ics-safeguarding", f"under 16 (aged {age} on {day.isoformat()}): {UNDER_16_ROUTE}"
        )
    if age >= 18:
        route: AgeRoute = "care-leaver" if care_leaver else "lha-standard"
        where = CARE_LEAVER_ROUTE if care_leaver else ADULT_ROUTE
        return AgeGateResult(
            age,
            route,
            f"aged 18 or over ({age} on {day.isoformat()}): not a 16/17-year-old; {where}",
        )
    return AgeGateResult(age, "youth-1617")
