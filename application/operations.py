"""The operations page's use cases, for operators only: the dead letters and putting them back
in the queue, the overdue timers that no one on the case owns, and when the sweep and the
delivery run last finished.

The role is checked here, not at the edge, and a refusal is audited. Nothing read here carries
a message's body or route: a dead letter is shown by its case, event, recipient label and the
class of its error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import ceil
from typing import Any, Final, cast

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from application.case_views import OPEN_TIMER_STATUSES
from application.job_runs import DELIVERY, SWEEP, LastRun, last_runs
from application.outbox_admin import (
    NotDeadError,
    UnknownNotificationError,
    dead_letter_summary,
    retry_dead_letters,
)
from application.principals import Acting, audit_refusal
from infrastructure.authority_config import rule_overrides_for
from models import Case, CaseAssignment, StaffMember, Timer
from notifications.messages import owning_team_label
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.notification_lifecycle import KIND_LABELS, FailureKind
from pathways.refusal import Refusal
from pathways.roles import OPERATOR_ROLE
from pathways.vocabulary import StaffTeam, values_of

DEAD_LETTERS_SHOWN: Final = 50
PAGE_SIZE: Final = 25
MAX_PAGE_SIZE: Final = 100
JOINT: Final = "joint"
NOT_AN_OPERATOR: Final = Refusal(
    "role_not_held", "role: the operations page is for operators only", "role"
)


def operator_acting(
    session: Session, viewer: Acting, *, attempted: str, at: datetime
) -> Acting | Refusal:
    """The viewer acting as operator; else a refusal, audited in the caller's transaction."""
    if OPERATOR_ROLE in viewer.principal.roles:
        return Acting(viewer.principal, OPERATOR_ROLE)
    return audit_refusal(
        session, viewer, NOT_AN_OPERATOR, attempted=attempted, case_reference=None, at=at
    )


@dataclass(frozen=True)
class DeadLetter:
    id: int
    case_reference: str | None
    event_type: str
    recipient: str
    """The label the route stands for (e.g. 'lha'), never the route itself."""
    attempts: int
    error_kind: str | None
    error_label: str
    failed_at: datetime | None
    alerted: bool


@dataclass(frozen=True)
class DeadLetters:
    total: int
    by_kind: dict[str, int]
    """Error label -> how many dead letters failed with it."""
    rows: list[DeadLetter]
    """The newest, newest first."""


def _label(kind: str | None) -> str:
    return KIND_LABELS.get(cast(FailureKind, kind), kind) if kind else "unknown"


def dead_letters(session: Session, *, limit: int = DEAD_LETTERS_SHOWN) -> DeadLetters:
    summary = dead_letter_summary(session, limit=limit)
    rows = [
        DeadLetter(
            id=row.id,
            case_reference=row.case_reference,
            event_type=row.event_type,
            recipient=row.recipient,
            attempts=row.attempts,
            error_kind=row.error_kind,
            error_label=_label(row.error_kind),
            failed_at=row.failed_at,
            alerted=row.alerted_at is not None,
        )
        for row in summary.newest
    ]
    labelled = {_label(kind): count for kind, count in summary.by_kind.items()}
    return DeadLetters(total=summary.total, by_kind=labelled, rows=rows)


def retry(
    session: Session, viewer: Acting, now: datetime, notification_id: int | None = None
) -> list[int] | Refusal:
    """Queues one dead letter (or every one) again: the ids queued, or why not."""
    operator = operator_acting(session, viewer, attempted="operations.retry", at=now)
    if isinstance(operator, Refusal):
        return operator
    try:
        return retry_dead_letters(
            session,
            now=now,
            actor=operator.username,
            role=operator.role,
            notification_id=notification_id,
        )
    except UnknownNotificationError as missing:
        return Refusal("not_found", f"notification: {missing}", "notification")
    except NotDeadError as live:
        return Refusal("not_allowed_now", f"notification: {live}", "notification")


@dataclass(frozen=True)
class UnownedTimer:
    case_reference: str
    pathway_title: str
    authority_id: str
    title: str
    rule_id: str
    owner_team: str
    """Who should own it: a team label, e.g. 'Housing (LHA)'."""
    due_at: datetime
    unit: str
    """What its rule counts in ("hours", "days", "working_days"): how lateness is told."""
    alerted: bool
    """The sweep has marked it breached (its overdue alert went out)."""


