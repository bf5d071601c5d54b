"""My tasks and the sign-off inbox: the moves waiting for this person, in due order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from application.worklists import Task, my_tasks, sign_off_inbox
from dashboard.deadline_tags import Tag, deadline_tag
from dashboard.page_errors import error_page
from dashboard.rendering import SIGN_OFF_ROLES, render
from dashboard.viewer import PageViewer, Viewer
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from pathways.principal import Principal

router = APIRouter()


def _tags(tasks: list[Task], now: datetime) -> list[Tag]:
    return [
        deadline_tag(
            task.due.due_at if task.due else None,
            now,
            task.due.unit if task.due else "hours",
            done=False,
        )
        for task in tasks
    ]


def _task_page(
    request: Request,
    viewer: Viewer,
    listed: Callable[[Session, Principal, datetime], list[Task]],
    *,
    heading: str,
    lede: str,
    empty: str,
) -> Response:
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        tasks = listed(session, viewer.principal, now)
    return render(
        request,
        "tasks.html",
        viewer,
        title=heading,
        heading=heading,
        lede=lede,
        tasks=list(zip(tasks, _tags(tasks, now), strict=True)),
        empty=empty,
    )


@router.get("/tasks")
def tasks_page(request: Request, viewer: PageViewer) -> Response:
    return _task_page(
        request,
        viewer,
        my_tasks,
        heading="My tasks",
        lede="The steps open to your roles on the cases you work, the most urgent first.",
        empty="Nothing is waiting for you.",
    )


@router.get("/sign-off")
def sign_off_page(request: Request, viewer: PageViewer) -> Response:
    if not viewer.holds_any(SIGN_OFF_ROLES):
        return error_page(
            request,
            viewer,
            403,
            "role: the sign-off inbox is for housing and children's "
            "services Directors and Assistant Directors",
        )
    return _task_page(
        request,
        viewer,
        sign_off_inbox,
        heading="Sign-off inbox",
        lede="Decisions waiting for your sign-off as a Director or Assistant Director.",
        empty="No decision is waiting for your sign-off.",
    )
