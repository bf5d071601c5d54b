"""Who is asking, resolved on the server for every page and API call: a signed-in session
(cookie) for pages, a bearer token for the API. Never from what the request says about itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from application import accounts
from application.principals import Acting
from dashboard.security import SESSION_COOKIE, csrf_token
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import get_settings
from pathways.principal import Principal
from pathways.roles import ROLES, Role

AUTHORITY_NAMES_UNKNOWN = "no authority"


@lru_cache(maxsize=1)
def app_secret() -> bytes:
    """The secret CSRF tokens are derived with: configured in production (settings refuse to
    start without one), else a fresh one per process (a restart asks forms to be reloaded)."""
    configured = get_settings().session_secret
    if configured is not None:
        return configured.get_secret_value().encode()
    return secrets.token_bytes(32)


@dataclass(frozen=True)
class Viewer:
    principal: Principal
    session_token: str | None = None
    """None for an API call (a bearer token has no cookie or CSRF)."""

    @property
    def reading_role(self) -> Role:
        """The role reads are made in: views depend on who, not the role; writes choose."""
        return sorted(self.principal.roles)[0]

    @property
    def acting(self) -> Acting:
        return Acting(self.principal, self.reading_role)

    @property
    def csrf_token(self) -> str:
        return csrf_token(app_secret(), self.session_token or "")

    @property
    def display_name(self) -> str:
        return self.principal.display_name

    @property
    def authority(self) -> str:
        return self.principal.authority_id or self.principal.team or AUTHORITY_NAMES_UNKNOWN

    @property
    def role_titles(self) -> list[str]:
        return [ROLES[role] for role in sorted(self.principal.roles)]

    def holds_any(self, roles: frozenset[Role]) -> bool:
        return bool(self.principal.roles & roles)


class SignInRequiredError(Exception):
    """No live session: pages redirect to sign-in, keeping where the user was going."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_viewer(request: Request) -> Viewer:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with session_scope(get_engine()) as session:
            principal = accounts.session_principal(session, token)
        if principal is not None:
            return Viewer(principal, token)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInRequiredError(target)


bearer = HTTPBearer(auto_error=False, description="A token from `pathways users token USERNAME`")


def api_viewer(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Viewer:
    if credentials is not None and credentials.scheme.lower() == "bearer":
        with session_scope(get_engine()) as session:
            principal = accounts.token_principal(session, credentials.credentials)
        if principal is not None:
            return Viewer(principal)
    raise HTTPException(
        status_code=401,
        detail="Authorization: a valid bearer token is required",
        headers={"WWW-Authenticate": "Bearer"},
    )


PageViewer = Annotated[Viewer, Depends(page_viewer)]
ApiViewer = Annotated[Viewer, Depends(api_viewer)]
