"""Named staff: adding, disabling and listing them, and putting them on a case; each write
audited.

A member of staff signs in as a principal (``application.principals``), holds one or more
roles, receives a case's ``case_staff`` alerts and stands in for ``role:<role>`` recipients at
their authority (``notifications/recipients.py``). Bad input raises ``StaffError`` naming the
field before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from pydantic import validate_email
from pydantic_core import PydanticCustomError
from sqlmodel import Session, col, select

from application.audit_coverage import covers_records
from application.cases import load_case
from infrastructure import audit
from infrastructure.authority_config import authority_config
from models import Authority, CaseAssignment, StaffMember, StaffRole
from pathways.principal import SYSTEM_USERNAME
from pathways.roles import ROLES, SYSTEM_ROLE, Role, is_role
from pathways.vocabulary import StaffTeam


class StaffError(ValueError):
    """A member of staff or an assignment the rules do not allow; the message names the field."""


@dataclass(frozen=True)
class StaffView:
    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    authority_id: str | None
    team: str
    team_name: str | None
    active: bool


def _checked_email(address: str) -> str:
    try:
        return validate_email(address)[1]
    except PydanticCustomError as error:
        raise StaffError(f"email: '{address}' is not a valid e-mail address ({error})") from None


def _checked_roles(roles: Sequence[str]) -> list[Role]:
    if not roles:
        raise StaffError("roles: give at least one role")
    checked: list[Role] = []
    for role in roles:
        if not is_role(role):
            raise StaffError(f"role: unknown role '{role}' (known: {', '.join(sorted(ROLES))})")
        if role == SYSTEM_ROLE:
            raise StaffError("role: 'system' is not a role a person can hold")
        checked.extend(r for r in ROLES if r == role and r not in checked)
    return checked


def staff_by_username(session: Session, username: str) -> StaffMember | None:
    return session.exec(select(StaffMember).where(StaffMember.username == username)).first()


def roles_of(session: Session, staff: StaffMember) -> list[str]:
    return sorted(session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff.id)).all())


def add_staff(
    session: Session,
    *,
    username: str,
    display_name: str,
    email: str,
    roles: Sequence[str],
    team: str,
    authority_id: str | None,
    actor: str,
    actor_role: str,
    basis: str,
    team_name: str | None = None,
    at: datetime | None = None,
) -> StaffMember:
    """Adds one member of staff, with every role they hold, in the caller's transaction."""
    if not username.strip():
        raise StaffError("username: must not be blank")
    if username.strip().casefold() == SYSTEM_USERNAME:
        raise StaffError("username: 'system' is reserved for the timer sweep and recovery")
    if not display_name.strip():
        raise StaffError("display_name: must not be blank")
    address = _checked_email(email)
    held = _checked_roles(roles)
    if team not in get_args(StaffTeam):
        raise StaffError(f"team: must be one of {', '.join(get_args(StaffTeam))}, not '{team}'")
    if authority_id is not None and session.get(Authority, authority_id) is None:
        raise StaffError(f"authority: unknown authority '{authority_id}'")
    if team_name is not None and authority_config().team(team_name) is None:
        raise StaffError(f"team_name: no team '{team_name}' in the authority configuration")
    if staff_by_username(session, username) is not None:
        raise StaffError(f"username: '{username}' is already taken")
    staff = StaffMember(
        username=username,
        display_name=display_name,
        email=address,
        authority_id=authority_id,
        team=team,
        team_name=team_name,
    )
    session.add(staff)
    session.flush()
    session.add_all(StaffRole(staff_id=staff.id or 0, role=role) for role in held)
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
            "roles": list(held),
            "team": team,
            "team_name": team_name,
            "authority": authority_id,
        },
        basis=basis,
        at=at,
    )
    return staff


def disable_staff(
    session: Session,
    username: str,
    *,
    actor: str,
    actor_role: str,
    basis: str,
    at: datetime | None = None,
) -> StaffMember:
    """A disabled member of staff can no longer act or receive alerts; their history stays."""
    staff = staff_by_username(session, username)
    if staff is None:
        raise StaffError(f"username: no member of staff '{username}'")
    if not staff.active:
        return staff
    staff.active = False
    session.add(staff)
    audit.record(
        session,
        actor=actor,
        role=actor_role,
        action="directory.staff.disabled",
        before={"username": username, "active": True},
        after={"username": username, "active": False},
        basis=basis,
        at=at,
    )
    return staff


def list_staff(session: Session, authority_id: str | None = None) -> list[StaffView]:
    statement = select(StaffMember).order_by(col(StaffMember.username))
    if authority_id is not None:
        statement = statement.where(StaffMember.authority_id == authority_id)
    return [
        StaffView(
            staff.username,
            staff.display_name,
            staff.email,
            tuple(roles_of(session, staff)),
            staff.authority_id,
            staff.team,
            staff.team_name,
            staff.active,
        )
        for staff in session.exec(statement).all()
    ]


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
    """Names a member of staff on a case, in a role they hold (their only one unless
    ``case_role`` says which). Assigning someone already on the case in that role changes
    nothing and audits nothing."""
    case = load_case(session, case_reference)
    staff = staff_by_username(session, username)
    if staff is None:
        raise StaffError(f"username: no member of staff '{username}'")
    if not staff.active:
        raise StaffError(f"username: '{username}' is not active")
    held = roles_of(session, staff)
    role_on_case = case_role or held[0]
    if role_on_case not in held:
        raise StaffError(
            f"case_role: '{username}' does not hold '{role_on_case}' (holds: {', '.join(held)})"
        )
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
        after={"username": username, "case_role": role_on_case},
        case_reference=case.reference,
        basis=basis,
        at=at,
        covers=covers_records(case, assignment),
    )
    return assignment
