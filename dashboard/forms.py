"""GOV.UK forms generated from a step's pydantic input model, and read back from a post.

A new pathway needs no page code: ``form_fields`` describes each field of the step's model,
the ``render_fields`` macro (``templates/macros/fields.html``) draws them with the GOV.UK
Frontend components, ``payload_from_form`` turns what was posted back into the JSON-like input
the application layer takes, and the error helpers turn a refusal into GOV.UK error messages
("Date of birth: ..."), each linked to the input it is about.

Form values are a multidict, each input name to the values posted for it. A field's input is
named by its dotted path (``young_person.full_name``); a date is posted in parts,
``<path>-day``, ``<path>-month`` and ``<path>-year``, and a date and time adds ``<path>-time``,
read as UK local time. No message here repeats what was typed: it may be a name or a date of
birth.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import Enum
from functools import lru_cache
from typing import Annotated, Any, Final, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, EmailStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails, PydanticUndefined

from application.cases import HAPPENED_AT, with_happened_at
from pathways.calendar import LONDON
from pathways.engine.input_errors import field_path, printable
from pathways.engine.limits import InputLimits
from pathways.refusal import Refusal
from pathways.text import Text

FieldKind = Literal[
    "text",
    "textarea",
    "number",
    "email",
    "date",
    "datetime",
    "radios",
    "checkboxes",
    "fieldset",
    "repeated",
]
GROUPS: Final[frozenset[FieldKind]] = frozenset({"fieldset", "repeated"})
"""Kinds that hold other fields: a nested model, or a list of them (``repeated``)."""
FormValues = dict[str, list[str]]
"""Each input's name to the values it holds, as a posted form (a multidict) gives them."""
Scalar = str | int | float | bool

DATE_PARTS: Final = ("day", "month", "year")
TIME_PART: Final = "time"
YES, NO = "yes", "no"
FREE_TEXT_WORDS: Final = frozenset(
    {"rationale", "reason", "notes", "summary", "details", "comments", "explanation", "narrative"}
)
TEXTAREA_OVER: Final = 200
"""A text field allowed more characters than this is prose, so it gets a textarea."""
WORDS: Final = {
    "asb": "ASB",
    "bb": "B&B",
    "caf": "CAF",
    "childrens": "children's",
    "ics": "ICS",
    "id": "ID",
    "lha": "LHA",
    "nhs": "NHS",
    "ooh": "OOH",
    "pr": "PR",
    "uk": "UK",
}
PHRASES: Final = {"co located": "co-located"}
LEGAL_REFERENCE: Final = re.compile(r"(s|reg)(\d+)([a-z]*)")
"""``s20`` is section 20 and ``reg39`` regulation 39: written "s.20" and "reg.39"."""
MONTHS: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
DATETIMES: Final = (datetime, AwareDatetime)
OPTIONAL_GROUP_HINT: Final = (
    "Leave all of these blank if they do not apply. If you fill in any of them, "
    "fill in all that are not marked optional."
)
REPEATED_ROWS: Final = 8
"""How many fieldsets a list of models gets, unless its field sets a ``max_length``: a page
without scripts cannot add one, so a fixed number is shown and the blank ones are ignored."""


@dataclass(frozen=True)
class Option:
    """One radio or checkbox: the value posted, the label shown, and what the payload holds."""

    value: str
    label: str
    data: Scalar | None


