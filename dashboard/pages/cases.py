"""The caseload, the start forms and the case page with its actions.

Each handler parses the request, calls one use case (the same ones the CLI and the API call)
and renders the answer. A write runs its pathway flow before the redirect, so the case page the
browser lands on shows the committed transition.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from application import case_commands
from application.case_timeline import case_timeline
from application.case_views import CaseView, TransitionView
from application.cases import Applied, input_limits
from application.starting import StartablePathway, openable_authorities, startable_pathways
from application.worklists import CaseloadFilters, caseload
from dashboard.acting import acting_in, acting_on_case
from dashboard.deadline_tags import deadline_tag
from dashboard.forms import (
    FieldError,
    error_summary,
    errors_from_refusal,
    form_errors,
    form_fields,
    form_values,
    payload_from_form,
)
from dashboard.page_errors import refusal_page
from dashboard.pathway_map import pathway_map
from dashboard.posted import checked_form, form_lists
from dashboard.rendering import render
from dashboard.runner import run_event
from dashboard.templating import environment
from dashboard.viewer import PageViewer, Viewer
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from pathways.definitions import all_definitions, get_definition, latest_definitions
from pathways.refusal import Refusal
from pathways.roles import ROLES

router = APIRouter()
ROLE_FIELD = "acting_role"
FORM_REFUSALS = ("invalid_input", "refused")
"""Refusals of what the form says (a field, or a rule on the answers): shown on the form."""


def _definition_choices() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(pathway name, title) and (step name, title) across every registered definition, in
    the latest version's words where versions differ (not "(skeleton)" once 1.0 is out)."""
    pathways: dict[str, str] = {}
    steps: dict[str, str] = {}
    for definition in [*latest_definitions(), *all_definitions()]:
        pathways.setdefault(definition.name, definition.title)
        for name, step in definition.steps.items():
            steps.setdefault(name, step.title)
    return sorted(pathways.items()), sorted(steps.items(), key=lambda item: item[1])


def _select_items(
    pairs: Sequence[tuple[str, str]], chosen: str | None, any_label: str
) -> list[dict[str, Any]]:
    return [{"value": "", "text": any_label}] + [
        {"value": value, "text": text, "selected": value == chosen} for value, text in pairs
    ]


def _radio_items(pairs: Sequence[tuple[str, str]], chosen: str | None) -> list[dict[str, Any]]:
    return [{"value": value, "text": text, "checked": value == chosen} for value, text in pairs]


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


