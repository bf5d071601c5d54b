"""A coordinator's day in the browser: sign in, start the 16/17 intake through its generated
form (a wrong date of birth first), record the next steps, and watch a timer go overdue when
the application clock moves on. Every page type is checked with axe-core and photographed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from pathways.definitions import get_definition
from tests.e2e.live import (
    PATHWAY,
    Dashboard,
    app_today,
    axe_check,
    birthday_aged,
    case_reference,
    fill_form,
    intake_answers,
    shot,
    shot_of,
    start_intake,
    submit,
    submit_ok,
)

pytestmark = pytest.mark.e2e

COORDINATOR = "e2e.coordinator"
DEFINITION = get_definition(PATHWAY)


def _step_title(step: str) -> str:
    return DEFINITION.steps[step].title


def _current_step(page: Page) -> str:
    row = page.locator(".govuk-summary-list__row", has_text="Current step")
    return row.locator(".govuk-summary-list__value").inner_text().strip()


def test_sign_in_page_then_caseload(page: Page, dashboard: Dashboard, gravesham_case: str) -> None:
    page.goto("/cases")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/cases$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    axe_check(page)
    shot(page, "sign-in")

    dashboard.sign_in(page, COORDINATOR)
    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("heading", name="Caseload", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=gravesham_case)).to_be_visible()
    axe_check(page)
    shot(page, "caseload")


def test_start_the_intake_then_record_the_next_steps(page: Page, dashboard: Dashboard) -> None:
    dashboard.sign_in(page, COORDINATOR)
    page.goto("/cases/new")
    expect(page.get_by_role("heading", name="Start a case")).to_be_visible()
    axe_check(page)
    shot(page, "start-chooser")

    page.get_by_role("link", name=DEFINITION.title).click()
    expect(page).to_have_url(re.compile(rf"/cases/new/{PATHWAY}$"))
    axe_check(page)
    shot(page, "start-form")

    # Twenty on the enquiry date: the age gate refuses it, at the date of birth.
    fill_form(page, intake_answers(app_today(dashboard), age=20))
    refused = submit(page, "Start the case")
    # The form comes back refused (a 4xx, the status of the rule's refusal), still filled in.
    assert 400 <= refused.status < 500, page.inner_text("main")[:800]
    expect(page).to_have_url(re.compile(rf"/cases/new/{PATHWAY}$"))
    expect(page.locator('[name="young_person.full_name"]')).to_have_value("Jordan Example")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    link = summary.locator('a[href="#young_person-date_of_birth-day"]')
    expect(link).to_contain_text("Date of birth")
    at_field = page.locator("#young_person-date_of_birth-error")
    expect(at_field).to_contain_text("Date of birth")
    expect(at_field).to_contain_text("16")
    axe_check(page)
    shot(page, "start-form-errors")

    born = birthday_aged(16, app_today(dashboard))
    fill_form(
        page,
        {
            "young_person.date_of_birth-day": str(born.day),
            "young_person.date_of_birth-month": str(born.month),
            "young_person.date_of_birth-year": str(born.year),
        },
    )
    submit_ok(page, "Start the case")
    reference = case_reference(page)
    expect(page.get_by_role("heading", name=f"Case {reference}")).to_be_visible()
    assert _current_step(page) == _step_title("safety_triage")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Recorded")
    axe_check(page)
    shot(page, "case-page")

    _record_from_the_case_page(page, reference, "triage_safe_tonight", {})
    assert _current_step(page) == _step_title("awaiting_joint_visit")
    _record_from_the_case_page(
        page,
        reference,
        "support_package_needed",
        {"saw_family": "yes", "saw_young_person": "yes"},
        check=True,
    )
    assert _current_step(page) == _step_title("caf_plan")
    timeline = page.locator(".app-timeline")
    for transition in ("record_enquiry", "triage_safe_tonight", "support_package_needed"):
        spec = DEFINITION.transition(transition)
        assert spec is not None
        expect(timeline).to_contain_text(spec.title)
    shot(page, "case-page-after-joint-visit")
    shot(page, "case-page-top", height=1700)
    shot_of(page.locator(".app-pathway-map"), "pathway-map")


def _record_from_the_case_page(
    page: Page, reference: str, transition: str, answers: dict[str, str], *, check: bool = False
) -> None:
    """Follows the step's link under "What you can do now" and records it through its form;
    ``check`` runs axe-core on the form and photographs it."""
    actions = page.locator("#actions + ul")
    actions.locator(f'a[href="/cases/{reference}/steps/{transition}"]').click()
    expect(page).to_have_url(re.compile(rf"/cases/{reference}/steps/{transition}$"))
    if check:
        axe_check(page)
        shot(page, "action-form")
    fill_form(page, answers)
    submit_ok(page, re.compile(r"^Record: "))
    expect(page).to_have_url(re.compile(rf"/cases/{reference}\?done=recorded$"))


def test_a_timer_goes_overdue_when_the_clock_moves(page: Page, dashboard: Dashboard) -> None:
    dashboard.sign_in(page, COORDINATOR)
    reference = start_intake(page, dashboard, name="Taylor Late")
    joint_visit = page.locator("tr", has_text="Joint visit to family and young person")
    expect(joint_visit).to_contain_text("due in")

    due = dashboard.timer(reference, "joint_visit").due_at
    dashboard.move_clock_forward(due - dashboard.now() + timedelta(hours=2))

    page.reload()
    expect(joint_visit.locator(".govuk-tag--red")).to_contain_text("overdue by")
    shot(page, "case-page-overdue")
    # A case started at the new time is due, not overdue, beside the late one.
    fresh = start_intake(page, dashboard, name="Quinn Fresh")
    page.goto("/cases")
    late_row, fresh_row = (
        page.locator("tr", has=page.get_by_role("link", name=ref, exact=True))
        for ref in (reference, fresh)
    )
    expect(late_row.locator(".govuk-tag--red")).to_contain_text("overdue by")
    expect(fresh_row.locator(".govuk-tag")).to_contain_text("due in")
    axe_check(page)
    shot(page, "caseload-overdue")


def test_my_tasks(page: Page, dashboard: Dashboard, gravesham_case: str) -> None:
    dashboard.sign_in(page, COORDINATOR)
    page.goto("/tasks")
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(page.get_by_role("link", name=gravesham_case).first).to_be_visible()
    axe_check(page)
    shot(page, "my-tasks")


def test_sign_off_inbox_for_a_director(page: Page, dashboard: Dashboard) -> None:
    dashboard.sign_in(page, "e2e.director")
    page.goto("/sign-off")
    expect(page.get_by_role("heading", name="Sign-off inbox")).to_be_visible()
    axe_check(page)
    shot(page, "sign-off-inbox")


def test_kpis(page: Page, dashboard: Dashboard, gravesham_case: str) -> None:
    dashboard.sign_in(page, COORDINATOR)
    response = page.goto("/kpis")
    assert response is not None and response.status == 200, page.inner_text("main")[:800]
    # Charts are drawn on the server, each with a table of its figures under it.
    expect(page.locator("main svg").first).to_be_visible()
    expect(page.locator("main table").first).to_be_visible()
    axe_check(page)
    shot(page, "kpis")


def test_compliance_reports_for_an_auditor(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, "e2e.auditor")
    response = page.goto("/reports")
    assert response is not None and response.status == 200, page.inner_text("main")[:800]
    expect(page.locator("main table").first).to_be_visible()
    axe_check(page)
    shot(page, "reports")


def test_personal_details_for_a_practitioner(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, COORDINATOR)
    response = page.goto(f"/cases/{gravesham_case}/people")
    assert response is not None and response.status == 200, page.inner_text("main")[:800]
    axe_check(page)
    shot(page, "personal-details")


def test_operations_for_an_operator(page: Page, dashboard: Dashboard) -> None:
    dashboard.sign_in(page, "e2e.operator")
    response = page.goto("/ops")
    assert response is not None and response.status == 200, page.inner_text("main")[:800]
    expect(page.locator("main h1")).to_contain_text("Operations")
    axe_check(page)
    shot(page, "operations")


def test_error_page(page: Page, dashboard: Dashboard) -> None:
    dashboard.sign_in(page, COORDINATOR)
    response = page.goto("/cases/NO-SUCH-CASE")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    axe_check(page)
    shot(page, "error-404")
