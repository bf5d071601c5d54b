"""Reads a posted form, refusing it unless it carries the CSRF token of the viewer's session."""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from dashboard.security import CSRF_FIELD, csrf_matches
from dashboard.viewer import Viewer, app_secret

MAX_FIELDS = 500
"""More fields than any pathway's form has: a bigger post is not a form of ours."""


class CsrfRejectedError(HTTPException):
    def __init__(self) -> None:
        super().__init__(
            status_code=403,
            detail="This form has expired or did not come from this service. "
            "Go back, reload the page and try again.",
        )


async def checked_form(request: Request, viewer: Viewer) -> FormData:
    form = await request.form(max_fields=MAX_FIELDS, max_files=0)
    given = form.get(CSRF_FIELD)
    if not csrf_matches(
        app_secret(), viewer.session_token or "", given if isinstance(given, str) else None
    ):
        raise CsrfRejectedError
    return form


def form_lists(form: FormData) -> dict[str, list[str]]:
    """key -> every value posted for it (checkboxes post several), text values only."""
    lists: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and key != CSRF_FIELD:
            lists.setdefault(key, []).append(value)
    return lists
