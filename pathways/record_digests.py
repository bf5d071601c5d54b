"""Digests of the case records the audit chain covers: a case, its people, events, steps,
decisions and consents.

An audit event carries the digest of each record it wrote, and ``verify`` recomputes them from
the live rows, so an edit behind the service's back (say, a step's ``completed_by``) is caught
and named. Each table's fields are listed here, not read from the model: a column added later
must not change the digest of a record written before it.

Personal values enter a digest as their commitment (``pathways.commitments``), so retention can
replace them by that commitment and every digest stays the same.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final

from pathways.commitments import committed


@dataclass(frozen=True)
class CoveredTable:
    fields: tuple[str, ...]
    """Stored as they are (times in UTC, JSON canonical)."""
    personal: tuple[str, ...] = ()
    """Text that enters as its commitment."""
    personal_json: tuple[str, ...] = ()
    """JSON whose every string leaf enters as its commitment."""


COVERED: Final[dict[str, CoveredTable]] = {
    "case": CoveredTable(
        (
            "id",
            "reference",
            "pathway",
            "definition_version",
            "authority_id",
            "state",
            "status",
            "outcome_code",
            "duty_outcome",
            "linked_case_id",
            "facts",
            "version",
            "opened_at",
            "closed_at",
        )
    ),
    "person": CoveredTable(("id", "case_id", "relationship_to_case"), ("full_name",)),
    "caseevent": CoveredTable(
        (
            "id",
            "case_id",
            "transition",
            "actor",
            "role",
            "idempotency_key",
            "status",
            "rejection_reason",
            "occurred_at",
            "recorded_at",
            "applied_at",
        ),
        personal_json=("payload",),
    ),
    "casestep": CoveredTable(
        (
            "id",
            "case_id",
            "step",
            "status",
            "opened_at",
            "completed_at",
            "completed_by",
            "event_id",
        )
    ),
    "decision": CoveredTable(
        (
            "id",
            "case_id",
            "kind",
            "outcome",
            "decided_by",
            "role",
            "basis",
            "decided_at",
            "event_id",
        ),
        ("rationale",),
    ),
    "consentrecord": CoveredTable(
        (
            "id",
            "case_id",
            "person_id",
            "purpose",
            "given",
            "safeguarding_override",
            "recorded_by",
            "recorded_role",
            "recorded_at",
        ),
        ("scope", "override_rationale"),
    ),
}
DATE_OF_BIRTH: Final = "date_of_birth"
DATE_OF_BIRTH_COMMITMENT: Final = "date_of_birth_commitment"


def covered_fields(table: str) -> tuple[str, ...]:
    """Every field a record's digest reads."""
    spec = COVERED[table]
    extra = (DATE_OF_BIRTH, DATE_OF_BIRTH_COMMITMENT) if table == "person" else ()
    return (*spec.fields, *spec.personal, *spec.personal_json, *extra)


def record_key(table: str, record_id: int) -> str:
    """How an audit event's ``covers`` names a record: ``casestep:12``."""
    return f"{table}:{record_id}"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _committed_leaves(value: Any, salt: str) -> Any:
    if isinstance(value, str):
        return committed(value, salt)
    if isinstance(value, list | tuple):
        return [_committed_leaves(item, salt) for item in value]
    if isinstance(value, dict):
        return {key: _committed_leaves(item, salt) for key, item in value.items()}
    return value


def _date_of_birth(values: Mapping[str, Any], salt: str) -> str:
    """A date of birth's commitment, whether the date is still there or retention cleared it."""
    kept = values.get(DATE_OF_BIRTH_COMMITMENT)
    if kept is not None:
        return str(kept)
    born = values.get(DATE_OF_BIRTH)
    return committed(born.isoformat() if isinstance(born, date) else born, salt)


def record_digest(table: str, values: Mapping[str, Any], salt: str) -> str:
    """``sha256:<hex>`` over one record's covered fields, personal ones as commitments.

    ``values`` is the row as a mapping (an ORM object's attributes will do); ``salt`` is its
    case's ``pii_salt``.
    """
    spec = COVERED[table]
    material: dict[str, Any] = {"table": table}
    material.update({name: _plain(values[name]) for name in spec.fields})
    material.update({name: committed(values[name], salt) for name in spec.personal})
    material.update({name: _committed_leaves(values[name], salt) for name in spec.personal_json})
    if table == "person":
        material[DATE_OF_BIRTH] = _date_of_birth(values, salt)
    encoded = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(encoded.encode("utf-8")).hexdigest()
