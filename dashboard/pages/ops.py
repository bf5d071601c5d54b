"""The operations page, for operators: dead letters (with retry), the Prefect server and the
deployments, the last sweep and delivery run, the overdue timers no one owns, and a check of
the audit trail on demand (a POST: it reads the whole chain, so no crawler or refresh runs it).

The role check and its audit are the use cases' (``application.operations``); Prefect is read
through ``deployments.health``, which answers within seconds even when the server is down.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from application.audit_integrity import ChainStatus, verify_for_operator
from application.operations import operations_view, retry
from dashboard.deadline_tags import deadline_tag
from dashboard.page_errors import refusal_page
from dashboard.posted import checked_form
from dashboard.rendering import render
from dashboard.viewer import PageViewer, Viewer
from deployments.health import prefect_health
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from pathways.refusal import Refusal

router = APIRouter()
MAX_COUNT = 1_000_000
MAX_ID = 2**31 - 1
"""The largest integer id PostgreSQL holds: a bigger one is refused as input, not by the driver."""


def _ops(
    request: Request,
    viewer: Viewer,
    *,
    timers_page: int = 1,
    retried: int | None = None,
    verified: ChainStatus | None = None,
) -> Response:
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        shown = operations_view(session, viewer.acting, now, timers_page=timers_page)
    if isinstance(shown, Refusal):
        return refusal_page(request, viewer, shown)
    return render(
        request,
        "ops.html",
        viewer,
        title="Operations",
        ops=shown,
        prefect=prefect_health(),
        tags=[
            deadline_tag(timer.due_at, now, timer.unit, done=False)
            for timer in shown.unowned_timers.rows
        ],
        retried=retried,
        verified=verified,
    )


@router.get("/ops")
def ops_page(
    request: Request,
    viewer: PageViewer,
    timers_page: Annotated[int, Query(ge=1, le=MAX_COUNT)] = 1,
    retried: Annotated[int | None, Query(ge=0, le=MAX_COUNT)] = None,
) -> Response:
    return _ops(request, viewer, timers_page=timers_page, retried=retried)


def _verify(viewer: Viewer) -> ChainStatus | Refusal:
    engine = get_engine()
    with session_scope(engine) as session:
        return verify_for_operator(session, viewer.acting, clock.now(engine))


@router.post("/ops/audit/verify")
async def verify_audit(request: Request, viewer: PageViewer) -> Response:
    await checked_form(request, viewer)
    verified = await run_in_threadpool(_verify, viewer)
    if isinstance(verified, Refusal):
        return refusal_page(request, viewer, verified)
    return await run_in_threadpool(_ops, request, viewer, verified=verified)


def _retry(viewer: Viewer, notification_id: int | None) -> list[int] | Refusal:
    engine = get_engine()
    with session_scope(engine) as session:
        return retry(session, viewer.acting, clock.now(engine), notification_id)


async def _retried(request: Request, viewer: Viewer, notification_id: int | None) -> Response:
    await checked_form(request, viewer)
    outcome = await run_in_threadpool(_retry, viewer, notification_id)
    if isinstance(outcome, Refusal):
        return refusal_page(request, viewer, outcome)
    return RedirectResponse(f"/ops?retried={len(outcome)}", status_code=303)


@router.post("/ops/dead-letters/retry")
async def retry_all(request: Request, viewer: PageViewer) -> Response:
    return await _retried(request, viewer, None)


@router.post("/ops/dead-letters/{notification_id}/retry")
async def retry_one(
    request: Request,
    viewer: PageViewer,
    notification_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    return await _retried(request, viewer, notification_id)
