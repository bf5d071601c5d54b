"""Digests of the case records the audit chain covers: a case, its people, events, steps,
decisions and consents, and its timers, notifications (and their delivery), shares and staff
assignments.

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
    # Operational records (pathways.operational_coverage says since when each case must have
    # them covered). ``next_fire_at`` is left out: it is the sweep's own schedule, not shown,
    # and the sweep moves it without an audit event when a timer has nothing left to fire.
    "timer": CoveredTable(
        (
            "id",
            "case_id",
            "name",
            "rule_id",
            "citation",
            "closed_by",
            "owner_team",
            "started_at",
            "warn_at",
            "due_at",
            "status",
            "escalation_level",
            "escalation_chain",
            "recurring",
            "occurrence",
            "closed_at",
            "created_at",
        )
    ),
    # What a notification says and to whom, fixed when it is queued. Its route may be an
    # address (a referrer's e-mail), which retention replaces: it enters as its commitment.
    "notification": CoveredTable(
        (
            "id",
            "idempotency_key",
            "case_id",
            "case_reference",
            "event_type",
            "context",
            "recipient",
            "created_at",
        ),
        ("route",),
    ),
    # A notification's settled outcome (sent, or dead-lettered), under the key ``delivery:<id>``;
    # the sender's in-flight moves (claim, lease, temporary failure) are not covered.
    "delivery": CoveredTable(
        ("id", "status", "attempts", "delivered_at", "failed_at", "last_error_kind")
    ),
    "caseshare": CoveredTable(
        ("id", "case_id", "authority_id", "reason", "shared_by", "shared_at")
    ),
    "caseassignment": CoveredTable(("id", "case_id", "staff_id", "case_role")),
}
DATE_OF_BIRTH: Final = "date_of_birth"
DATE_OF_BIRTH_COMMITMENT: Final = "date_of_birth_commitment"
CONTACT_DETAILS: Final = "contact_details"
"""A person's, added after people were first covered (``_contact_details``)."""


def covered_fields(table: str) -> tuple[str, ...]:
    """Every field a record's digest reads."""
    spec = COVERED[table]
    extra = (DATE_OF_BIRTH, DATE_OF_BIRTH_COMMITMENT, CONTACT_DETAILS) if table == "person" else ()
    return (*spec.fields, *spec.personal, *spec.personal_json, *extra)


def record_key(table: str, record_id: int) -> str:
    """How an audit event's ``covers`` names a record: ``casestep:12``."""
    return f"{table}:{record_id}"


_AS_STORED: Final = frozenset({str, int, float, bool, type(None), list, dict})
"""Types ``_plain`` returns unchanged: looked up before calling it, as most values are."""
_CANONICAL: Final = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)
"""What ``json.dumps`` with these options builds anew on every call (a sweep digests
thousands of records); the output is the same."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _committed_leaves(value: Any, salt: str, key: bytes | None) -> Any:
    if isinstance(value, str):
        return committed(value, salt, key)
    if isinstance(value, list | tuple):
        return [_committed_leaves(item, salt, key) for item in value]
    if isinstance(value, dict):
        return {name: _committed_leaves(item, salt, key) for name, item in value.items()}
    return value


def _date_of_birth(values: Mapping[str, Any], salt: str, key: bytes | None) -> str:
    """A date of birth's commitment, whether the date is still there or retention cleared it."""
    kept = values.get(DATE_OF_BIRTH_COMMITMENT)
    if kept is not None:
        return str(kept)
    born = values.get(DATE_OF_BIRTH)
    return committed(born.isoformat() if isinstance(born, date) else born, salt, key)


def _contact_details(
    material: dict[str, Any], values: Mapping[str, Any], salt: str, key: bytes | None
) -> None:
    """Personal, so it enters as its commitment; but only when set: every person row written
    before the column existed has none, and its digest, already in the chain, must not change.
    (A missing value is left out rather than committed as ``none``, which would change it.)"""
    value = values.get(CONTACT_DETAILS)
    if value is not None:
        material[CONTACT_DETAILS] = committed(value, salt, key)


def record_digest(
    table: str, values: Mapping[str, Any], salt: str, key: bytes | None = None
) -> str:
    """``sha256:<hex>`` over one record's covered fields, personal ones as commitments.

    ``values`` is the row as a mapping (an ORM object's attributes will do); ``salt`` is its
    case's ``pii_salt``, and ``key`` the commitment key that salt names (None for a plain one).
    """
    spec = COVERED[table]
    material: dict[str, Any] = {"table": table}
    for name in spec.fields:
        value = values[name]
        material[name] = value if type(value) in _AS_STORED else _plain(value)
    material.update({name: committed(values[name], salt, key) for name in spec.personal})
    material.update(
        {name: _committed_leaves(values[name], salt, key) for name in spec.personal_json}
    )
    if table == "person":
        material[DATE_OF_BIRTH] = _date_of_birth(values, salt, key)
        _contact_details(material, values, salt, key)
    encoded = _CANONICAL.encode(material)
    return "sha256:" + hashlib.sha256(encoded.encode("utf-8")).hexdigest()
