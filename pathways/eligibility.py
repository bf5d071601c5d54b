"""Pure eligibility gates: who may enter a pathway, and where everyone else is sent.

The 16/17 intake (spec §2, "Entry data") is only for 16- and 17-year-olds. Anyone else is
refused with a message that says where to go instead, so a refusal is never a dead end.
``eligible_child_on`` says when a looked-after young person becomes an eligible child, the
day their care-leaver needs assessment is counted from if that is after their 16th birthday.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal

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


ELIGIBLE_CHILD_WEEKS: Final = 13
"""reg.40(1) SI 2010/959: the prescribed period for an eligible child (Children Act 1989
Sch.2 para 19B(2)(b))."""
ELIGIBLE_CHILD_COUNTED_FROM_AGE: Final = 14
"""reg.40(1) SI 2010/959: only time looked after since this birthday counts."""
MAX_EARLIER_WEEKS: Final = 260
"""An upper bound on earlier weeks looked after since 14: more than this is a typing error."""


class LookedAfterHistoryError(ValueError):
    """A looked-after history that cannot be true. ``field`` names the input at fault; the
    message names no date, since a birthday would give away the date of birth."""

    def __init__(self, field: str, rule: str) -> None:
        super().__init__(f"{field}: {rule}")
        self.field = field
        self.rule = rule


def eligible_child_on(
    date_of_birth: date, looked_after_since: date, weeks_looked_after_since_14_before: int = 0
) -> date | None:
    """The day a young person becomes an eligible child, assuming the period of being looked
    after that began on ``looked_after_since`` goes on; None if that cannot happen before 18.

    An eligible child is aged 16 or 17 and has been looked after for 13 weeks, or periods
    amounting in all to 13 weeks, which began after they reached 14 and ended after they
    reached 16 (Children Act 1989 Sch.2 para 19B(2); SI 2010/959 reg.40(1)).
    ``weeks_looked_after_since_14_before`` are the whole weeks of earlier periods since 14; the
    worker leaves out pre-planned short breaks, which do not count (reg.48; to be confirmed).

    ``looked_after_since`` is day 1, so the 13 weeks are complete at the end of day 91 and the
    young person is eligible the day after: looked after from 10 January 2027, eligible on
    11 April 2027. Time before the 14th birthday does not count, and nobody is eligible
    before their 16th birthday, which is then the answer.
    """
    weeks = weeks_looked_after_since_14_before
    if not 0 <= weeks <= MAX_EARLIER_WEEKS:
        raise LookedAfterHistoryError(
            "weeks_looked_after_since_14_before",
            f"must be a whole number of weeks from 0 to {MAX_EARLIER_WEEKS}",
        )
    if looked_after_since < date_of_birth:
        raise LookedAfterHistoryError(
            "looked_after_since", "is before the young person's date of birth: check the date"
        )
    fourteenth = birthday(date_of_birth, ELIGIBLE_CHILD_COUNTED_FROM_AGE)
    if weeks and timedelta(weeks=weeks) > looked_after_since - fourteenth:
        raise LookedAfterHistoryError(
            "weeks_looked_after_since_14_before",
            "is more weeks than there are between the young person's 14th birthday and "
            "looked_after_since: count only earlier periods looked after since 14",
        )
    still_needed = timedelta(weeks=max(0, ELIGIBLE_CHILD_WEEKS - weeks))
    complete = max(looked_after_since, fourteenth) + still_needed
    eligible = max(complete, birthday(date_of_birth, 16))
    return eligible if eligible < birthday(date_of_birth, 18) else None