@dataclass(frozen=True)
class TimerPage:
    rows: list[UnownedTimer]
    total: int
    page: int
    pages: int


def _overdue(now: datetime) -> ColumnElement[bool]:
    # As application.case_views.is_overdue: breached, or past due and not swept yet.
    return or_(
        col(Timer.status) == "breached",
        and_(col(Timer.status).in_(OPEN_TIMER_STATUSES), col(Timer.due_at) <= now),
    )


def _owned() -> ColumnElement[bool]:
    """Someone active of the owning team is named on the timer's case; either agency's
    officer owns a joint timer, as either of them will chase it."""
    of_the_team = or_(
        col(StaffMember.team) == col(Timer.owner_team),
        and_(col(Timer.owner_team) == JOINT, col(StaffMember.team).in_(values_of(StaffTeam))),
    )
    return (
        select(CaseAssignment.id)
        .join(StaffMember, col(StaffMember.id) == col(CaseAssignment.staff_id))
        .where(
            col(CaseAssignment.case_id) == col(Timer.case_id),
            col(StaffMember.active),
            of_the_team,
        )
        .exists()
    )


def _timer_title(pathway: str, version: str, authority_id: str, name: str) -> tuple[str, str]:
    definition = get_definition(pathway, version)
    spec = definition.timers.get(name)
    title = spec.title_for(rule_overrides_for(authority_id)) if spec else name
    return definition.title, title


def overdue_unowned_timers(
    session: Session, now: datetime, *, page: int = 1, page_size: int = PAGE_SIZE
) -> TimerPage:
    """One page of the overdue timers whose case names no one of the owning team, the longest
    overdue first. Counted and paged in the database: one count and one page of rows."""
    size = max(1, min(page_size, MAX_PAGE_SIZE))
    filters = [_overdue(now), ~_owned()]
    total = session.exec(select(func.count()).select_from(Timer).where(*filters)).one()
    pages = max(1, ceil(total / size))
    current = max(1, min(page, pages))
    columns: list[Any] = [
        Timer.name,
        Timer.rule_id,
        Timer.owner_team,
        Timer.due_at,
        Timer.status,
        Case.reference,
        Case.pathway,
        Case.definition_version,
        Case.authority_id,
    ]
    found = session.execute(
        select(*columns)
        .join(Case, col(Case.id) == col(Timer.case_id))
        .where(*filters)
        .order_by(col(Timer.due_at), col(Timer.id))
        .offset((current - 1) * size)
        .limit(size)
    ).all()
    rows = []
    for name, rule_id, team, due_at, status, reference, pathway, version, authority in found:
        pathway_title, title = _timer_title(pathway, version, authority, name)
        rows.append(
            UnownedTimer(
                case_reference=reference,
                pathway_title=pathway_title,
                authority_id=authority,
                title=title,
                rule_id=rule_id,
                owner_team=owning_team_label(team),
                due_at=due_at,
                unit=rule.unit if (rule := RULES.get(rule_id)) else "hours",
                alerted=status == "breached",
            )
        )
    return TimerPage(rows=rows, total=total, page=current, pages=pages)


@dataclass(frozen=True)
class OperationsView:
    dead_letters: DeadLetters
    unowned_timers: TimerPage
    last_sweep: LastRun | None
    last_delivery: LastRun | None
    now: datetime


def operations_view(
    session: Session, viewer: Acting, now: datetime, *, timers_page: int = 1
) -> OperationsView | Refusal:
    """What the operations page shows, or an audited refusal for a viewer who is no operator."""
    operator = operator_acting(session, viewer, attempted="operations.view", at=now)
    if isinstance(operator, Refusal):
        return operator
    runs = last_runs(session)
    return OperationsView(
        dead_letters=dead_letters(session),
        unowned_timers=overdue_unowned_timers(session, now, page=timers_page),
        last_sweep=runs.get(SWEEP),
        last_delivery=runs.get(DELIVERY),
        now=now,
    )
