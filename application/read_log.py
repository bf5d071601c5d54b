"""Who has read a case's personal data: each read is an audit event, and an auditor lists them.

A read is written in the same transaction as the read itself, so a page, an API answer or a
CLI print that showed a name cannot exist without its row. The row says which view showed it,
never what it showed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlmodel import Session, col, select

from application.cases import CaseNotFoundError, check_access, load_case
from application.principals import Acting, audit_refusal
from infrastructure import audit, clock
from infrastructure.db import get_engine, session_scope
from models import AuditEvent
from pathways.refusal import Refusal
from pathways.roles import Role

PERSONAL_DATA_READ: Final = "case.personal_data.read"
BASIS: Final = "UK GDPR Art. 5(2) accountability and Art. 32 (a record of access to personal data)"
ReadView = Literal["people-page", "people-api", "people-cli", "s208-notice"]
"""Each place that shows a case's personal data."""
AUDITOR: Final[Role] = "auditor"
NOT_AN_AUDITOR: Final = Refusal(
    "role_not_held", "role: who has read a case's personal data is shown to an auditor", "role"
)


def record_read(
    session: Session, acting: Acting, case_reference: str, view: ReadView, at: datetime
) -> None:
    """Audits that ``acting`` was shown the case's personal data through ``view``, in the
    caller's transaction."""
    audit.record(
        session,
        actor=acting.username,
        role=acting.role,
        action=PERSONAL_DATA_READ,
        case_reference=case_reference,
        after={"view": view},
        basis=BASIS,
        at=at,
    )


@dataclass(frozen=True)
class Reader:
    at: datetime
    username: str
    role: str
    view: str


def readers_of(session: Session, reference: str) -> list[Reader]:
    """Every read of the case's personal data, oldest first (the audit chain's order)."""
    rows = session.exec(
        select(AuditEvent)
        .where(AuditEvent.case_reference == reference, AuditEvent.action == PERSONAL_DATA_READ)
        .order_by(col(AuditEvent.id))
    ).all()
    return [
        Reader(row.occurred_at, row.actor, row.role, str((row.after or {}).get("view", "")))
        for row in rows
    ]


@dataclass(frozen=True)
class CaseReaders:
    reference: str
    readers: list[Reader]


def case_readers(
    session: Session, viewer: Acting, reference: str, at: datetime
) -> CaseReaders | Refusal:
    """The readers of a case of the auditor's authority (or shared with it); anyone else is
    refused, and the refusal audited."""
    try:
        case = load_case(session, reference)
    except CaseNotFoundError as missing:
        return missing.refusal()
    refused = check_access(session, viewer, case, attempted="case.readers", at=at)
    if refused is not None:
        return refused
    if AUDITOR not in viewer.principal.roles:
        return audit_refusal(
            session,
            viewer,
            NOT_AN_AUDITOR,
            attempted="case.readers",
            case_reference=reference,
            at=at,
        )
    return CaseReaders(case.reference, readers_of(session, case.reference))


def show_readers(viewer: Acting, reference: str) -> CaseReaders | Refusal:
    """``case_readers`` in its own transaction, at the application clock's time."""
    engine = get_engine()
    with session_scope(engine) as session:
        return case_readers(session, viewer, reference, clock.now(engine))
