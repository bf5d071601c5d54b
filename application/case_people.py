"""The one view of who a case is about: the names, dates of birth and contact details of its
people.

Every other view names people by relationship only. This one is for the staff who work the
case, and every time it is shown the read is audited (``application.read_log``). The auditor
role is not among them: an auditor reviews how a case was handled (its steps, decisions,
timers and who read what), which the case reference carries without anyone's name, so
showing names to it would be more than its purpose needs (UK GDPR Art. 5(1)(c)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlmodel import Session, col, select

from application.cases import CaseNotFoundError, check_access, load_case
from application.people_in_inputs import described, recorded_with
from application.principals import Acting, audit_refusal
from application.read_log import ReadView, record_read
from application.retention import retention_policy
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from models import Case, Person
from pathways.commitments import is_commitment
from pathways.refusal import Refusal
from pathways.retention import RetentionPolicy, retention_date
from pathways.roles import COORDINATOR, ICS_ROLES, LHA_ROLES, Role

WORKING_ROLES: Final[frozenset[Role]] = LHA_ROLES | ICS_ROLES | frozenset({COORDINATOR})
"""The roles that work a case: housing and children's services practitioners and managers, and
the coordinator who records the intake. Not the auditor, the operator or the system."""
NOT_WORKING_THE_CASE: Final = Refusal(
    "role_not_held",
    "role: a case's personal details are shown to the housing and children's services staff "
    "who work it, and to coordinators: not to the auditor or operator roles",
    "role",
)


@dataclass(frozen=True)
class PersonShown:
    relationship: str
    full_name: str | None
    """None once retention has replaced it by its commitment."""
    date_of_birth: date | None
    anonymised: bool
    contact_details: str | None = None
    """None when not recorded, and once retention has replaced it by its commitment."""
    household_relationship: str | None = None
    """A household member's relationship (parent, child, partner, other_adult)."""
    described_as: str = ""
    """The relationship in words: "household member 2 (child)", "young person"."""


@dataclass(frozen=True)
class CasePeople:
    reference: str
    status: str
    people: list[PersonShown]
    closed_at: datetime | None
    retained_until: datetime | None
    """When the case's personal data falls due for anonymising; None while the case is open."""
    policy: RetentionPolicy


def working_role(viewer: Acting) -> Role | None:
    """The role the read is made in: the viewer's own if it works the case, else the first
    such role they hold (a page has no role to choose), else None."""
    if viewer.role in WORKING_ROLES:
        return viewer.role
    return next((role for role in sorted(viewer.principal.roles) if role in WORKING_ROLES), None)


def _shown(person: Person, others: dict[int, dict[str, object]]) -> PersonShown:
    anonymised = is_commitment(person.full_name)
    kind = others.get(person.id or 0, {}).get("relationship")
    # Retention replaces a coded answer kept beside the marker too: a commitment says nothing.
    household = kind if isinstance(kind, str) and not is_commitment(kind) else None
    words = described(person.relationship_to_case)
    contact = person.contact_details
    return PersonShown(
        relationship=person.relationship_to_case,
        full_name=None if anonymised else person.full_name,
        date_of_birth=person.date_of_birth,
        anonymised=anonymised,
        contact_details=None if contact is None or is_commitment(contact) else contact,
        household_relationship=household,
        described_as=f"{words} ({household.replace('_', ' ')})" if household else words,
    )


def _people_of(session: Session, case: Case) -> list[PersonShown]:
    people = session.exec(
        select(Person).where(Person.case_id == case.id).order_by(col(Person.id))
    ).all()
    others = recorded_with(session, case)
    return [_shown(person, others) for person in people]


def case_people(
    session: Session, viewer: Acting, reference: str, view: ReadView, at: datetime
) -> CasePeople | Refusal:
    """The case's people, for staff who work it; the read is audited in this transaction, and
    so is a refusal."""
    try:
        case = load_case(session, reference)
    except CaseNotFoundError as missing:
        return missing.refusal()
    refused = check_access(session, viewer, case, attempted="case.people", at=at)
    if refused is not None:
        return refused
    role = working_role(viewer)
    if role is None:
        return audit_refusal(
            session,
            viewer,
            NOT_WORKING_THE_CASE,
            attempted="case.people",
            case_reference=case.reference,
            at=at,
        )
    people = _people_of(session, case)
    record_read(session, Acting(viewer.principal, role), case.reference, view, at)
    policy = retention_policy()
    return CasePeople(
        reference=case.reference,
        status=case.status,
        people=people,
        closed_at=case.closed_at,
        retained_until=(
            retention_date(case.closed_at, policy.years) if case.closed_at is not None else None
        ),
        policy=policy,
    )


def show_people(viewer: Acting, reference: str, view: ReadView) -> CasePeople | Refusal:
    """``case_people`` in its own transaction, at the application clock's time."""
    engine = get_engine()
    with session_scope(engine) as session:
        return case_people(session, viewer, reference, view, clock.now(engine))
