"""A refusal as a page: the same status the API answers with, and the rule that said no."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from dashboard.rendering import render
from dashboard.viewer import Viewer
from pathways.refusal import Refusal

TITLES = {
    401: "Sign in to continue",
    403: "You cannot do this",
    404: "Page not found",
    409: "This cannot be done now",
    422: "There is a problem",
    503: "Sorry, the service is unavailable",
}


def refusal_page(request: Request, viewer: Viewer | None, refusal: Refusal) -> HTMLResponse:
    # A case another authority owns is "not found" to this viewer, as in the API: its
    # existence is itself information.
    status = 404 if refusal.code in ("other_authority", "not_found") else refusal.http_status
    return error_page(request, viewer, status, refusal.reason if status != 404 else None)


def error_page(
    request: Request, viewer: Viewer | None, status: int, reason: str | None
) -> HTMLResponse:
    return render(
        request,
        "error.html",
        viewer,
        status_code=status,
        title=TITLES.get(status, "Sorry, there is a problem with the service"),
        reason=reason,
        status=status,
    )
