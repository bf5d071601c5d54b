"""A case's personal details (the one page that names its people), and for auditors the list
of who has read them. Both are reads: the use cases check the role and audit each read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application.case_people import show_people
from application.read_log import show_readers
from dashboard.page_errors import refusal_page
from dashboard.rendering import render
from dashboard.viewer import PageViewer
from pathways.refusal import Refusal

router = APIRouter()


@router.get("/cases/{reference}/people")
def people_page(request: Request, viewer: PageViewer, reference: str) -> Response:
    shown = show_people(viewer.acting, reference, "people-page")
    if isinstance(shown, Refusal):
        return refusal_page(request, viewer, shown)
    return render(
        request, "people.html", viewer, title=f"Personal details: {shown.reference}", shown=shown
    )


@router.get("/cases/{reference}/people/reads")
def readers_page(request: Request, viewer: PageViewer, reference: str) -> Response:
    shown = show_readers(viewer.acting, reference)
    if isinstance(shown, Refusal):
        return refusal_page(request, viewer, shown)
    return render(
        request,
        "people_reads.html",
        viewer,
        title=f"Who has read the personal details: {shown.reference}",
        shown=shown,
    )
