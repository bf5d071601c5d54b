"""The KPI page: the seed 001 measures, conversion rates, the 16/17 outcome mix beside the
pilot's shares and the on-time rate per timer rule, over the cases the viewer may see."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application.kpis import kpi_report
from dashboard.rendering import render
from dashboard.viewer import PageViewer
from infrastructure import clock
from infrastructure.db import get_engine, session_scope

router = APIRouter()


@router.get("/kpis")
def kpis_page(request: Request, viewer: PageViewer) -> Response:
    engine = get_engine()
    with session_scope(engine) as session:
        report = kpi_report(session, viewer.acting, clock.now(engine))
    return render(request, "kpis.html", viewer, title="KPIs", report=report)
