"""The auditor's timeline of a case (``/cases/{ref}/timeline``) and its export as a download
(``/cases/{ref}/export``): reads only, for anyone whose authority covers the case.

Prefect's history is read here, in the Prefect layer's ``flows.run_history`` (bounded in time,
so a Prefect server that is down costs the page about a second), and handed to the use cases.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application.auditor_timeline import read_auditor_timeline
from application.case_export import export_case
from dashboard.downloads import zip_download
from dashboard.page_errors import refusal_page
from dashboard.rendering import render
from dashboard.viewer import PageViewer
from flows.run_history import case_run_history
from pathways.refusal import Refusal

router = APIRouter()


@router.get("/cases/{reference}/timeline")
def timeline_page(request: Request, viewer: PageViewer, reference: str) -> Response:
    shown = read_auditor_timeline(viewer.acting, reference, case_run_history(reference))
    if isinstance(shown, Refusal):
        return refusal_page(request, viewer, shown)
    return render(
        request,
        "audit_timeline.html",
        viewer,
        title=f"Auditor timeline: {shown.reference}",
        timeline=shown,
    )


@router.get("/cases/{reference}/export")
def export_download(request: Request, viewer: PageViewer, reference: str) -> Response:
    made = export_case(viewer.acting, reference, case_run_history(reference))
    if isinstance(made, Refusal):
        return refusal_page(request, viewer, made)
    return zip_download(made)
