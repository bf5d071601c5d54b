"""The role a write acts in (a page's form or an API call): one the signed-in user holds, never
one the request merely claims.

``role`` in a body (``acting_role`` on a form) only chooses among the roles held; left out,
the one held role that may make the move is used, and with none (or several) the use case
decides, and audits, the refusal.
"""

from __future__ import annotations

from collections.abc import Sequence

from application import case_commands
from application.principals import Acting
from dashboard.viewer import Viewer
from pathways.principal import choose_role
from pathways.refusal import Refusal


def acting_in(viewer: Viewer, requested: str | None, allowed: Sequence[str]) -> Acting | Refusal:
    if requested is None:
        fits = [role for role in sorted(viewer.principal.roles) if role in allowed]
        requested = fits[0] if len(fits) == 1 else None
    role = choose_role(viewer.principal, requested)
    return role if isinstance(role, Refusal) else Acting(viewer.principal, role)


def acting_on_case(
    viewer: Viewer, requested: str | None, allowed: Sequence[str], *, reference: str, step: str
) -> Acting | Refusal:
    """As ``acting_in``; a role asked for but not held is an attempt on the case, so audited."""
    chosen = acting_in(viewer, requested, allowed)
    if isinstance(chosen, Refusal) and chosen.code == "role_not_held":
        return case_commands.audit_refused(
            viewer.acting, reference, chosen, attempted=f"case.step.{step}"
        )
    return chosen
