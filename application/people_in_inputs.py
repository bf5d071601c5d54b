"""The people a step's input gives: kept in Person rows, and only there.

Each ``PersonDetails`` of a validated input, in a field of its own or as an item of a list of
them, becomes a Person row on the case when the step is submitted, at the opening or at any
later step. The stored payload keeps a marker in its place (a list of markers for a list), so
the event can be checked again when the flow applies it (``restore_people``) without a second
copy of anyone's details. A person in a list is labelled by the field and their place in it,
counted from 1: ``household_members.2``; that label is the row's ``relationship_to_case``.

A marker is ``{"person_on_case": label, "person_id": id}``, plus any field of the person that a
Person row has no column for (a household member's ``relationship``: a coded answer, which
retention still treats as personal, as it does every field of a ``PersonDetails``). Markers
written before ids were added name their row by label alone.

People are recorded once. A field whose people an event of the case already holds (the
opening's, or a later step's, pending or applied) cannot be given again: that step is refused,
and writes nothing. An event rejected when the flow applied it no longer counts: its rows stay
as the record of what it said (the audit chain covers them), and the step submitted again gets
rows of its own; each marker names its row by id, so the two are never confused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from pydantic import BaseModel
from sqlmodel import Session, col, select

from models import Case, CaseEvent, Person
from pathways.engine.inputs import PersonDetails
from pathways.refusal import Refusal

PERSON_MARKER: Final = "person_on_case"
PERSON_ID: Final = "person_id"
COLUMNS: Final = ("full_name", "date_of_birth", "contact_details")
"""The fields of a person that their Person row holds."""
LABEL_MAX: Final = 40
"""``Person.relationship_to_case``'s length."""


@dataclass(frozen=True)
class RecordedPerson:
    """One person an input gives: where they go in the payload, and their row's values."""

    field: str
    index: int | None
    """Their place in a list field, from 1; None for a field holding one person."""
    full_name: str
    date_of_birth: date | None = None
    contact_details: str | None = None
    extras: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Their other fields, as JSON: they stay beside the marker."""

    @property
    def label(self) -> str:
        return self.field if self.index is None else f"{self.field}.{self.index}"


def _recorded(name: str, index: int | None, person: PersonDetails) -> RecordedPerson:
    dumped = person.model_dump(mode="json")
    found = RecordedPerson(
        field=name,
        index=index,
        full_name=person.full_name,
        date_of_birth=person.date_of_birth,
        contact_details=getattr(person, "contact_details", None),
        extras={key: value for key, value in dumped.items() if key not in COLUMNS},
    )
    if len(found.label) > LABEL_MAX:
        # A definition's field name, never a value: no one's details are in this message.
        raise ValueError(f"{found.label}: a person's label is at most {LABEL_MAX} characters")
    return found


def _people_of(name: str, value: object) -> list[RecordedPerson] | None:
    if isinstance(value, PersonDetails):
        return [_recorded(name, None, value)]
    if isinstance(value, list) and value and all(isinstance(item, PersonDetails) for item in value):
        return [_recorded(name, number, item) for number, item in enumerate(value, start=1)]
    return None


def people_in(validated: BaseModel | None) -> tuple[list[RecordedPerson], dict[str, Any]]:
    """The input's people, and its JSON payload without the fields that hold them."""
    if validated is None:
        return [], {}
    people: list[RecordedPerson] = []
    fields: set[str] = set()
    for name in type(validated).model_fields:
        found = _people_of(name, getattr(validated, name))
        if found is not None:
            people.extend(found)
            fields.add(name)
    return people, validated.model_dump(mode="json", exclude=fields)


def person_rows(case_id: int, people: Iterable[RecordedPerson]) -> list[Person]:
    return [
        Person(
            case_id=case_id,
            relationship_to_case=person.label,
            full_name=person.full_name,
            date_of_birth=person.date_of_birth,
            contact_details=person.contact_details,
        )
        for person in people
    ]


def with_markers(
    payload: Mapping[str, Any],
    people: Sequence[RecordedPerson],
    rows: Sequence[Person] | None = None,
) -> dict[str, Any]:
    """``payload`` with a marker for each person; ``rows`` (flushed, in the order of
    ``people``) give each marker its row's id."""
    marked = dict(payload)
    for number, person in enumerate(people):
        marker: dict[str, Any] = {**person.extras, PERSON_MARKER: person.label}
        if rows is not None:
            marker[PERSON_ID] = rows[number].id
        if person.index is None:
            marked[person.field] = marker
        else:
            marked.setdefault(person.field, []).append(marker)
    return marked


