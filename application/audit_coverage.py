"""The digests an audit event carries of the case records its change wrote.

A use case that writes a case, a person, an event, a step, a decision or a consent passes
``covers(case, *records)`` to ``audit.record`` in the same transaction; ``audit_integrity``
recomputes them from the live rows. Records must be flushed first: a digest names its id.
A timer, a notification, a share or an assignment is covered the same way; a case's opening
event also carries the scope marker (``pathways.operational_coverage``).
"""

from __future__ import annotations

from typing import Final

from sqlmodel import Session, SQLModel, col, select

from infrastructure.audit_keys import commitment_key
from models import (
    Case,
    CaseAssignment,
    CaseEvent,
    CaseShare,
    CaseStep,
    ConsentRecord,
    Decision,
    Notification,
    Person,
    Timer,
)
from pathways.operational_coverage import DELIVERY, SCOPE, SCOPE_KEY, delivery_digest
from pathways.record_digests import covered_fields, record_digest, record_key

TABLES: Final[dict[type[SQLModel], str]] = {
    Case: "case",
    Person: "person",
    CaseEvent: "caseevent",
    CaseStep: "casestep",
    Decision: "decision",
    ConsentRecord: "consentrecord",
    Timer: "timer",
    Notification: "notification",
    CaseShare: "caseshare",
    CaseAssignment: "caseassignment",
}
TRANSITION_KEYS: Final = "event:{event_id}:"
"""How the idempotency key of a message a transition queued starts
(``notifications.messages.queue_transition_notifications``)."""


def digest_of(record: SQLModel, salt: str) -> tuple[str, str]:
    """(its key, its digest): ``("casestep:12", "sha256:…")``. Personal values enter as
    commitments under the commitment key the salt names (CommitmentKeyError if not configured)."""
    table = TABLES[type(record)]
    values = {name: getattr(record, name) for name in covered_fields(table)}
    record_id = getattr(record, "id", None)
    if record_id is None:
        raise ValueError(f"{table}: flush the record before its digest is taken (no id yet)")
    return record_key(table, record_id), record_digest(table, values, salt, commitment_key(salt))


def covers(case: Case, *records: SQLModel | None, opening: bool = False) -> dict[str, str]:
    """The case's own digest and each record's, salted with the case's ``pii_salt``;
    ``opening``: the case is new, so every record of the operational tables will be covered."""
    covered = dict(
        digest_of(record, case.pii_salt) for record in (case, *records) if record is not None
    )
    if opening:
        covered[SCOPE_KEY] = SCOPE
    return covered


def covers_records(case: Case, *records: SQLModel) -> dict[str, str]:
    """Each record's digest but not the case's: for a change that did not write the case."""
    return dict(digest_of(record, case.pii_salt) for record in records)


def live_digests(record: SQLModel, salt: str) -> list[tuple[str, str]]:
    """Every key a live record answers for: a notification's delivery besides itself."""
    found = [digest_of(record, salt)]
    if isinstance(record, Notification):
        outcome = {name: getattr(record, name) for name in covered_fields(DELIVERY)}
        found.append(delivery_digest(outcome))
    return found


def queued_by(session: Session, event: CaseEvent) -> list[Notification]:
    """The messages applying ``event`` queued (their rows go in without the ORM)."""
    prefix = TRANSITION_KEYS.format(event_id=event.id)
    return list(
        session.exec(
            select(Notification)
            .where(
                col(Notification.case_id) == event.case_id,
                col(Notification.idempotency_key).startswith(prefix, autoescape=True),
            )
            .order_by(col(Notification.id))
        ).all()
    )
