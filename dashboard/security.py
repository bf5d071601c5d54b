"""What every response and form carries for safety: the session cookie's settings, a CSRF
token bound to the session, and headers that confine the page to its own origin.

The CSRF token is derived from the session token (HMAC with the app's secret), so it needs no
storage, changes with each sign-in and is useless without the HttpOnly cookie it belongs to.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from fastapi import Request
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

SESSION_COOKIE: Final = "pathways_session"
CSRF_FIELD: Final = "csrf_token"
PRE_SESSION_COOKIE: Final = "pathways_presession"
"""Binds the sign-in form's CSRF token before there is a session."""


def csrf_token(secret: bytes, session_token: str) -> str:
    return hmac.new(secret, f"csrf:{session_token}".encode(), hashlib.sha256).hexdigest()


def csrf_matches(secret: bytes, session_token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(csrf_token(secret, session_token), given)


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


class SecurityHeaders(BaseHTTPMiddleware):
    """A strict content security policy (scripts only from this origin, or the template's one
    inline line, by nonce), no framing, no sniffing, no referrer leaking a case reference."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        nonce = new_nonce()
        request.state.csp_nonce = nonce
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; "
            "img-src 'self' data:; font-src 'self'; frame-ancestors 'none'; form-action 'self'; "
            "base-uri 'none'"
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.url.path.startswith(("/cases", "/api", "/tasks", "/sign-off", "/ops")):
            response.headers["Cache-Control"] = "no-store"
        return response