@dataclass(frozen=True)
class FormField:
    """One field of a step's input, as its form shows it.

    ``name`` is the dotted path the payload and the posted inputs use; ``id`` is the HTML id
    its input (or, for a group, its first input) is built from; ``anchor`` is the id an error
    links to. ``default`` is the model's default, which a blank form shows.
    """

    name: str
    id: str
    label: str
    hint: str | None
    required: bool
    kind: FieldKind
    options: tuple[Option, ...] = ()
    children: tuple[FormField, ...] = ()
    default: Any = None
    max_length: int | None = None
    inputmode: Literal["numeric", "decimal"] | None = None
    """For a number: "numeric" is a whole number, "decimal" may have a fraction."""
    autocomplete: str | None = None
    spellcheck: bool | None = None
    caption: str | None = None
    """What the form shows in place of ``label``: a field in a row of a repeated group shows
    "Date of birth" under its row's legend, while ``label`` names the row for its errors
    ("Household member 2: date of birth")."""
    needed_to_submit: bool = False
    """The model leaves it optional only so that the step's gate can name every missing item
    in one refusal (``json_schema_extra={"needed_to_submit": True}``). The form shows it as
    ``required`` (no "(optional)"), but a blank one is still left out of the payload."""

    @property
    def may_be_left_out(self) -> bool:
        return not self.required or self.needed_to_submit

    @property
    def anchor(self) -> str:
        if self.kind in ("date", "datetime"):
            return f"{self.id}-{DATE_PARTS[0]}"
        if self.kind in GROUPS:
            return self.children[0].anchor if self.children else self.id
        return self.id

    @property
    def input_names(self) -> tuple[str, ...]:
        """The names of the inputs this field posts (a group's are its children's)."""
        if self.kind == "date":
            return tuple(f"{self.name}-{part}" for part in DATE_PARTS)
        if self.kind == "datetime":
            return tuple(f"{self.name}-{part}" for part in (*DATE_PARTS, TIME_PART))
        if self.kind in GROUPS:
            return tuple(name for child in self.children for name in child.input_names)
        return (self.name,)

    def rows_shown(self, values: Mapping[str, Sequence[str]]) -> list[tuple[FormField, FormValues]]:
        """A repeated group's rows, each with the values it shows: the filled rows first, in
        order, then the blank ones. A form posted with a blank row between two filled ones
        shows again closed up, so each row's number is the member's place in the input, as
        the errors and the application's refusals count them."""
        filled = _filled_rows(self, values)
        blank: list[tuple[FormField, FormValues]] = [
            (row, {}) for row in self.children[len(filled) :]
        ]
        return [*filled, *blank]


@dataclass(frozen=True)
class FieldError:
    """A GOV.UK error message: the field it is about, the input it links to, and the text."""

    field: str
    anchor: str
    message: str


@dataclass(frozen=True)
class FormPayload:
    """The input a form gives (blanks left out), and what could not be read from it."""

    data: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)


# Describing a model's fields


def humanise(name: str) -> str:
    """``date_of_birth`` -> "Date of birth", ``ics_case_reference`` -> "ICS case reference",
    ``s20_accepted`` -> "s.20 accepted" (a legal reference keeps its lower case)."""
    words = [_word(part) for part in name.split("_") if part]
    text = " ".join(words)
    for phrase, written in PHRASES.items():
        text = re.sub(rf"\b{phrase}\b", written, text)
    if not words or LEGAL_REFERENCE.fullmatch(name.split("_")[0]):
        return text
    return text[0].upper() + text[1:]


def _word(part: str) -> str:
    reference = LEGAL_REFERENCE.fullmatch(part)
    if reference:
        kind, number, letter = reference.groups()
        return f"{kind}.{number}{letter.upper()}"
    return WORDS.get(part, part)


def _html_id(name: str) -> str:
    # Field names are identifiers, so "-" is free to stand for the dots between them.
    return name.replace(".", "-")


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".?!" else f"{text}."


def _unwrap(annotation: Any) -> tuple[Any, bool, tuple[Any, ...]]:
    """The type under any ``Annotated`` and ``| None``, whether None is allowed, and the
    ``Annotated`` metadata met on the way."""
    nullable = False
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            metadata.extend(extra)
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            nullable = nullable or len(members) < len(get_args(annotation))
            if len(members) != 1:
                raise TypeError(f"no form input for the union {annotation!r}")
            annotation = members[0]
        else:
            return annotation, nullable, tuple(metadata)


