"""The scenario file format (documented for scenario writers in tests/scenarios/README.md).

Every model refuses unknown keys, so a misspelt key is an error that names it rather than a
setting silently ignored. ``load_scenario`` turns any problem into one ``ScenarioError`` line:
``<file>: <field>: <what is wrong>``, with list positions counted from 1 (``steps.3`` is the
third step).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
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
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from pathways.roles import ROLES
from simulation.times import Moment, parse_instant, parse_moment, resolve


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names the file and the field."""


def _known_role(role: str) -> str:
    if role not in ROLES:
        raise PydanticCustomError("role", "unknown role '{role}'", {"role": role})
    return role


def _label_text(value: object) -> object:
    # YAML reads an unquoted label such as 1 as a number; it is still just a name.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


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
    actor: Text
    role: Role


class StaffSpec(_Strict):
    username: Text
    display_name: Text
    email: EmailStr
    role: Role
    authority: Text | None = None
    team: Literal["lha", "ics"]


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
    staff: list[StaffSpec] = Field(default_factory=list)
    cases: dict[Label, CaseSpec] = Field(min_length=1)
    steps: list[StepSpec] = Field(default_factory=list)
    expect: Expectations = Field(default_factory=Expectations)

    def time_of(self, moment: Moment) -> datetime:
        return resolve(moment, self.start)

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        # Imported here: the checks read the registry and configuration, and take a Scenario.
        from simulation.consistency import scenario_problems

        problems = scenario_problems(self)
        if problems:
            first, *others = problems
            also = f" (also check: {', '.join(p.where for p in others)})" if others else ""
            raise PydanticCustomError(
                "scenario",
                "{where}: {message}{also}",
                {"where": first.where, "message": first.message, "also": also},
            )
        return self


def timer_key(key: str) -> tuple[str, int | None]:
    """``name`` (the latest occurrence) or ``name#N`` (occurrence N) -> (name, N or None)."""
    name, hash_sign, number = key.partition("#")
    if not hash_sign:
        return name, None
    if not number.isdigit() or int(number) < 1:
        raise ValueError(f"'{key}': after '#' comes the occurrence number, counted from 1")
    return name, int(number)


def where(loc: Sequence[int | str]) -> str:
    """A field path as scenario writers count: list positions from 1."""
    return ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in loc)


def _describe(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling against tests/scenarios/README.md)"
    return error["msg"].removeprefix("Value error, ")


def _format_errors(source: str, error: ValidationError) -> str:
    first, *others = error.errors()
    field = where(first["loc"])
    message = f"{source}: {field}: {_describe(first)}" if field else f"{source}: {_describe(first)}"
    if others:
        message += f" (also check: {', '.join(where(e['loc']) or '(top level)' for e in others)})"
    return message


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML, except that a key given twice is an error: plain YAML keeps the last one,
    which would silently drop a case or an expectation."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key '{key}' is given twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def parse_scenario(text: str, source: str = "scenario") -> Scenario:
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioError(f"{source}: {at}not valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping with name, pathway, start, cases, ...")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(_format_errors(source, error)) from None


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the file ({error.strerror or error})") from None
    return parse_scenario(text, str(path))
