"""What opening a care-leaver case (spec §3, Pathway B) asks for, and the checks on it.

The needs-assessment date (T17) depends on when the young person became looked after and on
any earlier weeks looked after since 14 (SI 2010/959 reg.40, reg.42(1); spec errata 13), so
a young person who is still looked after cannot be opened without them.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final, Literal, Self

from pydantic import (
    BeforeValidator,
    Field,
    Strict,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from pathways.definitions.youth_1617_inputs import YoungPerson
from pathways.eligibility import MAX_EARLIER_WEEKS, LookedAfterHistoryError, eligible_child_on
from pathways.engine.inputs import StrictInput
from pathways.engine.limits import limits_of

LegalStatus = Literal[
    "looked_after_s20", "eligible_child", "relevant_child", "former_relevant_child"
]
STILL_LOOKED_AFTER: Final[frozenset[str]] = frozenset({"looked_after_s20", "eligible_child"})
"""The statuses of a young person who is looked after now, whose period of care has a start."""
_STILL_LOOKED_AFTER_WORDS: Final = "legal_status looked_after_s20 or eligible_child"


def _a_date_not_a_number(value: object) -> object:
    # Lax pydantic reads 1234567 as a Unix time; a worker who typed a number meant no date.
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "must be a date written as YYYY-MM-DD")
    return value


OptionalDay = Annotated[date | None, BeforeValidator(_a_date_not_a_number)]
EarlierWeeks = Annotated[int, Strict(), Field(ge=0, le=MAX_EARLIER_WEEKS)]


class CareLeaverOpening01(StrictInput):
    """Version 0.1's opening input, kept for the cases already on it."""

    young_person: YoungPerson
    legal_status: LegalStatus


class CareLeaverOpening(StrictInput):
    """Version 0.2's opening input. The 16/17 intake's s.20 hand-off (outcome O3) sends
    ``{"legal_status": "looked_after_s20", "looked_after_since": ..., ...}``."""

    young_person: YoungPerson
    legal_status: LegalStatus
    looked_after_since: OptionalDay = Field(
        default=None,
        description="the day the current period of being looked after began (the s.20 "
        f"placement, or the acceptance of s.20); required for {_STILL_LOOKED_AFTER_WORDS}",
    )
    weeks_looked_after_since_14_before: EarlierWeeks = Field(
        default=0,
        description="whole weeks of earlier periods looked after since the 14th birthday, "
        "before the current one (pre-planned short breaks left out)",
    )

    def becomes_eligible_on(self) -> date | None:
        """``pathways.eligibility.eligible_child_on`` for this young person; None when there is
        no current period of care (they have left it) or they cannot be eligible before 18."""
        if self.looked_after_since is None:
            return None
        return eligible_child_on(
            self.young_person.date_of_birth,
            self.looked_after_since,
            self.weeks_looked_after_since_14_before,
        )

    @model_validator(mode="after")
    def _history_is_possible(self, info: ValidationInfo) -> Self:
        problem = self._history_problem(limits_of(info).latest_day)
        if problem is not None:
            field, kind, rule = problem
            raise ValidationError.from_exception_data(
                type(self).__name__,
                [InitErrorDetails(type=PydanticCustomError(kind, rule), loc=(field,), input=None)],
                hide_input=True,
            )
        return self

    def _history_problem(self, today: date) -> tuple[str, str, str] | None:
        """(the field, the kind of problem, the rule broken), or None."""
        looked_after = self.legal_status in STILL_LOOKED_AFTER
        if not looked_after:
            given = [
                name
                for name, value in (
                    ("looked_after_since", self.looked_after_since),
                    ("weeks_looked_after_since_14_before", self.weeks_looked_after_since_14_before),
                )
                if value
            ]
            if given:
                return (
                    given[0],
                    "not_looked_after",
                    f"is only for a young person who is still looked after "
                    f"({_STILL_LOOKED_AFTER_WORDS})",
                )
            return None
        if self.looked_after_since is None:
            return (
                "looked_after_since",
                "missing",
                f"is required for {_STILL_LOOKED_AFTER_WORDS}: the needs-assessment date runs "
                "from the day the young person becomes an eligible child (SI 2010/959 reg.42(1))",
            )
        if self.looked_after_since > today:
            return (
                "looked_after_since",
                "happened_in_future",
                "is after today: a date something happened on cannot be in the future",
            )
        try:
            eligible = self.becomes_eligible_on()
        except LookedAfterHistoryError as error:
            return (error.field, "looked_after_history", error.rule)
        if self.legal_status == "eligible_child" and (eligible is None or eligible > today):
            return (
                "legal_status",
                "not_yet_eligible",
                "eligible_child needs the young person aged 16 or 17 and looked after for 13 "
                "weeks since 14 by today (Children Act 1989 Sch.2 para 19B; SI 2010/959 "
                "reg.40), which looked_after_since and weeks_looked_after_since_14_before do "
                "not give: record looked_after_s20",
            )
        return None
