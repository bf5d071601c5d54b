"""Reading the audit trail: the events of one case or of all, between two dates, oldest first.

A member of staff reads the events of the cases they may see (their authorities' own and
those shared with them); events on no case (staff, directory, accounts) are the operator's, read
on the server without ``--as``. Audit rows carry no one's name or date of birth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import ColumnElement, or_
from sqlmodel import Session, col, select

from application.case_views import visible_parts
from application.cases import check_access, load_case
from application.principals import Acting
from models import AuditEvent, Case
from pathways.calendar import start_of_day
from pathways.refusal import Refusal

MAX_ROWS: Final = 10_000


@dataclass(frozen=True)
class AuditLogRow:
    id: int
    occurred_at: datetime
    actor: str
    role: str
    action: str
    case_reference: str | None
    basis: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditLog:
    rows: list[AuditLogRow]
    more: bool
    """More events match than the limit let through."""


class AuditLogError(ValueError):
    """A filter the log cannot use; the message names the option and the rule."""


def _filters(
    case_reference: str | None, since: date | None, until: date | None
) -> list[ColumnElement[bool]]:
    if since is not None and until is not None and since > until:
        raise AuditLogError(f"--from: {since} is after --to {until}")
    filters: list[ColumnElement[bool]] = []
    if case_reference is not None:
        filters.append(col(AuditEvent.case_reference) == case_reference)
    if since is not None:
        filters.append(col(AuditEvent.occurred_at) >= start_of_day(since))
    if until is not None:
        filters.append(col(AuditEvent.occurred_at) < start_of_day(until + timedelta(days=1)))
    return filters


def audit_log(
    session: Session,
    *,
    viewer: Acting | None = None,
    case_reference: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 1000,
) -> AuditLog | Refusal:
    """The events matching, oldest first; ``since`` and ``until`` are London days, both in.

    ``viewer`` None is the operator on the server, who reads every event. A case the viewer
    may not see is refused (and the attempt audited); an unknown one raises
    ``application.cases.CaseNotFoundError``.
    """
    if not 1 <= limit <= MAX_ROWS:
        raise AuditLogError(f"--limit: must be between 1 and {MAX_ROWS}")
    statement = select(AuditEvent).where(*_filters(case_reference, since, until))
    if case_reference is not None:
        case = load_case(session, case_reference)
        if viewer is not None:
            refused = check_access(session, viewer, case, attempted="audit.log", at=None)
            if refused is not None:
                return refused
    parts = visible_parts(viewer.principal) if viewer is not None else None
    if parts is not None:
        statement = statement.join(Case, col(Case.reference) == col(AuditEvent.case_reference))
        statement = statement.where(or_(*parts))
    events = session.exec(statement.order_by(col(AuditEvent.id)).limit(limit + 1)).all()
    rows = [
        AuditLogRow(
            id=event.id or 0,
            occurred_at=event.occurred_at,
            actor=event.actor,
            role=event.role,
            action=event.action,
            case_reference=event.case_reference,
            basis=event.basis,
            before=event.before,
            after=event.after,
        )
        for event in events[:limit]
    ]
    return AuditLog(rows, more=len(events) > limit)
