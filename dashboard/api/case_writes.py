"""``POST /api/cases`` and ``POST /api/cases/{ref}/events``: open a case, record a step.

Each write runs its pathway flow before answering (the same ``EventRunner`` the pages use), so
a 201 carries the committed transition: the step it moved from and to, and the timers it
opened and closed.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from application import case_commands
from application.cases import Applied
from application.principals import Acting
from dashboard.acting import acting_in, acting_on_case
from dashboard.api.case_reads import NAME, CaseRef
from dashboard.api.problems import cap_body, error_responses, refused
from dashboard.api.schemas import CommittedPublic, ErrorPublic, TimerOpenedPublic
from dashboard.runner import run_event
from dashboard.viewer import ApiViewer
from pathways.definitions import UnknownPathwayError, get_definition
from pathways.refusal import Refusal

router = APIRouter(tags=["cases"], dependencies=[Depends(cap_body)])

MAX_INPUT_FIELDS: Final = 100
STEP: Final = r"^[a-z][a-z0-9_]{0,79}$"
STILL_RUNNING: Final = {
    "model": CommittedPublic,
    "description": "Recorded, not applied yet: its flow is running, or waits for the Prefect "
    "server, and the timer sweep runs it once the server is back",
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StartCase(_Body):
    pathway: str = Field(pattern=NAME, description="a pathway name from GET /api/pathways")
    authority: str = Field(pattern=NAME, description="the authority the case belongs to")
    input: dict[str, JsonValue] = Field(
        max_length=MAX_INPUT_FIELDS, description="the opening step's input (its input_schema)"
    )
    role: str | None = Field(
        default=None, pattern=NAME, description="one of your roles; needed if several may"
    )


class RecordStep(_Body):
    step: str = Field(pattern=STEP, description="the transition's name (GET /api/pathways)")
    input: dict[str, JsonValue] = Field(default_factory=dict, max_length=MAX_INPUT_FIELDS)
    role: str | None = Field(
        default=None, pattern=NAME, description="one of your roles; needed if several may"
    )


def _committed(acting: Acting, applied: Applied, transition: str) -> CommittedPublic | JSONResponse:
    if applied.status == "rejected":
        detail = f"the pathway refused this step when it ran: {applied.reason or 'no reason'}"
        return JSONResponse(ErrorPublic(detail=detail).model_dump(), status_code=409)
    now = case_commands.steps_now(acting, applied.case_reference)
    summary = applied.summary
    body = CommittedPublic(
        ref=applied.case_reference,
        event_id=applied.event_id,
        transition=summary.transition if summary else transition,
        from_step=summary.from_step if summary else None,
        step=applied.state,
        status="open" if isinstance(now, Refusal) else now[1],
        timers_opened=[
            TimerOpenedPublic(
                name=timer.name, rule=timer.rule_id, due_at=timer.due_at, overdue=timer.overdue
            )
            for timer in (summary.timers_opened if summary else ())
        ],
        timers_closed=list(summary.timers_closed) if summary else [],
        notifications=list(summary.notifications) if summary else [],
    )
    if applied.status == "pending":
        return JSONResponse(body.model_dump(mode="json"), status_code=202)
    return body


@router.post(
    "/cases",
    status_code=201,
    response_model=CommittedPublic,
    responses={202: STILL_RUNNING, **error_responses(400, 403, 409, 413, 422)},
)
def start_case(viewer: ApiViewer, body: StartCase) -> CommittedPublic | JSONResponse:
    """Opens a case and runs its opening step; the answer names the new case."""
    try:
        definition = get_definition(body.pathway)
    except UnknownPathwayError as unknown:
        return refused(Refusal("not_found", f"pathway: {unknown}", "pathway"))
    opening = definition.transition(definition.opening_transition)
    acting = acting_in(viewer, body.role, opening.roles if opening else ())
    if isinstance(acting, Refusal):
        return refused(acting)
    outcome = case_commands.start_case(
        acting=acting,
        pathway=definition.name,
        authority_id=body.authority,
        payload=body.input,
        runner=run_event,
    )
    if isinstance(outcome, Refusal):
        return refused(outcome)
    return _committed(acting, outcome, definition.opening_transition)


@router.post(
    "/cases/{ref}/events",
    status_code=201,
    response_model=CommittedPublic,
    responses={202: STILL_RUNNING, **error_responses(400, 403, 404, 409, 413, 422)},
)
def record_event(
    viewer: ApiViewer, ref: CaseRef, body: RecordStep
) -> CommittedPublic | JSONResponse:
    """Records a step on the case and runs it; the answer is the committed transition."""
    shown = case_commands.show_case(viewer.acting, ref)
    if isinstance(shown, Refusal):
        return refused(shown, case_reference=ref)
    spec = get_definition(shown.pathway, shown.version).transition(body.step)
    # An unknown step is the use case's to refuse, whatever role it would be tried in.
    acting = (
        acting_on_case(viewer, body.role, spec.roles, reference=ref, step=body.step)
        if spec
        else viewer.acting
    )
    if isinstance(acting, Refusal):
        return refused(acting, case_reference=ref)
    outcome = case_commands.record_step(
        acting=acting,
        case_reference=ref,
        transition=body.step,
        payload=body.input,
        runner=run_event,
    )
    if isinstance(outcome, Refusal):
        return refused(outcome, case_reference=ref)
    return _committed(acting, outcome, body.step)
