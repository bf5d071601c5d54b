"""Input building blocks shared by pathway definitions.

Inputs come from JSON a worker wrote, so they are checked strictly: a boolean is ``true`` or
``false`` (never ``"yes"``, ``1`` or ``"off"``), a date is a date (never a number), names and
text follow ``pathways.text``, and nothing that happened can be later than the application
clock allows (``pathways.engine.limits``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from pathways.engine.limits import limits_of
from pathways.roles import Role
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


NEEDED_TO_SUBMIT: Final[dict[str, Any]] = {"needed_to_submit": True}
"""Marks an optional field a step's gate requires (``dashboard.forms`` drops "(optional)")."""


class HouseholdMember(PersonDetails):
    """One member of a household, as a Request for Support lists them. Each becomes a Person
    row on the case, like any other ``PersonDetails``; the contact details are personal data
    and are kept, anonymised and digested with the rest of the row."""

    relationship: Literal["parent", "child", "partner", "other_adult"]
    # Optional in the model so one refusal can name every member's missing details; the form
    # does not call them optional (seed 002: "names, dates of birth and contact details").
    date_of_birth: OptionalDate = Field(default=None, json_schema_extra=NEEDED_TO_SUBMIT)
    contact_details: Annotated[str | None, Text(300, multiline=True)] = Field(
        default=None, json_schema_extra=NEEDED_TO_SUBMIT
    )


class ConsentGiven(StrictInput):
    """Consent for one disclosure purpose, from one person (spec §0.4)."""

    purpose: Annotated[str, Text(60)]
    given: StrictBool
    scope: Annotated[str, Text(500, multiline=True, allow_blank=True)] = ""


class Rationale(StrictInput):
    rationale: RationaleText


@dataclass(frozen=True)
class StaffReference:
    """Marks a text field that holds a staff username, as in
    ``Annotated[str | None, Text(80), StaffReference(MANAGER_ROLES, "a manager")]``.

    A pathway has no staff directory, so the rule is checked by the application: the username
    must be an active member of staff who holds one of ``roles`` and covers the case's
    authority. Put it on the field itself (a ``str`` or a list of them), not inside a list's
    item type."""

    roles: frozenset[Role]
    what: str
    """The roles as a refusal names them, e.g. "a manager"."""


@dataclass(frozen=True)
class AuthorityReference:
    """Marks a top-level text field that holds an authority's directory id (e.g. the district a
    placement is in). The directory is data, so the application checks it exists."""


def authorities_named_in(validated: BaseModel | None) -> tuple[tuple[str, str], ...]:
    """(field, authority id) for each marked field the input fills."""
    if validated is None:
        return ()
    return tuple(
        (name, value)
        for name, info in type(validated).model_fields.items()
        if any(isinstance(m, AuthorityReference) for m in info.metadata)
        and isinstance(value := getattr(validated, name), str)
    )


@dataclass(frozen=True)
class NamedStaff:
    """One username a validated input gives in a field marked ``StaffReference``."""

    field: str
    """Its path, as a refusal names it: ``placement.bb_authorised_by``, ``signed_by.0``."""
    username: str
    reference: StaffReference


def staff_named_in(validated: BaseModel | None) -> tuple[NamedStaff, ...]:
    """Every staff username the input gives, nested models included; blank fields are None
    after validation, so they name no one."""
    return () if validated is None else tuple(_named_in(validated, ()))


def _named_in(model: BaseModel, path: tuple[str, ...]) -> Iterator[NamedStaff]:
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        here = (*path, name)
        reference = next((m for m in info.metadata if isinstance(m, StaffReference)), None)
        if reference is not None:
            yield from _usernames(value, here, reference)
        else:
            yield from _nested(value, here)


def _usernames(
    value: object, path: tuple[str, ...], reference: StaffReference
) -> Iterator[NamedStaff]:
    if isinstance(value, str):
        yield NamedStaff(".".join(path), value, reference)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _usernames(item, (*path, str(index)), reference)


def _nested(value: object, path: tuple[str, ...]) -> Iterator[NamedStaff]:
    if isinstance(value, BaseModel):
        yield from _named_in(value, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _nested(item, (*path, str(index)))
