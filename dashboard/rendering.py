"""Renders a page through the layout: the service navigation the viewer's roles allow, the
CSRF token its forms carry and the nonce its one inline script runs under."""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.responses import HTMLResponse

from application.compliance import REPORT_ROLES
from dashboard.templating import environment
from dashboard.viewer import Viewer
from pathways.roles import OPERATOR_ROLE, Role

SIGN_OFF_ROLES: Final[frozenset[Role]] = frozenset({"housing-director", "ics-assistant-director"})


def navigation(viewer: Viewer | None, path: str) -> list[dict[str, Any]]:
    if viewer is None:
        return []
    items = [("/cases", "Caseload"), ("/cases/new", "Start a case"), ("/tasks", "My tasks")]
    if viewer.holds_any(SIGN_OFF_ROLES):
        items.append(("/sign-off", "Sign-off inbox"))
    items.append(("/kpis", "KPIs"))
    if viewer.holds_any(REPORT_ROLES):
        items.append(("/reports", "Reports"))
    if viewer.holds_any(frozenset({OPERATOR_ROLE})):
        items.append(("/ops", "Operations"))
    current = max((href for href, _ in items if path.startswith(href)), key=len, default=None)
    return [
        {"href": href, "text": text, "active": href == current, "current": href == current}
        for href, text in items
    ]


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            viewer=viewer,
            csrf_token=context.pop("csrf_token", None) or (viewer.csrf_token if viewer else ""),
            cspNonce=getattr(request.state, "csp_nonce", None),
            navigation=navigation(viewer, request.url.path),
            **context,
        )
    )
    return HTMLResponse(page, status_code=status_code)
