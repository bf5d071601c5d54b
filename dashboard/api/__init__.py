"""The JSON API under ``/api``: the same use cases as the pages, for a bearer token's user.

OpenAPI is served at ``/openapi.json``; every route declares its answers, errors included.
"""

from __future__ import annotations

from fastapi import APIRouter

from dashboard.api import case_reads, case_writes, deadlines, pathways, people, tasks

router = APIRouter(prefix="/api")
for part in (
    case_reads.router,
    case_writes.router,
    pathways.router,
    deadlines.router,
    tasks.router,
    people.router,
):
    router.include_router(part)
