"""Personal data typed into the dashboard stays in the application database: not in the
dashboard's or the Prefect server's logs, not in Prefect's database (flow run names,
parameters, artifacts, logs), not in any alert, and not in the page the caseload shows."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.live import Dashboard, start_intake

CANARY = "Zebedee Quillfeather"
COORDINATOR = "e2e.coordinator"
APPLICATION_DATABASE = "pathways.db"


def _files_outside_the_application_database(home: Path) -> list[Path]:
    return [
        path
        for path in home.rglob("*")
        if path.is_file() and not path.name.startswith(APPLICATION_DATABASE)
    ]


def test_a_name_typed_into_the_start_form_reaches_nothing_but_the_application_database(
    page: Page, dashboard: Dashboard
) -> None:
    dashboard.sign_in(page, COORDINATOR)
    reference = start_intake(page, dashboard, name=CANARY)
    page.goto("/cases")
    assert reference in page.content()
    assert CANARY not in page.content()
    page.goto(f"/cases/{reference}")
    assert CANARY not in page.content()
    files = _files_outside_the_application_database(dashboard.home)
    assert any(path.name == "prefect.db" for path in files)
    for path in files:
        assert CANARY.encode() not in path.read_bytes(), path.name
