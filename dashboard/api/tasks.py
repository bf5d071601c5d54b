"""``GET /api/tasks``: the moves open to your roles on the cases you work, most urgent first."""

from __future__ import annotations

from fastapi import APIRouter

from application.worklists import my_tasks
from dashboard.api.case_reads import deadline_public
from dashboard.api.problems import error_responses
from dashboard.api.schemas import TaskPublic
from dashboard.viewer import ApiViewer
from infrastructure import clock
from infrastructure.db import get_engine, session_scope

router = APIRouter(tags=["tasks"])


@router.get("/tasks", response_model=list[TaskPublic], responses=error_responses())
def list_tasks(viewer: ApiViewer) -> list[TaskPublic]:
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        tasks = my_tasks(session, viewer.principal, now)
    return [
        TaskPublic(
            ref=task.reference,
            pathway_title=task.pathway_title,
            step_title=task.step_title,
            step=task.transition,
            title=task.title,
            role=task.role,
            availability=task.availability,
            due=deadline_public(task.due),
        )
        for task in tasks
    ]
