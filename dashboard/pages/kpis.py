"""The KPI page: the seed 001 measures, conversion rates, the 16/17 outcome mix beside the
pilot's shares and the on-time rate per timer rule, over the cases the viewer may see.

The Request for Support measure counts the requests received in a period the viewer may
choose (``from`` and ``to``, as on the reports page), by default the quarter so far; the other
measures count every case. A wrong date is shown at its input, with no figures, rather than
figures for a period the viewer did not ask for.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from application.kpis import kpi_report
from dashboard.forms import error_summary
from dashboard.period_form import period_form
from dashboard.rendering import render
from dashboard.viewer import PageViewer
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from pathways.calendar import london_date

router = APIRouter()


@router.get("/kpis")
def kpis_page(request: Request, viewer: PageViewer) -> Response:
    engine = get_engine()
    now = clock.now(engine)
    form = period_form(dict(request.query_params), london_date(now))
    report = None
    if form.period is not None:
        # Not chosen: None, so the measure says it is the quarter so far.
        period = form.period if form.chosen else None
        with session_scope(engine) as session:
            report = kpi_report(session, viewer.acting, now, period)
    return render(
        request,
        "kpis.html",
        viewer,
        status_code=422 if form.errors else 200,
        title="KPIs",
        report=report,
        period_form=form,
        field_errors={error.field: error for error in form.errors},
        errors=error_summary(form.errors),
    )
