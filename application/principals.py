"""Who is acting, resolved once at the edge from the staff directory, never from what the
caller types about themselves.

``sign_in`` turns a username into a ``Principal`` (roles held, authority, the districts their
team covers); ``acting`` also chooses the role to act in. An unknown or disabled user, a role
the person does not hold, an ambiguous role or a claim to be the system is a typed refusal,
and the attempt is audited: who tried, as what, and which rule said no.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlmodel import Session, col, select

from infrastructure import audit
from infrastructure.authority_config import authority_config
from models import StaffMember, StaffRole
from pathways.principal import SYSTEM, SYSTEM_USERNAME, Actor, Principal, choose_role
from pathways.refusal import Refusal
from pathways.roles import SYSTEM_ROLE, Role, parse_role

BASIS = "roles enforced on the server (ARCHITECTURE.md principle 9; spec §0.3)"
MAX_CLAIMED = 80


@dataclass(frozen=True)
class Acting:
    """A principal acting in one of their roles: what every write takes."""

    principal: Principal
    role: Role

    @property
    def actor(self) -> Actor:
        return self.principal.acting_as(self.role)

    @property
    def username(self) -> str:
        return self.principal.username


def _printable(text: str) -> str:
    # What the caller typed goes into the audit row, so it is cut short and made printable.
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    return cleaned[:MAX_CLAIMED] or "(blank)"


def covered_authorities(staff: StaffMember) -> frozenset[str]:
    """Their team's districts where a team is configured, else their own authority."""
    if staff.team_name:
        team = authority_config().team(staff.team_name)
        if team is not None:
            return frozenset(team.covers)
    return frozenset({staff.authority_id}) if staff.authority_id else frozenset()


def principal_of(session: Session, staff: StaffMember) -> Principal:
    held = session.exec(select(StaffRole.role).where(StaffRole.staff_id == staff.id)).all()
    return Principal(
        username=staff.username,
        display_name=staff.display_name,
        roles=frozenset(parse_role(role) for role in held),
        authority_id=staff.authority_id,
        team=staff.team_name or staff.team,
        covers=covered_authorities(staff),
    )


def _find(session: Session, username: str) -> Principal | Refusal:
    if username.strip().casefold() == SYSTEM_USERNAME:
        return Refusal(
            "reserved_principal",
            "as: 'system' is the timer sweep and recovery, not a person: no caller can act as it",
            "as",
        )
    staff = session.exec(
        select(StaffMember).where(col(StaffMember.username) == username.strip())
    ).first()
    if staff is None:
        return Refusal("unknown_user", f"as: no member of staff '{_printable(username)}'", "as")
    if not staff.active:
        return Refusal("disabled_user", f"as: '{staff.username}' is disabled and cannot act", "as")
    return principal_of(session, staff)


def _audit_refusal(
    session: Session,
    refusal: Refusal,
    *,
    username: str,
    role: str | None,
    attempted: str,
    case_reference: str | None,
    at: datetime | None,
) -> Refusal:
    audit.record(
        session,
        actor=_printable(username),
        role=_printable(role) if role else "-",
        action=f"principal.refused.{refusal.code}",
        case_reference=case_reference,
        after={"attempted": attempted, "code": refusal.code, "reason": refusal.reason},
        basis=BASIS,
        at=at,
    )
    return refusal


def acting(
    session: Session,
    username: str,
    role: str | None,
    *,
    attempted: str,
    case_reference: str | None = None,
    at: datetime | None = None,
) -> Acting | Refusal:
    """The member of staff named and the role they act in; a refusal is audited in the
    caller's transaction (which must commit it)."""
    found = _find(session, username)
    if isinstance(found, Refusal):
        return _audit_refusal(
            session,
            found,
            username=username,
            role=role,
            attempted=attempted,
            case_reference=case_reference,
            at=at,
        )
    chosen = choose_role(found, role)
    if isinstance(chosen, Refusal):
        return _audit_refusal(
            session,
            chosen,
            username=found.username,
            role=role,
            attempted=attempted,
            case_reference=case_reference,
            at=at,
        )
    return Acting(found, chosen)


def audit_refusal(
    session: Session,
    acting_as: Acting,
    refusal: Refusal,
    *,
    attempted: str,
    case_reference: str | None,
    at: datetime | None,
) -> Refusal:
    """Records a refusal of a known principal (e.g. a case of another authority)."""
    return _audit_refusal(
        session,
        refusal,
        username=acting_as.username,
        role=acting_as.role,
        attempted=attempted,
        case_reference=case_reference,
        at=at,
    )


SYSTEM_ACTING: Final = Acting(SYSTEM, SYSTEM_ROLE)
"""The sweep and recovery: the only principal that is not a person, made only here in code."""
