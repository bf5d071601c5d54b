"""The roles of spec §0.3. Steps and sign-offs name the roles that may perform them."""

from __future__ import annotations

from typing import Final

ROLES: Final[dict[str, str]] = {
    # Local housing authority
    "lha-housing-officer": "LHA Housing Officer",
    "lha-senior-officer": "LHA Senior Officer",
    "lha-safeguarding-lead": "LHA Safeguarding Lead",
    "lha-service-manager": "LHA Service Manager",
    "housing-director": "Head of Housing / Housing Director or AD",
    "lha-reviewing-officer": "s.202 Reviewing Officer",
    "lha-second-authorising-officer": "Second Authorising Officer (s.193B)",
    # Integrated Children's Services
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
    # Product roles
    "coordinator": "Pathway coordinator",
    "auditor": "Auditor (read only)",
    "system": "The system (timers, imports)",
}

LHA_ROLES: Final = frozenset(r for r in ROLES if r.startswith("lha-") or r == "housing-director")
ICS_ROLES: Final = frozenset(
    r
    for r in ROLES
    if r.startswith(("ics-", "early-help", "ifd-"))
    or r
    in {
        "personal-adviser",
        "independent-reviewing-officer",
    }
)


def team_of_role(role: str) -> str:
    """Which agency's inbox stands in for a role when no named member of staff holds it."""
    if role in ICS_ROLES:
        return "ifd" if role.startswith("ifd-") else "ics"
    return "lha"
