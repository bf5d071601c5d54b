"""``GET /api/cases``, ``/api/cases/{ref}``, ``/api/cases/{ref}/timeline`` and
``/api/cases/{ref}/export``: the caseload, one case, its timeline (the auditor's too) and the
timeline's export, as the token's user may see them."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse, Response

from application import case_commands
from application.auditor_timeline import read_auditor_timeline
from application.case_export import export_case
from application.case_timeline import case_timeline
from application.case_views import CaseView, TimerView, TransitionView
from application.worklists import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    CaseloadFilters,
    CaseloadRow,
    NextDeadline,
    caseload,
)
from dashboard.api.auditor_schemas import AuditorTimelinePublic, auditor_public
from dashboard.api.problems import error_responses, refused
from dashboard.api.schemas import (
    ActionPublic,
    CaseloadPublic,
    CasePublic,
    CaseRowPublic,
    ConsentPublic,
    LinkedCasePublic,
    NextDeadlinePublic,
    TimelineEntryPublic,
    TimerPublic,
)
from dashboard.downloads import MANIFEST_HEADER, zip_download
from dashboard.viewer import ApiViewer, Viewer
from flows.run_history import case_run_history
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from pathways.references import REFERENCE_PATTERN
from pathways.refusal import Refusal

router = APIRouter(tags=["cases"])

NAME: Final = r"^[a-z][a-z0-9_-]{0,63}$"
"""Pathway, step and authority ids: lower case, digits, ``-`` and ``_``."""
USERNAME: Final = r"^[^\x00-\x1f\x7f]{1,80}$"
MAX_PAGE: Final = 100_000

CaseRef = Annotated[
    str,
    Path(pattern=REFERENCE_PATTERN.pattern, description="a case reference, e.g. JP-7K3Q-9D2F"),
]


def deadline_public(deadline: NextDeadline | None) -> NextDeadlinePublic | None:
    if deadline is None:
        return None
    return NextDeadlinePublic(
        title=deadline.title,
        rule=deadline.rule_id,
        unit=deadline.unit,
        due_at=deadline.due_at,
        overdue=deadline.overdue,
    )


def _row(row: CaseloadRow) -> CaseRowPublic:
    return CaseRowPublic(
        ref=row.reference,
        pathway=row.pathway,
        pathway_title=row.pathway_title,
        authority=row.authority_id,
        step=row.step,
        step_title=row.step_title,
        status=row.status,
        outcome_code=row.outcome_code,
        opened_at=row.opened_at,
        overdue=row.overdue,
        next_deadline=deadline_public(row.next_deadline),
    )


@router.get("/cases", response_model=CaseloadPublic, responses=error_responses(422))
def list_cases(
    viewer: ApiViewer,
    pathway: Annotated[str | None, Query(pattern=NAME)] = None,
    status: Literal["open", "closed"] | None = None,
    step: Annotated[str | None, Query(pattern=NAME)] = None,
    authority: Annotated[str | None, Query(pattern=NAME)] = None,
    owner: Annotated[
        str | None, Query(pattern=USERNAME, description="a username named on the case")
    ] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = PAGE_SIZE,
) -> CaseloadPublic:
    """One page of the cases you may see, newest first, each with its next deadline."""
    chosen = CaseloadFilters(
        pathway=pathway, step=step, authority_id=authority, owner=owner, status=status
    )
    engine = get_engine()
    now = clock.now(engine)
    with session_scope(engine) as session:
        listed = caseload(session, viewer.principal, chosen, now, page=page, page_size=page_size)
    return CaseloadPublic(
        rows=[_row(row) for row in listed.rows],
        total=listed.total,
        page=listed.page,
        pages=listed.pages,
        page_size=listed.page_size,
        as_of=listed.now,
    )


def _timer(timer: TimerView) -> TimerPublic:
    return TimerPublic(
        name=timer.name,
        title=timer.title,
        rule=timer.rule,
        occurrence=timer.occurrence,
        due_at=timer.due_at,
        status=timer.status,
        overdue=timer.overdue,
        escalation_level=timer.escalation_level,
        closed_at=timer.closed_at,
        citation=timer.citation,
        rule_status=timer.rule_status,
        default_period=timer.default_period,
        override=timer.override,
        due_on=timer.due_on,
        counts_from=timer.counts_from,
        legal_source=timer.legal_source,
        overdue_at_opening=timer.overdue_at_opening,
    )


def _actions(viewer: Viewer, moves: list[TransitionView]) -> list[ActionPublic]:
    return [
        ActionPublic(step=move.name, title=move.title, roles=move.roles, now=move.now)
        for move in moves
        if viewer.principal.roles.intersection(move.roles)
    ]


def _case(case: CaseView, actions: list[ActionPublic]) -> CasePublic:
    return CasePublic(
        ref=case.reference,
        pathway=case.pathway,
        version=case.version,
        pathway_title=case.pathway_title,
        authority=case.authority_id,
        authority_name=case.authority_name,
        step=case.step,
        step_title=case.step_title,
        status=case.status,
        outcome_code=case.outcome_code,
        outcome_label=case.outcome_label,
        duty_outcome=case.duty_outcome,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        people_recorded=case.people_recorded,
        linked_cases=[
            LinkedCasePublic(
                ref=link.reference,
                pathway=link.pathway,
                relation=link.relation,
                by_step=link.by_step,
            )
            for link in case.linked_cases
        ],
        timers=[_timer(timer) for timer in case.timers],
        consents=[
            ConsentPublic(
                purpose=consent.purpose,
                person=consent.person,
                given=consent.given,
                safeguarding_override=consent.safeguarding_override,
                recorded_by=consent.recorded_by,
                recorded_role=consent.recorded_role,
                recorded_at=consent.recorded_at,
            )
            for consent in case.consents
        ],
        route=case.route,
        actions=actions,
    )


@router.get("/cases/{ref}", response_model=CasePublic, responses=error_responses(404, 422))
def show_case(viewer: ApiViewer, ref: CaseRef) -> CasePublic | JSONResponse:
    """The case: where it stands, its timers and records, and the moves open to you now."""
    read = case_commands.show_case_and_moves(viewer.acting, ref)
    if isinstance(read, Refusal):
        return refused(read, case_reference=ref)
    shown, moves, _ = read
    return _case(shown, _actions(viewer, moves))


@router.get(
    "/cases/{ref}/timeline",
    response_model=AuditorTimelinePublic,
    responses=error_responses(404, 422),
)
def show_timeline(viewer: ApiViewer, ref: CaseRef) -> AuditorTimelinePublic | JSONResponse:
    """The case's steps, decisions and alerts, oldest first (``entries``); and the auditor's
    timeline (``auditor``): every audit event, Prefect flow run (with task runs, states and
    artifacts, or as recorded once Prefect has cleaned it up), alert delivery and timer, with
    whether the case's audit chain verifies."""
    shown = case_commands.show_case(viewer.acting, ref)
    if isinstance(shown, Refusal):
        return refused(shown, case_reference=ref)
    audited = read_auditor_timeline(viewer.acting, ref, case_run_history(ref))
    if isinstance(audited, Refusal):
        return refused(audited, case_reference=ref)
    entries = [
        TimelineEntryPublic(
            at=entry.at, kind=entry.kind, text=entry.text, actor=entry.actor, role=entry.role
        )
        for entry in case_timeline(shown)
    ]
    return auditor_public(audited, entries)


@router.get(
    "/cases/{ref}/export",
    response_class=Response,
    responses={
        200: {
            "description": "A zip: timeline.json, timeline.csv, timeline.html and manifest.json "
            "(each file's SHA-256). Making it is audited (case.exported).",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                MANIFEST_HEADER: {
                    "description": "the SHA-256 of manifest.json, to check the export later",
                    "schema": {"type": "string"},
                }
            },
        },
        **error_responses(404, 422),
    },
)
def export_timeline(viewer: ApiViewer, ref: CaseRef) -> Response:
    """The auditor's timeline as a zip a third party can check (`pathways export verify`)."""
    made = export_case(viewer.acting, ref, case_run_history(ref))
    if isinstance(made, Refusal):
        return refused(made, case_reference=ref)
    return zip_download(made)
