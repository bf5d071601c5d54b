"""Security on the served dashboard: what an auditor may read and not do, refused forms (wrong
role, no CSRF token), other authorities' cases, signing out and the sign-in lockout.

Raw posts go through the browser context's own request client (``page.request``), so they
carry the signed-in session's cookie as a forged or scripted request from that browser would.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import Session, col, select

from application.accounts import MAX_FAILURES, issue_api_token
from dashboard.security import SESSION_COOKIE
from infrastructure.db import session_scope
from models import Case, CaseEvent
from pathways.definitions import get_definition
from tests.e2e.live import (
    AUTHORITY,
    PATHWAY,
    Dashboard,
    app_today,
    axe_check,
    csrf_of,
    intake_answers,
    shot,
)

pytestmark = pytest.mark.e2e

COORDINATOR = "e2e.coordinator"
AUDITOR = "e2e.auditor"
SOCIAL_WORKER = "e2e.social-worker"
OTHER_AUTHORITY = "e2e.medway"
A_STEP = "triage_safe_tonight"
"""Open on a new intake, and recorded by housing officers and social workers only."""
DEFINITION = get_definition(PATHWAY)


def _events_of(dashboard: Dashboard, reference: str) -> int:
    with Session(dashboard.engine) as session:
        return len(
            session.exec(
                select(CaseEvent.id)
                .join(Case, col(Case.id) == col(CaseEvent.case_id))
                .where(Case.reference == reference)
            ).all()
        )


def test_an_auditor_reads_the_timeline_but_has_nothing_to_do(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, AUDITOR)
    page.goto(f"/cases/{gravesham_case}")
    timeline = page.locator(".app-timeline li")
    expect(timeline.first).to_be_visible()
    expect(page.locator(".app-timeline")).to_contain_text("First enquiry")
    expect(page.locator("#actions + p")).to_contain_text("None of your roles has a step")
    expect(page.locator('a[href*="/steps/"]')).to_have_count(0)
    axe_check(page)
    shot(page, "case-page-auditor")


def test_a_social_worker_is_offered_only_the_steps_of_their_role(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, SOCIAL_WORKER)
    page.goto(f"/cases/{gravesham_case}")
    links = page.locator(f'#actions + ul a[href^="/cases/{gravesham_case}/steps/"]')
    offered = [str(link.get_attribute("href")).rsplit("/", 1)[-1] for link in links.all()]
    assert A_STEP in offered
    for name in offered:
        spec = DEFINITION.transition(name)
        assert spec is not None and "ics-social-worker" in spec.roles, name
    # Open at this step to a housing officer (the coordinator sees it), never to ICS.
    expect(page.locator("#actions + ul")).not_to_contain_text("LHA prevention duty")


def test_a_step_posted_by_the_wrong_role_is_refused_and_audited(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, AUDITOR)
    page.goto(f"/cases/{gravesham_case}")
    before = len(dashboard.audit_rows("principal.refused.forbidden", actor=AUDITOR))
    events = _events_of(dashboard, gravesham_case)

    response = page.request.post(
        f"/cases/{gravesham_case}/steps/{A_STEP}",
        form={"csrf_token": csrf_of(page)},
        max_redirects=0,
    )

    assert response.status == 403, response.text()[:500]
    refused = dashboard.audit_rows("principal.refused.forbidden", actor=AUDITOR)
    assert len(refused) == before + 1
    assert refused[-1].case_reference == gravesham_case
    assert refused[-1].after is not None and A_STEP in str(refused[-1].after["attempted"])
    assert _events_of(dashboard, gravesham_case) == events


@pytest.mark.parametrize("token", [None, "not-the-token"], ids=["missing", "wrong"])
def test_a_form_without_the_sessions_csrf_token_is_refused(
    page: Page, dashboard: Dashboard, gravesham_case: str, token: str | None
) -> None:
    dashboard.sign_in(page, COORDINATOR)
    page.goto(f"/cases/{gravesham_case}")
    forged: dict[str, str | float | bool] = {} if token is None else {"csrf_token": token}
    start: dict[str, str | float | bool] = {
        **intake_answers(app_today(dashboard)),
        "authority": AUTHORITY,
        **forged,
    }
    cases, events = dashboard.case_count(), _events_of(dashboard, gravesham_case)

    refused_start = page.request.post(f"/cases/new/{PATHWAY}", form=start, max_redirects=0)
    refused_step = page.request.post(
        f"/cases/{gravesham_case}/steps/{A_STEP}", form=forged, max_redirects=0
    )

    assert (refused_start.status, refused_step.status) == (403, 403)
    assert dashboard.case_count() == cases
    assert _events_of(dashboard, gravesham_case) == events
    # The same start with the session's own token is accepted: only the token was wrong.
    accepted = page.request.post(
        f"/cases/new/{PATHWAY}", form={**start, "csrf_token": csrf_of(page)}, max_redirects=0
    )
    assert accepted.status == 303, accepted.text()[:800]
    assert dashboard.case_count() == cases + 1


def test_another_authoritys_case_is_not_found_and_not_listed(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    dashboard.sign_in(page, OTHER_AUTHORITY)
    response = page.goto(f"/cases/{gravesham_case}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(gravesham_case)

    step = page.goto(f"/cases/{gravesham_case}/steps/{A_STEP}")
    assert step is not None and step.status == 404

    page.goto("/cases")
    expect(page.get_by_role("heading", name="Caseload", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=gravesham_case)).to_have_count(0)


def test_another_authoritys_case_is_not_found_through_the_api(
    page: Page, dashboard: Dashboard, gravesham_case: str
) -> None:
    with session_scope(dashboard.engine) as session:
        own = issue_api_token(session, COORDINATOR, by="e2e")
        other = issue_api_token(session, OTHER_AUTHORITY, by="e2e")

    def get(path: str, token: str) -> tuple[int, str]:
        answer = page.request.get(path, headers={"Authorization": f"Bearer {token}"})
        return answer.status, answer.text()

    # The owner's token reads it, so the other authority's 404 is isolation, not a missing route.
    assert get(f"/api/cases/{gravesham_case}", own)[0] == 200
    assert get(f"/api/cases/{gravesham_case}", other)[0] == 404
    listed_status, listed = get(f"/api/cases?pathway={PATHWAY}", other)
    assert listed_status == 200
    assert gravesham_case not in listed


def test_the_session_cookie_is_dead_after_signing_out(
    browser: Browser, page: Page, dashboard: Dashboard
) -> None:
    dashboard.sign_in(page, COORDINATOR)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == SESSION_COOKIE]

    def caseload_with_stolen_cookie() -> str:
        """The same value, replayed from another browser as a thief of the cookie would."""
        context = browser.new_context(base_url=dashboard.base_url)
        try:
            context.add_cookies(
                [
                    {
                        "name": cookie["name"],
                        "value": cookie["value"],
                        "url": dashboard.base_url,
                        "secure": cookie["secure"],
                    }
                ]
            )
            other = context.new_page()
            other.goto("/cases")
            return other.url
        finally:
            context.close()

    assert caseload_with_stolen_cookie().endswith("/cases")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))
    assert re.search(r"/sign-in\?next=/cases$", caseload_with_stolen_cookie())
    assert dashboard.audit_rows("account.signed_out", actor=COORDINATOR)


def test_five_wrong_passwords_lock_the_account(page: Page, dashboard: Dashboard) -> None:
    user = "e2e.lockout"
    for _ in range(MAX_FAILURES):
        dashboard.sign_in(page, user, "a wrong password, but long enough")
        expect(page.locator(".govuk-error-summary")).to_contain_text("correct username")

    dashboard.sign_in(page, user)

    expect(page).to_have_url(re.compile(r"/sign-in$"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("locked")
    assert len(dashboard.audit_rows("account.locked", actor=user)) == 1
    assert not dashboard.audit_rows("account.signed_in", actor=user)
    refused = dashboard.audit_rows("account.sign_in_failed", actor=user)
    assert refused[-1].after == {"reason": "locked"}