@router.get("/cases")
def caseload_page(
    request: Request,
    viewer: PageViewer,
    pathway: str | None = None,
    step: str | None = None,
    authority: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    chosen = CaseloadFilters(
        pathway=_blank(pathway),
        step=_blank(step),
        authority_id=_blank(authority),
        owner=_blank(owner),
        status=_blank(status),
    )
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        listed = caseload(session, viewer.principal, chosen, now, page=page)
        authorities = openable_authorities(session, viewer.principal)
    pathways, steps = _definition_choices()
    tags = {
        row.reference: deadline_tag(
            row.next_deadline.due_at if row.next_deadline else None,
            now,
            row.next_deadline.unit if row.next_deadline else "hours",
            done=row.status == "closed",
        )
        for row in listed.rows
    }
    return render(
        request,
        "caseload.html",
        viewer,
        title="Caseload",
        listed=listed,
        tags=tags,
        chosen=chosen,
        selects={
            "pathway": _select_items(pathways, chosen.pathway, "Any pathway"),
            "step": _select_items(steps, chosen.step, "Any step"),
            "authority": _select_items(authorities, chosen.authority_id, "Any authority"),
            "status": _select_items(
                [("open", "Open"), ("closed", "Closed")], chosen.status, "Open or closed"
            ),
        },
        query={k: v for k, v in request.query_params.items() if k != "page" and v},
    )


@router.get("/cases/new")
def choose_pathway(request: Request, viewer: PageViewer) -> Response:
    return render(
        request,
        "start_choose.html",
        viewer,
        title="Start a case",
        startable=startable_pathways(viewer.principal),
    )


def _startable(viewer: Viewer, pathway: str) -> StartablePathway | None:
    return next((p for p in startable_pathways(viewer.principal) if p.name == pathway), None)


def _role_choices(viewer: Viewer, allowed: Sequence[str]) -> list[tuple[str, str]]:
    return [(role, ROLES[role]) for role in sorted(viewer.principal.roles) if role in allowed]


def _start_form(
    request: Request,
    viewer: Viewer,
    startable: StartablePathway,
    *,
    values: Mapping[str, Sequence[str]],
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    with session_scope(get_engine()) as session:
        authorities = openable_authorities(session, viewer.principal)
    return render(
        request,
        "start_form.html",
        viewer,
        status_code=status_code,
        title=startable.title,
        startable=startable,
        fields=form_fields(startable.input_model),
        values=values or form_values(startable.input_model),
        field_errors={error.field: error for error in errors},
        field_error_list=errors,
        errors=error_summary(errors),
        authorities=authorities,
        authority_items=_select_items(
            authorities, _first(values, "authority"), "Choose an authority"
        ),
        roles=(roles := _role_choices(viewer, startable.roles)),
        role_items=_radio_items(roles, _first(values, ROLE_FIELD)),
    )


@router.get("/cases/new/{pathway}")
def start_form(request: Request, viewer: PageViewer, pathway: str) -> Response:
    startable = _startable(viewer, pathway)
    if startable is None:
        return refusal_page(request, viewer, Refusal("not_found", "pathway: none you may start"))
    return _start_form(request, viewer, startable, values={}, errors=[])


def _first(form: Mapping[str, Sequence[str]], name: str) -> str | None:
    values = form.get(name) or []
    return _blank(values[0]) if values else None


def _parsed(
    model: type[BaseModel] | None, form: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Any], list[FieldError]]:
    """The payload, and every problem the step's own model finds in it, all at once: the same
    model the use case validates with, so the user sees a wrong answer before any flow runs."""
    parsed = payload_from_form(model, form)
    return parsed.data, form_errors(model, parsed, input_limits(clock.now(get_engine())))


@router.post("/cases/new/{pathway}")
async def start(request: Request, viewer: PageViewer, pathway: str) -> Response:
    form = form_lists(await checked_form(request, viewer))
    startable = _startable(viewer, pathway)
    if startable is None:
        return refusal_page(request, viewer, Refusal("not_found", "pathway: none you may start"))
    payload, errors = _parsed(startable.input_model, form)
    authority = _first(form, "authority")
    if authority is None:
        errors.insert(0, FieldError("authority", "authority", "Authority: choose an authority"))
    acting = acting_in(viewer, _first(form, ROLE_FIELD), startable.roles)
    if isinstance(acting, Refusal):
        errors.insert(0, FieldError(ROLE_FIELD, ROLE_FIELD, f"Acting as: {acting.reason}"))
    if errors or authority is None or isinstance(acting, Refusal):
        return _start_form(request, viewer, startable, values=form, errors=errors, status_code=422)
    outcome = await run_in_threadpool(
        case_commands.start_case,
        acting=acting,
        pathway=pathway,
        authority_id=authority,
        payload=payload,
        runner=run_event,
    )
    return _answer(
        request,
        viewer,
        outcome,
        startable.input_model,
        lambda errors, status: _start_form(
            request, viewer, startable, values=form, errors=errors, status_code=status
        ),
        applied_notice="opened",
    )


def _answer(
    request: Request,
    viewer: Viewer,
    outcome: Applied | Refusal,
    model: type[BaseModel] | None,
    redraw: Callable[[list[FieldError], int], Response],
    applied_notice: str = "recorded",
) -> Response:
    """After a write: the case page (the run has committed), the form again with the rule
    the answers broke, or the page for any other refusal. An opening lands on ``opened``, whose
    banner says what was already overdue when the case opened."""
    if not isinstance(outcome, Refusal):
        notice = {"applied": applied_notice, "pending": "waiting"}.get(outcome.status, "rejected")
        return RedirectResponse(f"/cases/{outcome.case_reference}?done={notice}", status_code=303)
    if outcome.code in FORM_REFUSALS:
        return redraw(errors_from_refusal(outcome, model), outcome.http_status)
    return refusal_page(request, viewer, outcome)


def _mine(viewer: Viewer, views: list[TransitionView]) -> list[TransitionView]:
    return [view for view in views if viewer.principal.roles.intersection(view.roles)]


@router.get("/cases/{reference}")
def case_page(request: Request, viewer: PageViewer, reference: str) -> Response:
    found = case_commands.show_case_and_moves(viewer.acting, reference)
    if isinstance(found, Refusal):
        return refusal_page(request, viewer, found)
    shown, moves, now = found
    actions = _mine(viewer, moves)
    tags = {
        timer.id: deadline_tag(timer.due_at, now, timer.unit, done=False)
        for timer in shown.timers
        if timer.status in ("open", "warned", "breached")
    }
    return render(
        request,
        "case.html",
        viewer,
        title=f"Case {shown.reference}",
        case=shown,
        actions=[a for a in actions if not (a.now or "").startswith("refused")],
        not_now=[a for a in actions if (a.now or "").startswith("refused")],
        tags=tags,
        done=request.query_params.get("done"),
        timeline=case_timeline(shown),
        map_html=map_html(
            shown.pathway,
            shown.version,
            tuple(shown.route),
            shown.step if shown.status == "open" else None,
        ),
    )


@lru_cache(maxsize=1024)
def map_html(pathway: str, version: str, route: tuple[str, ...], current: str | None) -> Markup:
    """The pathway map as the case page shows it: the same for every case on the same route,
    so drawn and rendered once (it is a fifth of the page's cost)."""
    drawn = pathway_map(get_definition(pathway, version), route, current)
    macro = environment().get_template("macros/pathway_map.html").module.pathway_map  # type: ignore[attr-defined]
    return Markup(macro(drawn))


def _transition_form(
    request: Request,
    viewer: Viewer,
    case: CaseView,
    action: TransitionView,
    *,
    values: Mapping[str, Sequence[str]],
    errors: list[FieldError],
    status_code: int = 200,
) -> Response:
    spec = get_definition(case.pathway, case.version).transition(action.name)
    model = spec.input_model if spec else None
    return render(
        request,
        "step_form.html",
        viewer,
        status_code=status_code,
        title=action.title,
        case=case,
        action=action,
        citation=spec.citation if spec else "",
        fields=form_fields(model),
        values=values or form_values(model),
        field_errors={error.field: error for error in errors},
        field_error_list=errors,
        errors=error_summary(errors),
        roles=(roles := _role_choices(viewer, action.roles)),
        role_items=_radio_items(roles, _first(values, ROLE_FIELD)),
    )


def _action(
    viewer: Viewer, reference: str, transition: str
) -> tuple[CaseView, TransitionView] | Refusal:
    read = case_commands.show_case_and_moves(viewer.acting, reference)
    if isinstance(read, Refusal):
        return read
    shown, moves, _ = read
    found = next((m for m in moves if m.name == transition), None)
    if found is None:
        return Refusal("not_allowed_now", f"step: '{transition}' is not open on this case now")
    if not viewer.principal.roles.intersection(found.roles):
        return Refusal(
            "forbidden",
            f"role: '{found.title}' is recorded by {', '.join(found.roles)}; you hold none of them",
        )
    return shown, found


def _refused(
    viewer: Viewer, reference: str, transition: str
) -> Refusal | tuple[CaseView, TransitionView]:
    """The case and the move, or a refusal; one by the wrong role is audited."""
    found = _action(viewer, reference, transition)
    if isinstance(found, Refusal) and found.code == "forbidden":
        return case_commands.audit_refused(
            viewer.acting, reference, found, attempted=f"case.step.{transition}"
        )
    return found


@router.get("/cases/{reference}/steps/{transition}")
def step_form(request: Request, viewer: PageViewer, reference: str, transition: str) -> Response:
    found = _refused(viewer, reference, transition)
    if isinstance(found, Refusal):
        return refusal_page(request, viewer, found)
    case, action = found
    return _transition_form(request, viewer, case, action, values={}, errors=[])


@router.post("/cases/{reference}/steps/{transition}")
async def record(request: Request, viewer: PageViewer, reference: str, transition: str) -> Response:
    form = form_lists(await checked_form(request, viewer))
    found = await run_in_threadpool(_refused, viewer, reference, transition)
    if isinstance(found, Refusal):
        return refusal_page(request, viewer, found)
    case, action = found
    spec = get_definition(case.pathway, case.version).transition(action.name)
    model = spec.input_model if spec else None
    payload, errors = _parsed(model, form)
    picked = acting_on_case(
        viewer, _first(form, ROLE_FIELD), action.roles, reference=reference, step=transition
    )
    if isinstance(picked, Refusal):
        errors.insert(0, FieldError(ROLE_FIELD, ROLE_FIELD, f"Acting as: {picked.reason}"))
    if errors or isinstance(picked, Refusal):
        return _transition_form(
            request, viewer, case, action, values=form, errors=errors, status_code=422
        )
    outcome = await run_in_threadpool(
        case_commands.record_step,
        acting=picked,
        case_reference=reference,
        transition=transition,
        payload=payload,
        runner=run_event,
    )
    return _answer(
        request,
        viewer,
        outcome,
        model,
        lambda errors, status: _transition_form(
            request, viewer, case, action, values=form, errors=errors, status_code=status
        ),
    )
