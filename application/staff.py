"""Named staff: adding a member of staff and putting them on a case, each write audited.

Named staff receive a case's ``case_staff`` alerts and stand in for ``role:<role>`` recipients
at their authority (notifications/recipients.py). Bad input raises ``StaffError`` naming the field
before anything is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import validate_email
from pydantic_core import PydanticCustomError
from sqlmodel import Session, select

from application.cases import load_case
from infrastructure import audit
from models import Authority, CaseAssignment, StaffMember
from pathways.roles import ROLES

StaffTeam = Literal["lha", "ics"]


class StaffError(ValueError):
    """A member of staff or an assignment the rules do not allow; the message names the field."""


def _checked_email(address: str) -> str:
    try:
        return validate_email(address)[1]
    except PydanticCustomError as error:
        raise StaffError(f"email: '{address}' is not a valid e-mail address ({error})") from None


def _staff_by_username(session: Session, username: str) -> StaffMember | None:
    return session.exec(select(StaffMember).where(StaffMember.username == username)).first()


def add_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    email: str,
    role: str,
    team: str,
    authority_id: str | None,
    actor: str,
    actor_role: str,
    basis: str,
    at: datetime | None = None,
) -> StaffMember:
    """Adds one member of staff in the caller's transaction and audits it."""
    if not username.strip():
        raise StaffError("username: must not be blank")
    if not display_name.strip():
        raise StaffError("display_name: must not be blank")
    address = _checked_email(email)
    if role not in ROLES:
        raise StaffError(f"role: unknown role '{role}' (known: {', '.join(sorted(ROLES))})")
    if team not in get_args(StaffTeam):
        raise StaffError(f"team: must be one of {', '.join(get_args(StaffTeam))}, not '{team}'")
    if authority_id is not None and session.get(Authority, authority_id) is None:
        raise StaffError(f"authority: unknown authority '{authority_id}'")
    if _staff_by_username(session, username) is not None:
        raise StaffError(f"username: '{username}' is already taken")
    staff = StaffMember(
        username=username,
        display_name=display_name,
        email=address,
        role=role,
        authority_id=authority_id,
        team=team,
    )
    session.add(staff)
    session.flush()
    audit.record(
        session,
        actor=actor,
        role=actor_role,
        action="directory.staff.created",
        after={
            "username": username,
            "display_name": display_name,
            "email": address,
            "role": role,
            "team": team,
            "authority": authority_id,
        },
        basis=basis,
        at=at,
    )
    return staff


def assign_staff(
    session: Session,
    case_reference: str,
    username: str,
    *,
    actor: str,
    actor_role: str,
    basis: str,
    case_role: str | None = None,
    at: datetime | None = None,
) -> CaseAssignment:
    """Names a member of staff on a case (in their own role unless ``case_role`` is given).

    Assigning someone already on the case in that role changes nothing and audits nothing.
    """
    case = load_case(session, case_reference)
    staff = _staff_by_username(session, username)
    if staff is None:
        raise StaffError(f"username: no member of staff '{username}'")
    if not staff.active:
        raise StaffError(f"username: '{username}' is not active")
    role_on_case = case_role or staff.role
    if role_on_case not in ROLES:
        raise StaffError(f"case_role: unknown role '{role_on_case}'")
    existing = session.exec(
        select(CaseAssignment).where(
            CaseAssignment.case_id == case.id,
            CaseAssignment.staff_id == staff.id,
            CaseAssignment.case_role == role_on_case,
        )
    ).first()
    if existing is not None:
        return existing
    assignment = CaseAssignment(
        case_id=case.id or 0, staff_id=staff.id or 0, case_role=role_on_case
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        actor=actor,
        role=actor_role,
        action="case.staff.assigned",
        case_reference=case.reference,
        after={"username": username, "case_role": role_on_case},
        basis=basis,
        at=at,
    )
    return assignment
