"""The closed vocabularies the engine and the tables share: statuses, teams and recipients.

Each is a ``Literal``, so mypy catches a misspelling, and the tables enforce the status sets
with CHECK constraints (``models.checks``), so a raw update cannot write a status that does
not exist either.
"""

from __future__ import annotations

from typing import Final, Literal, NewType, get_args

from pathways.roles import Role, is_role

CaseStatus = Literal["open", "closed"]
EventStatus = Literal["pending", "applied", "rejected"]
StepStatus = Literal["open", "done", "cancelled"]
TimerStatus = Literal["open", "warned", "breached", "closed"]
NotificationStatus = Literal["pending", "sending", "sent", "temporary-failure", "permanent-failure"]
"""An outbox row's state; ``pathways.notification_lifecycle`` says how one leads to another."""

Team = Literal["lha", "ics", "joint"]
"""Who owns a timer: the housing authority, children's services, or both together."""
StaffTeam = Literal["lha", "ics"]
"""The agency a member of staff works for."""
ChainName = Literal["lha", "ics", "ifd"]
"""The escalation chains of spec §7."""

RecipientKey = Literal[
    "lha", "ics", "ifd", "ooh", "case_staff", "referrer", "host_lha", "referred_lha", "duty_lha"
]
"""``host_lha``: the LHA team routes of the authority named by the case fact
``placement_district`` (a s.188 placement outside the case's own district, s.208).
``referred_lha``: the LHA team routes of the authority named by the case fact
``duty_to_refer_authority`` (the housing authority a care leaver chose for a duty to refer,
s.213B, when it is in the directory).
``duty_lha``: the housing authority that owes a care leaver's prevention or relief duty: the
one referred to, where that is in the directory, else the case's own."""
RoleRecipient = NewType("RoleRecipient", str)
"""``role:<role>``: the named staff holding a role at the case's authority (else its team
inbox). Made only by ``to_role``, so the role inside is always a real one."""
Recipient = RecipientKey | RoleRecipient

RECIPIENT_KEYS: Final = frozenset(get_args(RecipientKey))
ROLE_PREFIX: Final = "role:"


def to_role(role: Role) -> RoleRecipient:
    return RoleRecipient(f"{ROLE_PREFIX}{role}")


def role_of_recipient(recipient: str) -> str | None:
    """The role a ``role:`` recipient names, or None for a team or case recipient."""
    return recipient[len(ROLE_PREFIX) :] if recipient.startswith(ROLE_PREFIX) else None


def is_recipient(value: str) -> bool:
    role = role_of_recipient(value)
    return is_role(role) if role is not None else value in RECIPIENT_KEYS


def values_of(vocabulary: object) -> tuple[str, ...]:
    """The values of a Literal vocabulary, in the order written."""
    return tuple(str(value) for value in get_args(vocabulary))
