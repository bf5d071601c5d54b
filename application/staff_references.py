"""Inputs that name a member of staff must name a real one, in a role the step asks for; an
input naming an authority (a placement's district) must name one in the directory.

A field marked ``StaffReference`` (e.g. the manager who authorised a B&B stay) holds a
username. The pathway checks only that it is text; here it is checked against the directory:
an active member of staff, holding one of the marker's roles, who covers the case's authority
in the same way they would to act on it (``pathways.principal.may_act_on``). A share with
another authority does not count: the manager answers for the case's own authority.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, col, select

from application.principals import principal_of
from models import Authority, Case, StaffMember
from pathways.engine.input_errors import printable
from pathways.engine.inputs import NamedStaff, authorities_named_in, staff_named_in
from pathways.principal import may_act_on
from pathways.refusal import Refusal


def check_staff_references(
    session: Session, case: Case, validated: BaseModel | None
) -> Refusal | None:
    """The first field naming someone who is not allowed there, as an ``invalid_input``
    refusal naming the field and the rule; None when every one is allowed."""
    for named in staff_named_in(validated):
        reason = _why_not(session, case, named)
        if reason is not None:
            return Refusal("invalid_input", f"{named.field}: {reason}", named.field)
    for field, authority_id in authorities_named_in(validated):
        if session.get(Authority, authority_id) is None:
            known = ", ".join(sorted(session.exec(select(Authority.id)).all()))
            return Refusal(
                "invalid_input",
                f"{field}: not an authority in the directory (known: {known})",
                field,
            )
    return None


def _rule(named: NamedStaff) -> str:
    allowed = ", ".join(sorted(named.reference.roles))
    return (
        f"it must be the username of an active member of staff who is {named.reference.what} "
        f"(allowed: {allowed})"
    )


def _why_not(session: Session, case: Case, named: NamedStaff) -> str | None:
    staff = session.exec(
        select(StaffMember).where(col(StaffMember.username) == named.username)
    ).first()
    if staff is None:
        # Not echoed: what was typed may be a person's name rather than a username.
        return f"no member of staff has the username given: {_rule(named)}"
    who = printable(staff.username)
    if not staff.active:
        return f"'{who}' is disabled: {_rule(named)}"
    principal = principal_of(session, staff)
    if not principal.roles & named.reference.roles:
        held = ", ".join(sorted(principal.roles)) or "no role"
        return f"'{who}' holds {held}, not a role allowed here: {_rule(named)}"
    if may_act_on(principal, case.authority_id) is not None:
        return (
            f"'{who}' does not work for {case.authority_id}, the case's authority: {_rule(named)}"
        )
    return None
