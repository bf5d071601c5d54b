"""An auditor reads a case's whole story in the browser: from the case page to its timeline,
with the audit chain's status at the top, the Prefect flow run of each step, and an export
that verifies; axe-core finds nothing serious on the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from application.case_export import verify_export
from tests.e2e.live import Dashboard, axe_check, shot

pytestmark = pytest.mark.e2e

AUDITOR = "e2e.auditor"


def test_an_auditor_reads_the_timeline_and_downloads_an_export_that_verifies(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, AUDITOR)
    page.goto(f"/cases/{gravesham_case}")
    page.get_by_role("link", name=re.compile("^Auditor timeline")).click()

    expect(page).to_have_url(re.compile(f"/cases/{gravesham_case}/timeline$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Auditor timeline")
    expect(page.locator("#audit-chain")).to_contain_text("The audit chain of this case verifies")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("record_enquiry")
    expect(timeline).to_contain_text("in Prefect")
    expect(
        timeline.get_by_role("link", name=re.compile("Open in the Prefect UI")).first
    ).to_be_visible()
    assert "Riley Shared" not in page.content()

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download export").click()
    download = downloading.value
    assert download.suggested_filename.startswith(f"{gravesham_case}-timeline-")
    assert verify_export(Path(download.path()).read_bytes()).ok

    axe_check(page)
    shot(page, "auditor-timeline")
