"""An operator verifies the audit chain from the operations page in the browser: the result
page passes axe-core and is photographed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.live import Dashboard, axe_check, shot

pytestmark = pytest.mark.e2e


def test_an_operator_verifies_the_audit_chain(page: Page, dashboard: Dashboard) -> None:
    dashboard.sign_in(page, "e2e.operator")
    page.goto("/ops")
    page.get_by_role("button", name="Verify the audit chain").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("The audit chain verifies")
    axe_check(page)
    shot(page, "operations-audit-verified")
