"""The reports page: the compliance report for a period and authority, each section as a CSV
download, and for the roles ``config/hclic.yaml`` names, the H-CLIC export.

The page parses the dates and renders; who may read, what they may see and every audit row are
the use cases' (``application.compliance``, ``application.hclic``). The H-CLIC export is a POST
carrying the page's CSRF token: it writes personal data to a file, so it must be a deliberate
act on this page, never a link another site could make the browser follow.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from application.compliance import (
    SECTIONS,
    ComplianceReport,
    compliance_report,
    may_read_rationale,
    section_csv,
)
from application.hclic import HclicExport, exporting_role, hclic_export
from application.report_scope import ReportPeriod, report_period
from application.starting import openable_authorities
from dashboard.forms import FieldError, error_summary
from dashboard.page_errors import error_page, refusal_page
from dashboard.period_form import LABELS, period_form
from dashboard.posted import checked_form
from dashboard.rendering import render
from dashboard.viewer import PageViewer, Viewer
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from infrastructure.hclic_config import NOT_OFFICIAL, HclicConfig, load_hclic_config
from pathways.calendar import london_date
from pathways.refusal import Refusal

router = APIRouter()
ISO_DAY: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
SHOWN_ROWS: Final = 200
"""Rows a section shows on the page; its CSV has every one."""


def _iso(value: str | None, name: str, errors: list[FieldError]) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, name, f"{LABELS[name]}: must be a date, like 2026-03-31"))
        return None


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _links(period: ReportPeriod, authority: str | None, rationale: bool) -> dict[str, str]:
    base = {"from": period.first_day.isoformat(), "to": period.last_day.isoformat()}
    if authority:
        base["authority"] = authority
    links = {}
    for key in SECTIONS:
        query = {**base, **({"rationale": "1"} if rationale and key == "consent-overrides" else {})}
        links[key] = f"/reports/compliance/{key}.csv?{urlencode(query)}"
    return links


def _config() -> HclicConfig | None:
    # A broken file must not take the compliance report down with it; the export says why.
    try:
        return load_hclic_config()
    except ValueError:
        return None


def _page(
    request: Request,
    viewer: Viewer,
    *,
    report: ComplianceReport | None,
    period: ReportPeriod | None,
    authority: str | None,
    authorities: list[tuple[str, str]],
    dates: dict[str, dict[str, str]],
    errors: list[FieldError],
) -> Response:
    config = _config()
    hclic_role = exporting_role(viewer.principal.roles, config) if config else None
    items = [{"value": "", "text": "All your authorities"}] + [
        {"value": value, "text": text, "selected": value == authority}
        for value, text in authorities
    ]
    return render(
        request,
        "reports.html",
        viewer,
        status_code=422 if errors else 200,
        title="Reports",
        report=report,
        period=period,
        dates=dates,
        authority_items=items,
        hclic_authorities=[
            {"value": value, "text": text, "selected": value == authority}
            for value, text in authorities
        ],
        field_errors={error.field: error for error in errors},
        errors=error_summary(errors),
        links=_links(period, authority, False) if period else {},
        rationale_link=(
            "/reports?"
            + urlencode({**dict(request.query_params), "rationale": "1"})
            + "#consent-overrides"
        ),
        may_read_rationale=may_read_rationale(viewer.principal.roles),
        shown_rows=SHOWN_ROWS,
        hclic_role=hclic_role,
        hclic_config=config,
        not_official=NOT_OFFICIAL,
    )


@router.get("/reports")
def reports_page(
    request: Request,
    viewer: PageViewer,
    authority: str | None = None,
    rationale: Annotated[bool, Query()] = False,
) -> Response:
    engine = get_engine()
    now = clock.now(engine)
    asked = period_form(dict(request.query_params), london_date(now))
    errors = list(asked.errors)
    period = asked.period
    chosen = _blank(authority)
    with session_scope(engine) as session:
        authorities = openable_authorities(session, viewer.principal)
        report = (
            compliance_report(
                session,
                viewer.acting,
                period,
                now,
                authority_id=chosen,
                with_rationale=rationale,
                view="page /reports",
            )
            if period is not None
            else None
        )
    if isinstance(report, Refusal):
        if report.code != "invalid_input":
            return refusal_page(request, viewer, report)
        # An unknown authority is a mistake in the form: shown at its field.
        message = "Authority: " + report.reason.removeprefix("authority: ")
        errors.append(FieldError("authority", "authority", message))
        report = None
    return _page(
        request,
        viewer,
        report=report,
        period=period,
        authority=chosen,
        authorities=authorities,
        dates=asked.dates,
        errors=errors,
    )


@router.get("/reports/compliance/{section}.csv")
def compliance_csv(
    request: Request,
    viewer: PageViewer,
    section: Annotated[str, Path(pattern="^[a-z-]{1,40}$")],
    first: Annotated[str, Query(alias="from", pattern=ISO_DAY)],
    last: Annotated[str, Query(alias="to", pattern=ISO_DAY)],
    authority: str | None = None,
    rationale: bool = False,
) -> Response:
    if section not in SECTIONS:
        return error_page(request, viewer, 404, None)
    errors: list[FieldError] = []
    start, end = _iso(first, "from", errors), _iso(last, "to", errors)
    period = None if start is None or end is None else report_period(start, end)
    if period is None or isinstance(period, Refusal):
        reason = period.reason if isinstance(period, Refusal) else errors[0].message
        return error_page(request, viewer, 422, reason)
    engine = get_engine()
    with session_scope(engine) as session:
        report = compliance_report(
            session,
            viewer.acting,
            period,
            clock.now(engine),
            authority_id=_blank(authority),
            with_rationale=rationale and section == "consent-overrides",
            view=f"page /reports: {section}.csv",
        )
    if isinstance(report, Refusal):
        return refusal_page(request, viewer, report)
    name = f"compliance-{section}-{period.first_day}-{period.last_day}.csv"
    return Response(
        section_csv(report, section),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _export(viewer: Viewer, period: ReportPeriod, authority: str) -> HclicExport | Refusal | str:
    try:
        config = load_hclic_config()
    except ValueError as broken:
        return f"The H-CLIC configuration cannot be used: {broken}"
    engine = get_engine()
    with session_scope(engine) as session:
        return hclic_export(session, viewer.acting, period, authority, clock.now(engine), config)


@router.post("/reports/hclic")
async def hclic_download(request: Request, viewer: PageViewer) -> Response:
    form = await checked_form(request, viewer)
    values: dict[str, Any] = {key: form.get(key) for key in ("from", "to", "authority")}
    errors: list[FieldError] = []
    start = _iso(values["from"] if isinstance(values["from"], str) else "", "from", errors)
    end = _iso(values["to"] if isinstance(values["to"], str) else "", "to", errors)
    authority = values["authority"] if isinstance(values["authority"], str) else ""
    if start is None or end is None:
        return error_page(request, viewer, 422, errors[0].message)
    if not authority.strip():
        return error_page(request, viewer, 422, "Authority: choose the council whose return it is")
    period = report_period(start, end)
    if isinstance(period, Refusal):
        return error_page(request, viewer, 422, period.reason)
    made = await run_in_threadpool(_export, viewer, period, authority.strip())
    if isinstance(made, str):
        return error_page(request, viewer, 500, made)
    if isinstance(made, Refusal):
        return refusal_page(request, viewer, made)
    return Response(
        made.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
        },
    )
