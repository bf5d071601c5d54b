"""The digests an audit event carries of the case records its change wrote.

A use case that writes a case, a person, an event, a step, a decision or a consent passes
``covers(case, *records)`` to ``audit.record`` in the same transaction; ``audit_integrity``
recomputes them from the live rows. Records must be flushed first: a digest names its id.
"""

from __future__ import annotations

from typing import Final

from sqlmodel import SQLModel

from models import Case, CaseEvent, CaseStep, ConsentRecord, Decision, Person
from pathways.record_digests import covered_fields, record_digest, record_key

TABLES: Final[dict[type[SQLModel], str]] = {
    Case: "case",
    Person: "person",
    CaseEvent: "caseevent",
    CaseStep: "casestep",
    Decision: "decision",
    ConsentRecord: "consentrecord",
}


def digest_of(record: SQLModel, salt: str) -> tuple[str, str]:
    """(its key, its digest): ``("casestep:12", "sha256:…")``."""
    table = TABLES[type(record)]
    values = {name: getattr(record, name) for name in covered_fields(table)}
    record_id = getattr(record, "id", None)
    if record_id is None:
        raise ValueError(f"{table}: flush the record before its digest is taken (no id yet)")
    return record_key(table, record_id), record_digest(table, values, salt)


def covers(case: Case, *records: SQLModel | None) -> dict[str, str]:
    """The case's own digest and each record's, salted with the case's ``pii_salt``."""
    return dict(
        digest_of(record, case.pii_salt) for record in (case, *records) if record is not None
    )
