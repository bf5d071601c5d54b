"""A refusal as a JSON answer, and the error answers each route declares in OpenAPI.

The status is the refusal's own (``pathways.refusal.HTTP_STATUS``), except where the API must
say less or point at the request: a case of another authority is "not found", like a missing
one (its existence is itself information), and a pathway or step name that does not exist is
invalid input naming that field of the body.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from dashboard.api.schemas import ErrorPublic, FieldErrorPublic
from pathways.refusal import Refusal

MAX_BODY_BYTES: Final = 64 * 1024
"""Far more than any step's input: a bigger body is not one of ours."""

OUTSIDE_INPUT: Final = {"authority_id": "authority", "pathway": "pathway", "role": "role"}
"""Refused fields that are the body's own, not the step's input."""

DESCRIPTIONS: Final = {
    400: "The body cannot be read as JSON (e.g. it is not UTF-8)",
    401: "No bearer token, or one that is not valid",
    403: "Your roles do not allow this (an attempt on a case is audited)",
    404: "No such case, or none that you may see",
    409: "The pathway's rules refuse this now",
    413: "The body is too large",
    422: "Invalid input: each field refused, with the rule it broke",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: 401 always, and these."""
    return {
        status: {"model": ErrorPublic, "description": DESCRIPTIONS[status]}
        for status in sorted({401, *statuses})
    }


def cap_body(request: Request) -> None:
    """Refuses a body declared larger than MAX_BODY_BYTES before any use case sees it."""
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"body: at most {MAX_BODY_BYTES} bytes")


def _in_input(name: str) -> str:
    return f"input.{name}" if name else "input"


def field_errors(refusal: Refusal) -> list[FieldErrorPublic]:
    if refusal.code == "unknown_transition":
        return [FieldErrorPublic(field="step", message=refusal.reason)]
    if refusal.problems:
        # Each problem is the input model's, so each names a field of "input".
        return [
            FieldErrorPublic(field=_in_input(name), message=rule) for name, rule in refusal.problems
        ]
    field = refusal.field or ""
    located = OUTSIDE_INPUT.get(field) or _in_input(field)
    return [FieldErrorPublic(field=located, message=refusal.reason)]


def _is_invalid_input(refusal: Refusal) -> bool:
    if refusal.code == "not_found":
        return refusal.field == "pathway"
    return refusal.code in ("invalid_input", "unknown_transition", "role_ambiguous")


def refused(refusal: Refusal, *, case_reference: str | None = None) -> JSONResponse:
    """The answer for a refusal; ``case_reference`` when the request names a case."""
    unseen = refusal.code == "other_authority" or (
        refusal.code == "not_found" and refusal.field == "case"
    )
    if case_reference is not None and unseen:
        body = ErrorPublic(detail=f"ref: no case {case_reference} that you may see")
        return JSONResponse(body.model_dump(), status_code=404)
    if _is_invalid_input(refusal):
        body = ErrorPublic(detail=refusal.reason, errors=field_errors(refusal))
        return JSONResponse(body.model_dump(), status_code=422)
    return JSONResponse(
        ErrorPublic(detail=refusal.reason).model_dump(), status_code=refusal.http_status
    )
