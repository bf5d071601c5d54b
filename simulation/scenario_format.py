"""The scenario file format (documented for scenario writers in tests/scenarios/README.md).

Every model refuses unknown keys, so a misspelt key is an error that names it rather than a
setting silently ignored. Whether the parts fit together (the pathway, its steps, roles and
recipients) is checked by ``simulation.consistency`` once the shape is right.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    NonNegativeInt,
    PlainValidator,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from pathways.roles import ROLES
from simulation.law_for_run import known_provisions
from simulation.times import Moment, parse_instant, parse_moment, resolve


def _known_role(role: str) -> str:
    if role not in ROLES:
        raise PydanticCustomError("role", "unknown role '{role}'", {"role": role})
    return role


def _label_text(value: object) -> object:
    # YAML reads an unquoted label such as 1 as a number; it is still just a name.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _commencement(provision: str, value: object) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError(
        "in_force",
        "{provision}: '{value}' is not a date (write YYYY-MM-DD, or null for not in force)",
        {"provision": provision, "value": str(value)},
    )


def _commencements(value: object) -> dict[str, date | None]:
    """``in_force``: provision -> the day it commences in this run (null: not in force)."""
    if not isinstance(value, dict):
        raise PydanticCustomError(
            "in_force", "give 'provision: YYYY-MM-DD' lines, e.g. cwsa-2026-s9: 2026-10-01"
        )
    known = known_provisions()
    found: dict[str, date | None] = {}
    for provision, when in value.items():
        if provision not in known:
            raise PydanticCustomError(
                "in_force",
                "unknown provision '{provision}' (known, from config/law.yaml: {known})",
                {"provision": str(provision), "known": ", ".join(sorted(known))},
            )
        found[provision] = _commencement(provision, when)
    return found


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Label = Annotated[Text, BeforeValidator(_label_text)]
Role = Annotated[Text, AfterValidator(_known_role)]
When = Annotated[Moment, PlainValidator(parse_moment)]
Instant = Annotated[datetime, PlainValidator(parse_instant)]
FiringKind = Literal["warning", "breach", "escalation"]
TimerStatus = Literal["open", "warned", "breached", "closed"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ActingAs(_Strict):
    """Who records an entry: a member of staff by username, and which of their roles when
    they hold several. Resolved from the staff directory like any signed-in user."""

    actor: Text
    role: Role | None = None

    def describe(self) -> str:
        return f"{self.actor} ({self.role})" if self.role else self.actor


class StaffSpec(_Strict):
    username: Text
    display_name: Text
    email: EmailStr
    role: Role | None = None
    roles: list[Role] = Field(default_factory=list)
    authority: Text | None = None
    team: Literal["lha", "ics"]
    team_name: Text | None = None

    @property
    def held_roles(self) -> list[str]:
        return [*self.roles, *([self.role] if self.role and self.role not in self.roles else [])]

    @model_validator(mode="after")
    def _some_role(self) -> StaffSpec:
        if not self.held_roles:
            raise ValueError("give the member of staff's role (role: ...) or roles (roles: [...])")
        return self


class CaseSpec(_Strict):
    authority: Text
    at: When = timedelta(0)
    as_: ActingAs = Field(alias="as")
    input: dict[str, Any] = Field(default_factory=dict)
    assign: list[Text] = Field(default_factory=list)
    expect_refused: Text | None = None


class StepSpec(_Strict):
    """One of: ``record`` a step on a case, ``sweep: true`` or ``deliver: true``.

    Which keys go with which is checked with the rest of the scenario (simulation/consistency.py),
    so the message can name the offending key.
    """

    at: When
    case: Label | None = None
    record: Text | None = None
    as_: ActingAs | None = Field(default=None, alias="as")
    input: dict[str, Any] | None = None
    expect_refused: Text | None = None
    sweep: bool = False
    deliver: bool = False


class CaseFields(_Strict):
    """What a case should look like at the end; each field given is one check."""

    state: Text | None = None
    status: Text | None = None
    outcome: Text | None = None
    duty_outcome: Text | None = None

    def wanted(self) -> dict[str, str]:
        """Expected values by the scenario's field name (``outcome`` is ``Case.outcome_code``)."""
        fields = ("state", "status", "outcome", "duty_outcome")
        return {name: value for name in fields if (value := getattr(self, name)) is not None}


class TimerExpectation(_Strict):
    status: TimerStatus | None = None
    escalation_level: NonNegativeInt | None = None


class FiredExpectation(_Strict):
    case: Label
    timer: Text
    kind: FiringKind
    count: NonNegativeInt | None = None


class NoNotification(_Strict):
    case: Label
    event_type: Text
    recipient: Text | None = None


class NotificationExpectation(NoNotification):
    count: NonNegativeInt | None = None


class LinkedCaseExpectation(CaseFields):
    from_: Label = Field(alias="from")
    pathway: Text
    count: NonNegativeInt | None = None


class Expectations(_Strict):
    cases: dict[Label, CaseFields] = Field(default_factory=dict)
    timers: dict[Label, dict[Text, TimerExpectation]] = Field(default_factory=dict)
    fired: list[FiredExpectation] = Field(default_factory=list)
    notifications: list[NotificationExpectation] = Field(default_factory=list)
    no_notifications: list[NoNotification] = Field(default_factory=list)
    linked_cases: list[LinkedCaseExpectation] = Field(default_factory=list)


class Scenario(_Strict):
    name: Text
    description: str = ""
    pathway: Text
    start: Instant
    in_force: Annotated[dict[str, date | None], PlainValidator(_commencements)] = Field(
        default_factory=dict,
        description="commencement dates for this run, over config/law.yaml (provision -> date)",
    )
    staff: list[StaffSpec] = Field(default_factory=list)
    cases: dict[Label, CaseSpec] = Field(min_length=1)
    steps: list[StepSpec] = Field(default_factory=list)
    expect: Expectations = Field(default_factory=Expectations)

    def time_of(self, moment: Moment) -> datetime:
        return resolve(moment, self.start)


def timer_key(key: str) -> tuple[str, int | None]:
    """``name`` (the latest occurrence) or ``name#N`` (occurrence N) -> (name, N or None)."""
    name, hash_sign, number = key.partition("#")
    if not hash_sign:
        return name, None
    if not number.isdigit() or int(number) < 1:
        raise ValueError(f"'{key}': after '#' comes the occurrence number, counted from 1")
    return name, int(number)