def _choices(annotation: Any) -> tuple[Option, ...] | None:
    if get_origin(annotation) is Literal:
        return tuple(_option(value) for value in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple(_option(member.value, member.name) for member in annotation)
    return None


def _option(value: Scalar, name: str | None = None) -> Option:
    words = name if name is not None else value
    label = humanise(words) if isinstance(words, str) else str(words)
    return Option(value=str(value), label=label, data=value)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _max_length(metadata: Sequence[Any]) -> int | None:
    lengths = [m.max_length for m in metadata if isinstance(getattr(m, "max_length", None), int)]
    return min(lengths) if lengths else None


def _default(info: FieldInfo) -> Any:
    if info.default is not PydanticUndefined:
        return info.default
    if info.default_factory is not None:
        return info.get_default(call_default_factory=True, validated_data={})
    return None


def form_fields(model: type[BaseModel] | None) -> list[FormField]:
    """One ``FormField`` per field of ``model``, in the model's order; a nested model is a
    fieldset holding its own fields. A field the server fills when it is left out (when
    something happened: ``application.cases.HAPPENED_AT``) is shown as optional."""
    return [] if model is None else list(_fields_of(model))


@lru_cache(maxsize=256)
def _fields_of(model: type[BaseModel], prefix: str = "") -> tuple[FormField, ...]:
    return tuple(
        _describe(f"{prefix}{name}", info, HAPPENED_AT.get(name) if not prefix else None)
        for name, info in model.model_fields.items()
    )


def _describe(name: str, info: FieldInfo, happened: str | None) -> FormField:
    annotation, nullable, inner = _unwrap(info.annotation)
    metadata = (*info.metadata, *inner)
    leaf = name.rsplit(".", 1)[-1]
    hints = [_sentence(info.description)] if info.description else []
    needed = _needed_to_submit(info)
    base: dict[str, Any] = {
        "name": name,
        "id": _html_id(name),
        "label": info.title or humanise(leaf),
        "required": (info.is_required() or needed) and happened is None,
        "default": _default(info),
        "needed_to_submit": needed,
    }
    kind, extra = _kind(name, annotation, nullable, metadata, hints)
    if needed:
        # A group the gate needs is not one to "leave blank if it does not apply".
        hints = [hint for hint in hints if hint != OPTIONAL_GROUP_HINT]
    if happened is not None:
        hints.append(
            "Leave it blank to use the date and time now."
            if happened == "moment"
            else "Leave it blank to use today's date."
        )
    return FormField(hint=" ".join(hints) or None, kind=kind, **base, **extra)


def _needed_to_submit(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("needed_to_submit") is True


def _kind(
    name: str, annotation: Any, nullable: bool, metadata: Sequence[Any], hints: list[str]
) -> tuple[FieldKind, dict[str, Any]]:
    """The field's kind and what else its input needs; appends any hint the kind asks for."""
    if _is_model(annotation):
        if nullable:
            hints.append(OPTIONAL_GROUP_HINT)
        return "fieldset", {"children": _fields_of(annotation, f"{name}.")}
    if annotation is bool:
        yes_no = (Option(YES, "Yes", True), Option(NO, "No", False))
        return "radios", {"options": yes_no + _none_of_these(nullable, "Not known")}
    choices = _choices(annotation)
    if choices is not None:
        return "radios", {"options": choices + _none_of_these(nullable, "None of these")}
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (Any,)
        options = _choices(_unwrap(item)[0])
        if options is None:
            hints.append("Fill in one for each. Leave the ones you do not need blank.")
            rows = _max_length(metadata) or REPEATED_ROWS
            return "repeated", {"children": _rows(name, item, rows)}
        hints.append("Select all that apply.")
        return "checkboxes", {"options": options}
    if annotation is EmailStr:
        return "email", {"autocomplete": "off", "spellcheck": False}
    if annotation is str:
        return _text_kind(name, metadata)
    if annotation in (int, float):
        inputmode = "numeric" if annotation is int else "decimal"
        return "number", {"inputmode": inputmode, "autocomplete": "off", "spellcheck": False}
    if annotation in DATETIMES:
        hints.append("For example, 27 3 2026 and 14:30. Use the 24-hour clock for the time.")
        return "datetime", {}
    if annotation is date:
        example = "27 3 2008" if "birth" in name else "27 3 2026"
        hints.append(f"For example, {example}.")
        return "date", {}
    raise TypeError(f"{name}: no form input for {annotation!r}")


def _item_name(name: str, item: Any) -> str:
    """What one item is called: a model's title, or its class name in words
    (``HouseholdMember`` -> "Household member"); else the field's name, made singular
    (``joint_appointments`` -> "Joint appointment")."""
    if _is_model(item):
        title = item.model_config.get("title")
        if title:
            return str(title)
        words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", item.__name__)
        return humanise("_".join(words).lower())
    leaf = name.rsplit(".", 1)[-1]
    return humanise(leaf[:-1] if leaf.endswith("s") and not leaf.endswith("ss") else leaf)


@lru_cache(maxsize=256)
def _rows(name: str, item: Any, count: int) -> tuple[FormField, ...]:
    """One row per item, named by its place in the list from 0 (as the payload and a refusal
    name it) and labelled from 1: ``household_members.1`` is "Household member 2". A model's
    row is a fieldset of its fields; any other item's is one input."""
    model = _unwrap(item)[0]
    rows = []
    for number in range(count):
        path, row_label = f"{name}.{number}", f"{_item_name(name, model)} {number + 1}"
        # Not "(optional)": a blank row is ignored, and the group says so.
        if not _is_model(model):
            one = _describe(path, FieldInfo.from_annotation(item), None)
            rows.append(dataclasses.replace(one, label=row_label, required=True))
            continue
        children = tuple(_in_row(child, row_label) for child in _fields_of(model, f"{path}."))
        rows.append(
            FormField(
                name=path,
                id=_html_id(path),
                label=row_label,
                hint=None,
                required=True,
                kind="fieldset",
                children=children,
            )
        )
    return tuple(rows)


def _in_row(one: FormField, row_label: str) -> FormField:
    return dataclasses.replace(
        one,
        label=f"{row_label}: {_lower_first(one.label)}",
        caption=one.caption or one.label,
        children=tuple(_in_row(child, row_label) for child in one.children),
    )


def _none_of_these(nullable: bool, label: str) -> tuple[Option, ...]:
    # A radio cannot be unselected, so an optional choice offers a way back to "not given".
    return (Option("", label, None),) if nullable else ()


def _text_kind(name: str, metadata: Sequence[Any]) -> tuple[FieldKind, dict[str, Any]]:
    longest = _max_length(metadata)
    multiline = any(isinstance(m, Text) and m.multiline for m in metadata)
    prose = bool(FREE_TEXT_WORDS & set(name.rsplit(".", 1)[-1].split("_")))
    if multiline or prose or (longest is not None and longest > TEXTAREA_OVER):
        return "textarea", {"max_length": longest, "autocomplete": "off"}
    return "text", {"max_length": longest, "autocomplete": "off", "spellcheck": False}


def _walk(fields: Sequence[FormField]) -> Iterator[FormField]:
    for one in fields:
        yield one
        yield from _walk(one.children)


# Showing a payload in a form


def form_values(model: type[BaseModel] | None, data: Mapping[str, Any] | None = None) -> FormValues:
    """The values a form shows for ``data`` (a payload, or a model's dump), with the model's
    defaults for what ``data`` leaves out: ``form_values(model)`` is a new, blank form.

    A time is shown to the minute, in UK local time."""
    values: FormValues = {}
    for one in form_fields(model):
        _show(one, (data or {}).get(one.name.rsplit(".", 1)[-1], one.default), values)
    return values


def _show(one: FormField, value: Any, values: FormValues) -> None:
    if one.kind == "repeated":
        items = value if isinstance(value, list | tuple) else []
        for row, item in zip(one.children, items, strict=False):
            _show(row, item, values)
        return
    if one.kind == "fieldset":
        if isinstance(value, BaseModel):
            value = value.model_dump()
        if value is None and one.may_be_left_out:
            return
        given = value if isinstance(value, Mapping) else {}
        for child in one.children:
            _show(child, given.get(child.name.rsplit(".", 1)[-1], child.default), values)
        return
    if value is None or value == "":
        return
    if one.kind == "date":
        _show_date(one.name, value, values)
    elif one.kind == "datetime":
        _show_datetime(one.name, value, values)
    elif one.kind in ("radios", "checkboxes"):
        chosen = value if isinstance(value, list | tuple | set | frozenset) else [value]
        values[one.name] = [_option_value(one, item) for item in chosen]
    else:
        values[one.name] = [str(value)]


def _option_value(one: FormField, value: Any) -> str:
    if isinstance(value, Enum):
        value = value.value
    return next((o.value for o in one.options if o.data == value and o.value), str(value))


def _show_date(name: str, value: Any, values: FormValues) -> None:
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return
    for part, number in zip(DATE_PARTS, (day.day, day.month, day.year), strict=True):
        values[f"{name}-{part}"] = [str(number)]


def _show_datetime(name: str, value: Any, values: FormValues) -> None:
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return
    local = moment.replace(tzinfo=LONDON) if moment.tzinfo is None else moment.astimezone(LONDON)
    _show_date(name, local.date(), values)
    values[f"{name}-{TIME_PART}"] = [local.strftime("%H:%M")]


# Reading a posted form


def as_form_values(form: Any) -> FormValues:
    """A posted multidict (Starlette's ``FormData``, or anything with ``getlist``) as
    ``FormValues``, keeping every value of a repeated name (checkboxes); files are dropped."""
    return {
        name: [value for value in form.getlist(name) if isinstance(value, str)]
        for name in dict.fromkeys(form.keys())
    }


def payload_from_form(
    model: type[BaseModel] | None, form: Mapping[str, Sequence[str]]
) -> FormPayload:
    """The input the form gives, as the API body's ``"input"`` holds it: dates as
    "YYYY-MM-DD", times as ISO 8601 with the UK offset of that local time, yes/no as booleans,
    checkboxes as lists, nested fields nested again. Blank inputs and unknown names are left
    out. A value that cannot be read (an impossible date) is an error, never an exception."""
    data: dict[str, Any] = {}
    errors: list[FieldError] = []
    for one in form_fields(model):
        _read_into(one, form, data, errors)
    return FormPayload(data, errors)


class _Blank:
    """Nothing was given: the field is left out of the payload."""


BLANK: Final = _Blank()


def _read_into(
    one: FormField,
    form: Mapping[str, Sequence[str]],
    into: dict[str, Any],
    errors: list[FieldError],
) -> None:
    value = _read(one, form, errors)
    if not isinstance(value, _Blank):
        into[one.name.rsplit(".", 1)[-1]] = value


def _given(form: Mapping[str, Sequence[str]], name: str) -> list[str]:
    found = form.get(name, ())
    values = [found] if isinstance(found, str) else list(found)
    return [value for value in values if isinstance(value, str) and value.strip()]


def _first(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    given = _given(form, name)
    return given[0] if given else None


def _read(one: FormField, form: Mapping[str, Sequence[str]], errors: list[FieldError]) -> Any:
    if one.kind == "repeated":
        return _read_rows(one, form, errors)
    if one.kind == "fieldset":
        return _read_group(one, form, errors)
    if one.kind == "checkboxes":
        chosen = [_choice(one, value) for value in _given(form, one.name)]
        return chosen or BLANK
    if one.kind in ("date", "datetime"):
        return _read_moment(one, form, errors)
    text = _first(form, one.name)
    if text is None:
        return BLANK
    if one.kind == "radios":
        return _choice(one, text)
    if one.kind == "number":
        return _read_number(one, text, errors)
    return text if one.kind == "textarea" else text.strip()


def _read_group(
    one: FormField, form: Mapping[str, Sequence[str]], errors: list[FieldError]
) -> dict[str, Any] | _Blank:
    # An optional group left blank is not given; once any of it is filled, it is checked whole.
    if one.may_be_left_out and not any(_given(form, name) for name in one.input_names):
        return BLANK
    group: dict[str, Any] = {}
    for child in one.children:
        _read_into(child, form, group, errors)
    return group


def _filled_rows(
    one: FormField, form: Mapping[str, Sequence[str]]
) -> list[tuple[FormField, FormValues]]:
    """The rows of a repeated group that have anything in them, closed up: the n-th filled row
    moves to the n-th row's names, so a blank row between two is not a gap in the list."""
    moved: list[tuple[FormField, FormValues]] = []
    for row in one.children:
        if any(_given(form, name) for name in row.input_names):
            target = one.children[len(moved)]
            values = {
                new: list(_given(form, old))
                for old, new in zip(row.input_names, target.input_names, strict=True)
            }
            moved.append((target, values))
    return moved


def _read_rows(
    one: FormField, form: Mapping[str, Sequence[str]], errors: list[FieldError]
) -> list[Any] | _Blank:
    """The filled rows, in order; each is read under the row it shows again in."""
    rows: list[Any] = []
    for row, values in _filled_rows(one, form):
        read = _read(row, values, errors)
        if not isinstance(read, _Blank):
            rows.append(read)
    return rows or BLANK


def _choice(one: FormField, posted: str) -> Any:
    # An unknown value goes on as it is, so the model refuses it as not one of the options.
    return next((o.data for o in one.options if o.value == posted), posted)


NUMBERS: Final = {
    "numeric": re.compile(r"[+-]?[0-9]+"),
    "decimal": re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"),
}


def _read_number(one: FormField, text: str, errors: list[FieldError]) -> int | float | _Blank:
    number = text.strip().replace(",", "")
    whole = one.inputmode != "decimal"
    if NUMBERS["numeric" if whole else "decimal"].fullmatch(number):
        try:
            return int(number) if whole else float(number)
        except (ValueError, OverflowError):  # beyond Python's limit on digits
            pass
    rule = "must be a whole number, like 28" if whole else "must be a number, like 2.5"
    errors.append(FieldError(one.name, one.id, f"{one.label}: {rule}"))
    return BLANK


def _read_moment(
    one: FormField, form: Mapping[str, Sequence[str]], errors: list[FieldError]
) -> str | _Blank:
    parts = {part: (_first(form, f"{one.name}-{part}") or "").strip() for part in DATE_PARTS}
    clock = (_first(form, f"{one.name}-{TIME_PART}") or "").strip()
    if not any(parts.values()) and not clock:
        return BLANK
    day = _read_date(one, parts, errors)
    if one.kind == "date" or day is None:
        return BLANK if day is None else day.isoformat()
    return _at(one, day, clock, errors)


def _read_date(one: FormField, parts: Mapping[str, str], errors: list[FieldError]) -> date | None:
    missing = [part for part in DATE_PARTS if not parts[part]]
    if missing:
        rule = (
            "must include a date"
            if len(missing) == 3
            else f"must include a {' and '.join(missing)}"
        )
        errors.append(FieldError(one.name, f"{one.id}-{missing[0]}", f"{one.label}: {rule}"))
        return None
    month = _month(parts["month"])
    year = parts["year"]
    if not re.fullmatch(r"[0-9]{4}", year):
        rule = "must be a real date, with a year of 4 numbers, like 2007"
        errors.append(FieldError(one.name, f"{one.id}-year", f"{one.label}: {rule}"))
        return None
    try:
        if not re.fullmatch(r"[0-9]{1,2}", parts["day"]) or month is None:
            raise ValueError
        return date(int(year), month, int(parts["day"]))
    except ValueError:
        errors.append(FieldError(one.name, one.anchor, f"{one.label}: must be a real date"))
        return None


def _month(text: str) -> int | None:
    """A month as a number (3) or a name (March, Mar, Sept)."""
    if re.fullmatch(r"[0-9]{1,2}", text):
        return int(text) if 1 <= int(text) <= 12 else None
    word = text.casefold().rstrip(".")
    matches = [n for n, name in enumerate(MONTHS, 1) if len(word) >= 3 and name.startswith(word)]
    return matches[0] if len(matches) == 1 else None


TIME: Final = re.compile(r"([0-9]{1,2})(?:[:.]([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", re.ASCII)


def _clock(text: str) -> time | None:
    """A time of day as people write it: 14:30, 9.05, 2:30pm, 9am, midday, midnight."""
    word = text.casefold()
    if word in ("midday", "noon", "12 noon"):
        return time(12, 0)
    if word == "midnight":
        return time(0, 0)
    found = TIME.fullmatch(word)
    if found is None or (found[2] is None and found[3] is None):
        return None
    hour, minute, half = int(found[1]), int(found[2] or 0), found[3]
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half.startswith("p") else 0)
    return time(hour, minute) if hour < 24 and minute < 60 else None


def _at(one: FormField, day: date, clock: str, errors: list[FieldError]) -> str | _Blank:
    anchor = f"{one.id}-{TIME_PART}"
    if not clock:
        errors.append(FieldError(one.name, anchor, f"{one.label}: must include a time"))
        return BLANK
    when = _clock(clock)
    if when is None:
        rule = "must be a real time, like 09:30 or 14:30"
        errors.append(FieldError(one.name, anchor, f"{one.label}: {rule}"))
        return BLANK
    # In the hour the clocks go back a time happens twice; it is read as the first (BST).
    local = datetime.combine(day, when, tzinfo=LONDON)
    if local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        rule = "that time did not happen in the UK, because the clocks went forward: check it"
        errors.append(FieldError(one.name, anchor, f"{one.label}: {rule}"))
        return BLANK
    return local.isoformat()


# Errors


BUILT_IN_RULES: Final = {
    "bool_parsing": "select yes or no",
    "bool_type": "select yes or no",
    "date_from_datetime_inexact": "must be a real date",
    "date_from_datetime_parsing": "must be a real date",
    "date_parsing": "must be a real date",
    "date_type": "must be a real date",
    "datetime_from_date_parsing": "must be a real date and time",
    "datetime_parsing": "must be a real date and time",
    "datetime_type": "must be a real date and time",
    "enum": "select one of the options",
    "extra_forbidden": "is not asked for at this step",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_from_float": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "list_type": "select one or more of the options",
    "literal_error": "select one of the options",
    "string_type": "must be text",
    "timezone_aware": "must be a date and time with its time zone",
}
"""Pydantic's own messages, said for a form. Our validators' messages are already rules."""
COMPARISONS: Final = {
    "greater_than_equal": ("ge", "must be {} or more"),
    "greater_than": ("gt", "must be more than {}"),
    "less_than_equal": ("le", "must be {} or less"),
    "less_than": ("lt", "must be less than {}"),
}
MISSING_RULES: Final[dict[FieldKind, str]] = {
    "radios": "select an option",
    "checkboxes": "select at least one option",
    "date": "enter a date",
    "datetime": "enter a date and time",
    "repeated": "fill in at least one",
}
NAMED_FIELDS: Final = re.compile(
    r"(?P<names>[A-Za-z_][A-Za-z0-9_.]*(?:, [A-Za-z_][A-Za-z0-9_.]*)*): (?P<rule>.+)", re.DOTALL
)
"""A rule that names its fields first, as a model's own checks do: "reason: a notice other..."."""
FIELD_PATH: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
ALSO_CHECK: Final = re.compile(r"(?P<main>.*?) \(also check: (?P<others>.*)\)", re.DOTALL)


def _rule(one: FormField | None, error: ErrorDetails) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind == "missing":
        return MISSING_RULES.get(one.kind, "enter a value") if one else "enter a value"
    if kind == "value_error" and one is not None and one.kind == "email":
        # The email checker's own message quotes the characters it refused.
        return "must be an email address, like name@example.com"
    if kind in COMPARISONS:
        bound, wording = COMPARISONS[kind]
        return wording.format(context.get(bound))
    if kind in ("too_short", "too_long") and one is not None and one.kind == "checkboxes":
        count = context.get("min_length" if kind == "too_short" else "max_length")
        return f"select {'at least' if kind == 'too_short' else 'at most'} {count}"
    if kind in ("too_short", "too_long") and one is not None and one.kind == "repeated":
        count = context.get("min_length" if kind == "too_short" else "max_length")
        return f"fill in {'at least' if kind == 'too_short' else 'at most'} {count}"
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    if kind in BUILT_IN_RULES:
        return BUILT_IN_RULES[kind]
    return _lower_first(printable(str(error["msg"])).removeprefix("Value error, "))


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _resolve(index: Mapping[str, FormField], path: str) -> FormField | None:
    """The field a dotted path is about: the longest prefix that is a field, so a list item
    (``stress_areas.0``) is its checkbox group."""
    parts = path.split(".")
    for end in range(len(parts), 0, -1):
        found = index.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None


def _index(model: type[BaseModel] | None) -> dict[str, FormField]:
    return {one.name: one for one in _walk(form_fields(model))}


def _message(fields: Sequence[FormField], rule: str) -> str:
    first, *others = [one.label for one in fields]
    return f"{' and '.join([first, *map(_lower_first, others)])}: {rule}"


def _named(
    index: Mapping[str, FormField], text: str, base: str = ""
) -> tuple[list[FormField], str] | None:
    """The fields a message names first, and the rest of it; None unless each is a field."""
    found = NAMED_FIELDS.fullmatch(text)
    if found is None:
        return None
    named = [_resolve(index, f"{base}{name}") for name in found["names"].split(", ")]
    fields = [one for one in named if one is not None]
    return (fields, found["rule"]) if len(fields) == len(named) else None


def _error(index: Mapping[str, FormField], path: str, rule: str) -> FieldError:
    one = _resolve(index, path) if path else None
    if one is not None:
        return FieldError(one.name, one.anchor, _message([one], rule))
    if path:
        # Not a field of this form (an authority chosen elsewhere on the page, say).
        return FieldError(path, _html_id(path), f"{humanise(path.rsplit('.', 1)[-1])}: {rule}")
    return FieldError("", "", _sentence(rule).removesuffix("."))


def errors_from_validation(
    model: type[BaseModel] | None, error: ValidationError
) -> list[FieldError]:
    """One GOV.UK message per field the model refused, in the model's order of checks:
    "Date of birth: a date of birth cannot be in the future", linked to its input. A check
    of the whole model that names its fields first ("notice_days: ...") is filed under them."""
    index = _index(model)
    found: list[FieldError] = []
    for detail in error.errors(include_url=False, include_input=False):
        path = field_path(detail["loc"])
        one = _resolve(index, path) if path else None
        if one is None or one.kind in GROUPS:
            named = _named(index, printable(str(detail["msg"])), f"{one.name}." if one else "")
            if named is not None:
                fields, rule = named
                found.append(FieldError(fields[0].name, fields[0].anchor, _message(fields, rule)))
                continue
        found.append(_error(index, path, _rule(one, detail)))
    return _one_per_field(found)


def errors_from_refusal(refusal: Refusal, model: type[BaseModel] | None = None) -> list[FieldError]:
    """A refusal from the application layer as GOV.UK messages. Its reason reads
    "field: rule (also check: other, fields)"; with the step's ``model`` the message uses the
    field's label and links to its input. A refusal that names no field (a gate on the whole
    step) is one message that links nowhere, unless its reason starts with a field's path.
    A gate that names each field it is about (``Refusal.problems``) marks every one of them."""
    index = _index(model)
    if refusal.field is None and refusal.problems:
        return _one_per_field([_error(index, name, rule) for name, rule in refusal.problems])
    reason = printable(refusal.reason)
    others: list[str] = []
    also = ALSO_CHECK.fullmatch(reason)
    if also is not None:
        reason = also["main"]
        others = [name for name in also["others"].split(", ") if FIELD_PATH.fullmatch(name)]
    if refusal.field is not None:
        found = [_error(index, refusal.field, reason.removeprefix(f"{refusal.field}: "))]
    else:
        named = _named(index, reason)
        if named is None:
            found = [_error(index, "", reason)]
        else:
            fields, rule = named
            found = [FieldError(fields[0].name, fields[0].anchor, _message(fields, rule))]
    found.extend(_error(index, name, "check this answer too") for name in others)
    return _one_per_field(found)


def _one_per_field(errors: Sequence[FieldError]) -> list[FieldError]:
    """The first message for each field: GOV.UK shows one at a time."""
    seen: set[str] = set()
    kept: list[FieldError] = []
    for one in errors:
        if one.field not in seen or not one.field:
            seen.add(one.field)
            kept.append(one)
    return kept


def form_errors(
    model: type[BaseModel] | None, payload: FormPayload, limits: InputLimits
) -> list[FieldError]:
    """Every problem with a posted form at once, as GOV.UK asks: what could not be read, then
    what the model refuses in the rest (a field is reported once). The server's own defaults
    (``with_happened_at``) are filled first, so a blank "happened at" is not an error."""
    if model is None:
        return list(payload.errors)
    try:
        model.model_validate(
            with_happened_at(model, payload.data, limits.now), context=limits.context()
        )
    except ValidationError as error:
        return _one_per_field([*payload.errors, *errors_from_validation(model, error)])
    return list(payload.errors)


def error_summary(errors: Sequence[FieldError]) -> list[dict[str, str]]:
    """The ``errorList`` of ``govukErrorSummary``: each message, linked to its input."""
    summary: list[dict[str, str]] = []
    for one in errors:
        item = (
            {"text": one.message, "href": f"#{one.anchor}"} if one.anchor else {"text": one.message}
        )
        if item not in summary:
            summary.append(item)
    return summary
