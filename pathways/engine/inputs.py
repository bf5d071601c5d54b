"""Input building blocks shared by pathway definitions.

Inputs come from JSON a worker wrote, so they are checked strictly: a boolean is ``true`` or
``false`` (never ``"yes"``, ``1`` or ``"off"``), a date is a date (never a number), names and
text follow ``pathways.text``, and nothing that happened can be later than the application
clock allows (``pathways.engine.limits``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Final

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from pathways.engine.limits import limits_of
from pathways.text import PersonName, Text

RATIONALE_MAX: Final = 4000


class StrictInput(BaseModel):
    """Every transition input refuses unknown fields, so a typo is an error, not lost data.

    Its errors never show the value refused: a ``ValidationError`` that reaches a log or a
    terminal would otherwise print a name or a date of birth."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, hide_input_in_errors=True)


def _a_date_not_a_number(value: object) -> object:
    # Lax pydantic reads 1234567 as a Unix time; a worker who typed a number meant no date.
    if isinstance(value, int | float):
        raise PydanticCustomError("date_type", "must be a date written as YYYY-MM-DD")
    return value


def _a_time_not_a_number(value: object) -> object:
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_type", "must be a date and time with its UTC offset, e.g. 2026-03-02T09:00Z"
        )
    return value


def _minutes(skew: timedelta) -> str:
    minutes = int(skew.total_seconds() // 60)
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def _not_in_the_future(value: datetime, info: ValidationInfo) -> datetime:
    limits = limits_of(info)
    if value > limits.latest:
        raise PydanticCustomError(
            "happened_in_future",
            "is later than now: a time something happened cannot be in the future "
            f"(clocks may differ by {_minutes(limits.max_clock_skew)} at most)",
        )
    return value


def _not_after_today(value: date, info: ValidationInfo) -> date:
    if value > limits_of(info).latest_day:
        raise PydanticCustomError(
            "happened_in_future",
            "is after today: a date something happened on cannot be in the future",
        )
    return value


def _born_by_today(value: date | None, info: ValidationInfo) -> date | None:
    if value is not None and value > limits_of(info).latest_day:
        raise PydanticCustomError(
            "date_of_birth_in_future", "a date of birth cannot be in the future"
        )
    return value


# The optional types keep "| None" inside Annotated, so a field's annotation stays
# "date | None" for the CLI's description of a step's input.
OptionalDate = Annotated[date | None, BeforeValidator(_a_date_not_a_number)]
"""A date or nothing, needing no clock (e.g. one read back from a Person row)."""
HappenedAt = Annotated[
    AwareDatetime, BeforeValidator(_a_time_not_a_number), AfterValidator(_not_in_the_future)
]
"""When something happened: at most the configured clock skew later than now."""
HappenedOn = Annotated[
    date, BeforeValidator(_a_date_not_a_number), AfterValidator(_not_after_today)
]
"""The day something happened on: today or earlier."""
BirthDate = Annotated[date, BeforeValidator(_a_date_not_a_number), AfterValidator(_born_by_today)]
"""A date of birth: today or earlier."""
OptionalBirthDate = Annotated[
    date | None, BeforeValidator(_a_date_not_a_number), AfterValidator(_born_by_today)
]
"""A date of birth, if known: today or earlier."""
RationaleText = Annotated[str, Text(RATIONALE_MAX, multiline=True)]
"""Why: prose, not blank."""


class PersonDetails(StrictInput):
    """The minimum about a person. Stored only in the application database, never sent on."""

    full_name: PersonName
    date_of_birth: OptionalDate = None


class ConsentGiven(StrictInput):
    """Consent for one disclosure purpose, from one person (spec §0.4)."""

    purpose: Annotated[str, Text(60)]
    given: StrictBool
    scope: Annotated[str, Text(500, multiline=True, allow_blank=True)] = ""


class Rationale(StrictInput):
    rationale: RationaleText
