"""Resolves a definition's recipient keys to route references for a case.

Role recipients go to the named staff who hold that role for the case's authority; where no
one is named, the agency's team inbox stands in, so an alert is never silently dropped.
``host_lha`` and ``referred_lha`` are the recipients at another authority, read from the case's
facts: the LHA of the district a placement was made in (s.208), and the LHA a care leaver was
referred to under the duty to refer (s.213B).
One resolver serves a whole sweep, so each lookup hits the database once, not once per timer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, select

from infrastructure.authority_config import authority_config
from models import Authority, CaseAssignment, StaffMember, StaffRole
from notifications.routes import configured_route_or_unmapped, email_route
from pathways.care_leaver_local_connection import DUTY_TO_REFER_AUTHORITY
from pathways.roles import team_of_role
from pathways.s208_notice import PLACEMENT_DISTRICT


class RecipientFactError(LookupError):
    """A recipient the case's facts cannot resolve: a definition that alerts the host (or the
    referred) authority before recording which it is. Names the fact, never its value."""


Route = tuple[str, str]
"""(who the route stands for, route reference such as ``email:<address>``)

References, not Apprise URLs: delivery resolves them with the relay in force when it sends."""


class RouteResolver:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._authorities: dict[str, Authority] = {}
        self._role_routes: dict[tuple[str, str], list[str]] = {}
        self._case_staff: dict[int, list[str]] = {}
        self._staff_roles: dict[tuple[str, str], list[str]] = {}
        self._roles_loaded: set[str] = set()

    def authority(self, authority_id: str) -> Authority:
        if authority_id not in self._authorities:
            for authority in self._session.exec(select(Authority)).all():
                self._authorities[authority.id] = authority
        return self._authorities[authority_id]

    def preload_case_staff(self, case_ids: Iterable[int]) -> None:
        wanted = [case_id for case_id in case_ids if case_id not in self._case_staff]
        if not wanted:
            return
        found: dict[int, list[str]] = defaultdict(list)
        for case_id, email in self._session.exec(
            select(CaseAssignment.case_id, StaffMember.email)
            .join(StaffMember, col(CaseAssignment.staff_id) == col(StaffMember.id))
            .where(col(CaseAssignment.case_id).in_(wanted), col(StaffMember.active).is_(True))
        ).all():
            found[case_id].append(email_route(email))
        for case_id in wanted:
            self._case_staff[case_id] = found.get(case_id, [])

    def preload_staff_roles(self, authority_ids: Iterable[str]) -> None:
        """Every role of every active staff member at these authorities, in one query: a sweep
        asks for a few roles at each authority its batch touches."""
        wanted = sorted(set(authority_ids) - self._roles_loaded)
        if not wanted:
            return
        for authority_id, role, email in self._session.exec(
            select(StaffMember.authority_id, StaffRole.role, StaffMember.email)
            .join(StaffRole, col(StaffRole.staff_id) == col(StaffMember.id))
            .where(col(StaffMember.authority_id).in_(wanted), col(StaffMember.active).is_(True))
        ).all():
            key = (str(authority_id), role)
            self._staff_roles.setdefault(key, []).append(email_route(email))
        self._roles_loaded.update(wanted)

    def team_routes(self, authority_id: str, team: str) -> list[str]:
        authority = self.authority(authority_id)
        if team == "lha":
            return list(authority.routes)
        if team == "ics":
            return list(authority.ics_routes)
        if team == "ooh":
            return list(authority.ooh_routes)
        if team == "ifd":
            services_id = authority.children_services_authority
            services = authority_config().children_services[services_id]
            return [
                configured_route_or_unmapped(
                    target, f"children_services.{services_id}.ifd_routes[{index}]"
                )
                for index, target in enumerate(services.ifd_routes)
            ]
        raise ValueError(f"unknown team '{team}'")

    def role_routes(self, authority_id: str, role: str) -> list[str]:
        key = (authority_id, role)
        if key not in self._role_routes:
            if authority_id in self._roles_loaded:
                named = self._staff_roles.get(key, [])
            else:
                named = self._staff_with_role(authority_id, role)
            self._role_routes[key] = named or self.team_routes(authority_id, team_of_role(role))
        return self._role_routes[key]

    def _staff_with_role(self, authority_id: str, role: str) -> list[str]:
        emails = self._session.exec(
            select(StaffMember.email)
            .join(StaffRole, col(StaffRole.staff_id) == col(StaffMember.id))
            .where(
                StaffRole.role == role,
                StaffMember.authority_id == authority_id,
                col(StaffMember.active).is_(True),
            )
        ).all()
        return [email_route(email) for email in emails]

    def host_lha_routes(self, facts: Mapping[str, Any]) -> list[str]:
        return self._named_lha_routes(
            facts, "host_lha", PLACEMENT_DISTRICT, "the authority the placement is in"
        )

    def referred_lha_routes(self, facts: Mapping[str, Any]) -> list[str]:
        return self._named_lha_routes(
            facts, "referred_lha", DUTY_TO_REFER_AUTHORITY, "the authority referred to"
        )

    def _named_lha_routes(
        self, facts: Mapping[str, Any], recipient: str, fact: str, what: str
    ) -> list[str]:
        # Never the case's own authority as a fallback: the alert is for the other authority.
        named = facts.get(fact)
        if not isinstance(named, str) or not named:
            raise RecipientFactError(
                f"recipient '{recipient}' needs the case fact '{fact}' ({what}): the pathway "
                "must record it before alerting that authority"
            )
        try:
            self.authority(named)
        except KeyError:
            raise RecipientFactError(
                f"recipient '{recipient}': the case fact '{fact}' names no authority in the "
                "directory"
            ) from None
        return self.team_routes(named, "lha")

    def case_staff_routes(self, case_id: int, authority_id: str) -> list[str]:
        self.preload_case_staff([case_id])
        return self._case_staff[case_id] or [
            *self.team_routes(authority_id, "lha"),
            *self.team_routes(authority_id, "ics"),
        ]

    def routes(
        self, case_id: int, authority_id: str, facts: Mapping[str, Any], recipients: Iterable[str]
    ) -> list[Route]:
        found: dict[str, str] = {}
        for recipient in recipients:
            if recipient.startswith("role:"):
                references = self.role_routes(authority_id, recipient[5:])
            elif recipient == "case_staff":
                references = self.case_staff_routes(case_id, authority_id)
            elif recipient == "host_lha":
                references = self.host_lha_routes(facts)
            elif recipient == "referred_lha":
                references = self.referred_lha_routes(facts)
            elif recipient == "duty_lha":
                references = (
                    self.referred_lha_routes(facts)
                    if facts.get(DUTY_TO_REFER_AUTHORITY)
                    else self.team_routes(authority_id, "lha")
                )
            elif recipient == "referrer":
                contact = facts.get("referrer_email")
                references = [email_route(str(contact))] if contact else []
            else:
                references = self.team_routes(authority_id, recipient)
            for reference in references:
                found.setdefault(reference, recipient)
        return [(label, reference) for reference, label in found.items()]