def _is_marker(value: object) -> bool:
    return isinstance(value, dict) and PERSON_MARKER in value


def _holds_people(value: object) -> bool:
    return _is_marker(value) or (
        isinstance(value, list) and bool(value) and all(_is_marker(item) for item in value)
    )


def fields_with_people(payload: Mapping[str, Any]) -> set[str]:
    """The stored payload's fields that hold markers."""
    return {name for name, value in payload.items() if _holds_people(value)}


def _row_of(marker: Mapping[str, Any], rows: Sequence[Person]) -> Person:
    wanted = marker.get(PERSON_ID)
    if wanted is not None:
        found = next((row for row in rows if row.id == wanted), None)
    else:
        # A marker from before ids names its row by label alone: the latest such row.
        label = marker[PERSON_MARKER]
        found = next((row for row in reversed(rows) if row.relationship_to_case == label), None)
    if found is None:
        raise LookupError(f"no person row for {marker[PERSON_MARKER]} on this case")
    return found


def _restored_one(marker: Mapping[str, Any], rows: Sequence[Person]) -> dict[str, Any]:
    row = _row_of(marker, rows)
    restored = {
        key: value for key, value in marker.items() if key not in (PERSON_MARKER, PERSON_ID)
    }
    restored.update(full_name=row.full_name, date_of_birth=row.date_of_birth)
    if row.contact_details is not None:
        # Only then: a PersonDetails without the field refuses the key, even as None.
        restored["contact_details"] = row.contact_details
    return restored


def restored(payload: Mapping[str, Any], rows: Sequence[Person]) -> dict[str, Any]:
    """``payload`` with each marker replaced by its person's details again; ``rows`` are the
    case's people, oldest first."""
    result = dict(payload)
    for name in fields_with_people(payload):
        value = payload[name]
        result[name] = (
            [_restored_one(item, rows) for item in value]
            if isinstance(value, list)
            else _restored_one(value, rows)
        )
    return result


def restore_people(session: Session, case: Case, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The stored payload as it was validated: each marker replaced by its Person row."""
    if not fields_with_people(payload):
        return dict(payload)
    rows = session.exec(
        select(Person).where(Person.case_id == case.id).order_by(col(Person.id))
    ).all()
    return restored(payload, rows)


def _standing(session: Session, case: Case) -> list[dict[str, Any]]:
    """The stored payloads of the case's events that were not rejected, oldest first."""
    payloads = session.exec(
        select(CaseEvent.payload)
        .where(CaseEvent.case_id == case.id, col(CaseEvent.status) != "rejected")
        .order_by(col(CaseEvent.id))
    ).all()
    return [dict(payload or {}) for payload in payloads]


def already_recorded(
    session: Session, case: Case, people: Sequence[RecordedPerson]
) -> Refusal | None:
    """Refuses a step that gives people in a field an event of the case already holds
    (pending or applied): people are recorded once."""
    wanted = {person.field for person in people}
    if not wanted:
        return None
    held = set().union(*(fields_with_people(payload) for payload in _standing(session, case)))
    clash = sorted(wanted & held)
    if not clash:
        return None
    return Refusal(
        "refused",
        f"{clash[0]}: already recorded on this case by an earlier step; the people on a case "
        "are recorded once",
        clash[0],
    )


def write_people(session: Session, case: Case, people: Sequence[RecordedPerson]) -> list[Person]:
    """Their rows, flushed (so each has the id its marker names)."""
    rows = person_rows(case.id or 0, people)
    session.add_all(rows)
    session.flush()
    return rows


def markers_in(payload: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row id, the person's other fields) for each marker in a stored payload that names its
    row by id (a household member's ``relationship``)."""
    for name in fields_with_people(payload):
        value = payload[name]
        for marker in value if isinstance(value, list) else [value]:
            if isinstance(marker.get(PERSON_ID), int):
                others = {k: v for k, v in marker.items() if k not in (PERSON_MARKER, PERSON_ID)}
                yield marker[PERSON_ID], others


def recorded_with(session: Session, case: Case) -> dict[int, dict[str, Any]]:
    """Each person row's other fields, as their marker keeps them, by row id; from the events
    that were not rejected."""
    return {
        person_id: others
        for payload in _standing(session, case)
        for person_id, others in markers_in(payload)
    }


def described(label: str) -> str:
    """A label in words: ``household_members.2`` -> "household member 2",
    ``parent_or_pr_holder`` -> "parent or pr holder"."""
    name, _, number = label.rpartition(".")
    if name and number.isdigit():
        return f"{name.removesuffix('s').replace('_', ' ')} {number}"
    return label.replace("_", " ")
