"""The roles of spec §0.3. Steps and sign-offs name the roles that may perform them.

``Role`` is a closed vocabulary, so mypy catches a misspelt role in a definition, and each role
belongs to one service: housing (the LHA) or children's services (ICS, Early Help, the IFD).
"""

from __future__ import annotations

from typing import Final, Literal, TypeGuard, get_args

Role = Literal[
    # Local housing authority
    "lha-housing-officer",
    "lha-senior-officer",
    "lha-safeguarding-lead",
    "lha-service-manager",
    "housing-director",
    "lha-reviewing-officer",
    "lha-second-authorising-officer",
    # Integrated Children's Services
    "ics-social-worker",
    "early-help-practitioner",
    "early-help-unit-lead",
    "ics-team-manager",
    "ics-service-manager",
    "ics-assistant-director",
    "personal-adviser",
    "independent-reviewing-officer",
    "ifd-triage-worker",
    "ifd-team-manager",
    "ifd-service-manager",
    # Product roles
    "coordinator",
    "auditor",
    "operator",
    "system",
]
Service = Literal["housing", "childrens", "product"]

ROLES: Final[dict[Role, str]] = {
    "lha-housing-officer": "LHA Housing Officer",
    "lha-senior-officer": "LHA Senior Officer",
    "lha-safeguarding-lead": "LHA Safeguarding Lead",
    "lha-service-manager": "LHA Service Manager",
    "housing-director": "Head of Housing / Housing Director or AD",
    "lha-reviewing-officer": "s.202 Reviewing Officer",
    "lha-second-authorising-officer": "Second Authorising Officer (s.193B)",
    "ics-social-worker": "ICS Social Worker",
    "early-help-practitioner": "Early Help practitioner",
    "early-help-unit-lead": "Early Help Unit Lead",
    "ics-team-manager": "ICS Team Manager",
    "ics-service-manager": "ICS Service Manager",
    "ics-assistant-director": "ICS Assistant Director / Director of Children's Services",
    "personal-adviser": "Personal Adviser",
    "independent-reviewing-officer": "Independent Reviewing Officer",
    "ifd-triage-worker": "Integrated Front Door triage worker",
    "ifd-team-manager": "Integrated Front Door Team Manager",
    "ifd-service-manager": "Integrated Front Door Service Manager",
    "coordinator": "Pathway coordinator",
    "auditor": "Auditor (read only)",
    "operator": "Operator (the command line on the server: migrations, staff, the clock)",
    "system": "The system (timers, imports)",
}
assert set(ROLES) == set(get_args(Role)), "every role has a title"

SYSTEM_ROLE: Final[Role] = "system"

LHA_ROLES: Final = frozenset(r for r in ROLES if r.startswith("lha-") or r == "housing-director")
OPERATOR_ROLE: Final[Role] = "operator"
COORDINATOR: Final[Role] = "coordinator"
"""Starts pathways (records a first referral or enquiry); the decisions stay with practitioners."""
PRODUCT_ROLES: Final = frozenset({"coordinator", "auditor", "operator", "system"})
ICS_ROLES: Final = frozenset(ROLES) - LHA_ROLES - PRODUCT_ROLES
MANAGER_ROLES: Final[frozenset[Role]] = frozenset(
    {
        "lha-senior-officer",
        "lha-service-manager",
        "housing-director",
        "ics-team-manager",
        "ics-service-manager",
        "ics-assistant-director",
        "early-help-unit-lead",
    }
)
"""Who may authorise an exception a worker cannot (e.g. a B&B stay for a 16/17-year-old): the
managing roles of housing, ICS and Early Help (spec §0.3; issue #9 point 11)."""


def is_role(value: str) -> TypeGuard[Role]:
    return value in ROLES


def service_of(role: Role) -> Service:
    """The service a role is held in: who owns the decisions made in it."""
    if role in LHA_ROLES:
        return "housing"
    if role in ICS_ROLES:
        return "childrens"
    return "product"


def team_of_role(role: str) -> str:
    """Which agency's inbox stands in for a role when no named member of staff holds it."""
    if role in ICS_ROLES:
        return "ifd" if role.startswith("ifd-") else "ics"
    return "lha"


def parse_role(value: str) -> Role:
    """A role from text (a scenario, a form, a command line); ValueError names the known ones."""
    for role in ROLES:
        if role == value:
            return role
    raise ValueError(f"unknown role '{value}' (known: {', '.join(ROLES)})")
