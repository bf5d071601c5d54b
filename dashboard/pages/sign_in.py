"""Sign in and sign out. The session lives in the database; the browser holds only a random
token in an HttpOnly, SameSite cookie (Secure outside development)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from application import accounts
from dashboard.page_errors import error_page
from dashboard.posted import checked_form
from dashboard.rendering import render
from dashboard.security import (
    CSRF_FIELD,
    PRE_SESSION_COOKIE,
    SESSION_COOKIE,
    csrf_matches,
    csrf_token,
)
from dashboard.viewer import PageViewer, app_secret
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import Environment, get_settings
from pathways.refusal import Refusal

router = APIRouter()
MAX_FIELD = 200


def _secure_cookies() -> bool:
    return get_settings().environment != Environment.DEVELOPMENT


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL someone put in a link."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/cases"


def _form(
    request: Request, presession: str, *, next_path: str, error: str | None, status: int = 200
) -> Response:
    response = render(
        request,
        "sign_in.html",
        None,
        status_code=status,
        title="Sign in",
        csrf_token=csrf_token(app_secret(), presession),
        next_path=next_path,
        errors=[{"text": error, "href": "#username"}] if error else [],
        error=error,
    )
    response.set_cookie(
        PRE_SESSION_COOKIE,
        presession,
        httponly=True,
        samesite="strict",
        secure=_secure_cookies(),
        path="/sign-in",
    )
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    presession = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    return _form(request, presession, next_path=_safe_next(next), error=None)


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await request.form(max_fields=10, max_files=0)
    presession = request.cookies.get(PRE_SESSION_COOKIE) or ""
    given = form.get(CSRF_FIELD)
    next_path = _safe_next(str(form.get("next") or ""))
    if not presession or not csrf_matches(
        app_secret(), presession, given if isinstance(given, str) else None
    ):
        return error_page(
            request,
            None,
            403,
            "This form has expired or did not come from this service. Reload the page and "
            "sign in again.",
        )
    username = str(form.get("username") or "").strip()[:MAX_FIELD]
    password = str(form.get("password") or "")[:1024]
    if not username or not password:
        missing = "Enter your username" if not username else "Enter your password"
        return _form(request, presession, next_path=next_path, error=missing, status=422)

    def attempt() -> accounts.SignedIn | Refusal:
        with session_scope(get_engine()) as session:
            return accounts.sign_in(session, username, password)

    outcome = await run_in_threadpool(attempt)
    if not isinstance(outcome, accounts.SignedIn):
        return _form(request, presession, next_path=next_path, error=outcome.reason, status=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        outcome.session_token,
        httponly=True,
        samesite="lax",
        secure=_secure_cookies(),
        path="/",
    )
    response.delete_cookie(PRE_SESSION_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, viewer: PageViewer) -> Response:
    await checked_form(request, viewer)
    token = viewer.session_token or ""

    def end() -> None:
        with session_scope(get_engine()) as session:
            accounts.sign_out(session, token)

    await run_in_threadpool(end)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
