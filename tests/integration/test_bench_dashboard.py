"""The dashboard benchmark runs end to end at a tiny scale: the bulk loader writes cases the
pages accept, the coordinator's session signs the served dashboard in, and each page shows the
rows its bare SELECT selects. So a change to the pages, the accounts or the schema cannot leave
`make bench` crashing unnoticed until someone runs it."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.engine import make_url

from benchmarks import dashboard_pages
from benchmarks.databases import application_on
from benchmarks.scale import SMALL

TINY = replace(SMALL, dashboard_cases=300, page_requests=3, page_warmup=1)


def test_each_page_is_timed_against_a_bare_select_of_its_rows(database_url: str) -> None:
    backend = "postgres" if make_url(database_url).get_backend_name() == "postgresql" else "sqlite"
    with application_on(database_url) as engine:
        rows = dashboard_pages.measure(database_url, engine, TINY, backend)

    assert [(row.name, row.unit, row.target) for row in rows] == dashboard_pages.result_names(
        backend
    )
    for row in rows:
        assert row.value is not None and row.value > 0, row
        assert "p95" in row.note and "bare SELECT" in row.note
