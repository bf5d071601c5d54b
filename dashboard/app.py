"""``create_app()``: the dashboard and the JSON API in one FastAPI application.

``make run`` serves ``dashboard.app:app`` at http://127.0.0.1:8080; tests and other processes
build their own with ``create_app()``.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dashboard import api
from dashboard.assets import STATIC, govuk_dist
from dashboard.page_errors import error_page
from dashboard.pages import audit_timeline, cases, kpis, ops, people, reports, sign_in, tasks
from dashboard.security import SecurityHeaders
from dashboard.viewer import SignInRequiredError
from infrastructure.error_reference import describe, report_unexpected
from infrastructure.settings import get_settings
from infrastructure.storage_faults import storage_fault

log = logging.getLogger(__name__)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(SignInRequiredError)
    async def sign_in_first(request: Request, error: SignInRequiredError) -> Response:
        return RedirectResponse(f"/sign-in?next={quote(error.next_path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        return error_page(request, None, error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        problems = [
            {
                "field": ".".join(str(part) for part in problem["loc"][1:]) or "(the request)",
                "message": str(problem["msg"]),
            }
            for problem in error.errors()
        ]
        if _is_api(request):
            return JSONResponse({"detail": "invalid input", "errors": problems}, status_code=422)
        reason = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        return error_page(request, None, 422, reason)

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, error: DBAPIError) -> Response:
        # A handler of its own: Starlette re-raises whatever the catch-all answers (the server
        # then logs its message, which may quote the row), and this one is answered in full.
        fault = storage_fault(error, get_settings().database_url)
        if fault is None:
            raise error
        log.error("%s: %s", fault, describe(error))
        if _is_api(request):
            return JSONResponse({"detail": fault}, status_code=503)
        return error_page(request, None, 503, fault)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        # Logged by reference and code location only: the message may quote personal data.
        reference = report_unexpected(error, log)
        if _is_api(request):
            return JSONResponse(
                {"detail": f"unexpected error; reference {reference}"}, status_code=500
            )
        return error_page(request, None, 500, f"Quote reference {reference} to the service desk.")


def create_app() -> FastAPI:
    app = FastAPI(
        title="Joint Protocol Pathways",
        version="0.1.0",
        description="The joint-working protocols between housing authorities and children's "
        "services, as audited workflows.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/assets", StaticFiles(directory=govuk_dist() / "assets"), name="govuk-assets")
    app.mount("/govuk", StaticFiles(directory=govuk_dist()), name="govuk")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (
        sign_in.router,
        cases.router,
        people.router,
        audit_timeline.router,
        tasks.router,
        kpis.router,
        ops.router,
        reports.router,
    ):
        app.include_router(router, include_in_schema=False)
    app.include_router(api.router, include_in_schema=True)

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/cases", status_code=303)

    _install_error_pages(app)
    return app


app = create_app()
