"""Who is acting: a signed-in member of staff (or the system), the roles they hold, and the
authorities whose cases they may act on. Pure: the application layer resolves a principal
from the staff directory once, at the edge, and every rule below takes it from there.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from pathways.refusal import Refusal
from pathways.roles import SYSTEM_ROLE, Role, Service, service_of

SYSTEM_USERNAME: Final = "system"


@dataclass(frozen=True)
class Actor:
    """A principal acting in one role: what an event, a decision and an audit row record."""

    username: str
    role: Role

    @property
    def service(self) -> Service:
        return service_of(self.role)


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str
    roles: frozenset[Role]
    authority_id: str | None
    team: str | None
    covers: frozenset[str]
    """Authority ids whose cases this person acts on (their own, or their team's districts)."""
    is_system: bool = False

    def acting_as(self, role: Role) -> Actor:
        return Actor(self.username, role)


SYSTEM: Final = Principal(
    username=SYSTEM_USERNAME,
    display_name="The system (timer sweep, recovery, imports)",
    roles=frozenset({SYSTEM_ROLE}),
    authority_id=None,
    team=None,
    covers=frozenset(),
    is_system=True,
)
SYSTEM_ACTOR: Final = SYSTEM.acting_as(SYSTEM_ROLE)


def choose_role(principal: Principal, requested: str | None) -> Role | Refusal:
    """The role to act in: the one asked for, if held; else the only one held."""
    held = sorted(principal.roles)
    if requested is not None:
        for role in held:
            if role == requested:
                return role
        return Refusal(
            "role_not_held",
            f"role: '{principal.username}' does not hold the role '{requested}' "
            f"(holds: {', '.join(held)})",
            "role",
        )
    if len(held) == 1:
        return held[0]
    return Refusal(
        "role_ambiguous",
        f"role: '{principal.username}' holds several roles ({', '.join(held)}): "
        "say which one this is done in",
        "role",
    )


def may_act_on(
    principal: Principal, authority_id: str, shared_with: Iterable[str] = ()
) -> Refusal | None:
    """A case belongs to its authority; staff elsewhere act on it only where it is shared with
    an authority they cover (a cross-district referral, a placement in their district)."""
    if principal.is_system:
        return None
    if authority_id in principal.covers or principal.covers.intersection(shared_with):
        return None
    where = ", ".join(sorted(principal.covers)) or "no authority"
    return Refusal(
        "other_authority",
        f"case: the case belongs to {authority_id} and is not shared with an authority "
        f"'{principal.username}' works for ({where})",
        "case",
    )
