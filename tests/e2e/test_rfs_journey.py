"""A Request for Support in the browser, through forms generated from the pathway's models: the
coordinator records the threshold check and starts the request, sends it incomplete (every
missing item listed, and marked at its field), completes it with two household members; an
Integrated Front Door triage worker signs in and records the decision. The case page shows
the authority's policy choice with its source and the triage clock with its rule's citation;
axe-core checks every RFS form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from application.accounts import add_account
from application.staff import add_staff
from infrastructure.db import session_scope
from pathways.case_policy import POLICY
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.definitions import rfs_gates as gates
from pathways.definitions.rfs_inputs import RFS_PURPOSE
from tests.e2e.live import (
    AUTHORITY,
    Dashboard,
    app_today,
    axe_check,
    case_reference,
    fill_form,
    shot,
    shot_of,
    submit,
    submit_ok,
)

pytestmark = pytest.mark.e2e

PATHWAY = "request-for-support"
DEFINITION = get_definition(PATHWAY)
COORDINATOR = "e2e.coordinator"
TRIAGE = "e2e.ifd-triage"


@pytest.fixture(scope="module")
def triage_worker(dashboard: Dashboard) -> str:
    """An IFD triage worker with an account, added to the served database as an operator's
    `pathways users` would (USERS has no front-door role)."""
    with session_scope(dashboard.engine) as session:
        add_staff(
            session,
            username=TRIAGE,
            display_name="Indra Front Door",
            email=f"{TRIAGE}@test.example",
            roles=["ifd-triage-worker"],
            team="ics",
            authority_id=AUTHORITY,
            actor="e2e",
            actor_role="operator",
            basis="end-to-end test staff",
        )
        add_account(session, TRIAGE, dashboard.password, by="e2e")
    return TRIAGE


def _current_step(page: Page) -> str:
    row = page.locator(".govuk-summary-list__row", has_text="Current step")
    return row.locator(".govuk-summary-list__value").inner_text().strip()


def _open_step(page: Page, reference: str, transition: str) -> None:
    page.locator("#actions + ul").locator(
        f'a[href="/cases/{reference}/steps/{transition}"]'
    ).click()
    expect(page).to_have_url(re.compile(rf"/cases/{reference}/steps/{transition}$"))


def _recorded(page: Page, reference: str) -> None:
    submit_ok(page, re.compile(r"^Record: "))
    expect(page).to_have_url(re.compile(rf"/cases/{reference}\?done=recorded$"))


def _member(
    number: int, name: str, born: tuple[int, int, int], relationship: str
) -> dict[str, str]:
    prefix = f"household_members.{number}"
    day, month, year = born
    return {
        f"{prefix}.full_name": name,
        f"{prefix}.date_of_birth-day": str(day),
        f"{prefix}.date_of_birth-month": str(month),
        f"{prefix}.date_of_birth-year": str(year),
        f"{prefix}.relationship": relationship,
    }


def test_a_request_for_support_from_threshold_to_triage(
    page: Page, dashboard: Dashboard, triage_worker: str
) -> None:
    dashboard.sign_in(page, COORDINATOR)
    page.goto(f"/cases/new/{PATHWAY}")
    expect(page.get_by_role("heading", name=DEFINITION.title)).to_be_visible()
    # Labels are the fields' titles, not their names.
    expect(page.locator("main")).to_contain_text(
        "Family with no recourse to public funds (NRPF) with children"
    )
    axe_check(page)
    fill_form(
        page,
        {
            "acting_role": "lha-housing-officer",
            "support_level": "3",
            "safeguarding_concern": "no",
            "nrpf_family_with_children": "no",
            "spoke_to_parents": "yes",
            "consulted_safeguarding_lead": "no",
        },
    )
    submit_ok(page, "Start the case")
    reference = case_reference(page)
    assert _current_step(page) == DEFINITION.steps["threshold_checked"].title
    # The policy choice this case follows, with its source.
    choice = POLICY["rfs_nrpf_below_threshold"]
    policy = page.locator("tr", has_text=choice.title)
    expect(policy).to_contain_text(choice.meanings["True"])
    expect(policy).to_contain_text("Working with families with No Recourse to Public Funds")

    _open_step(page, reference, "start_rfs")
    _recorded(page, reference)
    assert _current_step(page) == DEFINITION.steps["drafting"].title

    # Sent with one member's name only, and no synopsis: every missing item is listed, and
    # each is marked at its own field.
    _open_step(page, reference, "submit_rfs")
    axe_check(page)
    shot(page, "rfs-form")
    fill_form(
        page,
        {
            "household_members.0.full_name": "Casey Notreal",
            "household_members.0.relationship": "parent",
            "duty_owed": "prevention",
            "family_consent.given": "yes",
        },
    )
    refused = submit(page, re.compile(r"^Record: "))
    assert 400 <= refused.status < 500, page.inner_text("main")[:800]
    summary = page.locator(".govuk-error-summary")
    # Each message is the field's label and what to do, never the label twice.
    for missing in (
        f"Household member 1: date of birth: {gates.MEMBER_ITEMS['date_of_birth'][1]}",
        f"Household member 1: contact details: {gates.MEMBER_ITEMS['contact_details'][1]}",
        f"Synopsis: {gates.ASK['synopsis']}",
        f"Date the 56-day duty ends: {gates.ASK['duty_ends_on']}",
    ):
        expect(summary).to_contain_text(missing)
    member_born = page.locator("#household_members-0-date_of_birth-error")
    expect(member_born).to_contain_text("date of birth")
    expect(page.locator("#synopsis-error")).to_be_visible()
    expect(page.locator("#duty_ends_on-error")).to_be_visible()
    expect(page.locator('[name="household_members.0.full_name"]')).to_have_value("Casey Notreal")
    axe_check(page)
    shot(page, "rfs-form-errors")

    today = app_today(dashboard)
    fill_form(
        page,
        {
            **_member(0, "Casey Notreal", (2, 11, 1994), "parent"),
            "household_members.0.contact_details": "07700 900517",
            **_member(1, "Drew Notreal", (14, 5, 2013), "child"),
            "household_members.1.contact_details": "Through the parent",
            "synopsis": "Section 21 notice; no affordable home found yet.",
            "complicating_factors": "A disability in the household.",
            "duty_ends_on-day": str(today.day),
            "duty_ends_on-month": str(today.month),
            "duty_ends_on-year": str(today.year + 1),
            "lha_next_steps": "Negotiate more time with the landlord.",
            "interventions_tried": "Discretionary housing payment.",
            "impact_of_interventions": "Two months of the shortfall covered.",
            "agencies_involved": "The child's school.",
            "referrer_name": "Casey Coordinator",
            "referrer_email": "e2e.coordinator@test.example",
            "referrer_phone": "01632 960202",
            "s184_letter_reference": "S184-E2E",
            "assessment_reference": "HA-E2E",
            "php_reference": "PHP-E2E",
            "family_consent.scope": "Sharing this request with the Integrated Front Door.",
        },
    )
    _recorded(page, reference)
    assert _current_step(page) == DEFINITION.steps["submitted"].title
    triage_clock = page.locator("tr", has_text="Integrated Front Door triage decision")
    expect(triage_clock).to_contain_text(RULES["rfs-triage"].citation[:40])
    # The family's consent is recorded, not only checked.
    consent = page.locator("tr", has_text=RFS_PURPOSE)
    expect(consent).to_contain_text("Yes")
    shot(page, "rfs-case-submitted")
    # Both rows of the repeated fieldset became people on the case.
    page.goto(f"/cases/{reference}/people")
    for name in ("Casey Notreal", "Drew Notreal"):
        expect(page.locator("main")).to_contain_text(name)

    # The front door decides not to accept: the case stays open, the LHA's Level 2 support
    # going on, so the LHA can still disagree with the decision or close.
    dashboard.sign_in(page, triage_worker)
    page.goto(f"/cases/{reference}")
    _open_step(page, reference, "not_accepted")
    axe_check(page)
    fill_form(page, {"note": "Needs met at Level 2 with the LHA's support."})
    _recorded(page, reference)
    assert _current_step(page) == DEFINITION.steps["not_accepted"].title
    expect(page.locator(".app-timeline")).to_contain_text(
        DEFINITION.transition("not_accepted").title  # type: ignore[union-attr]
    )
    expect(page.get_by_text("No timer is running.")).to_be_visible()
    expect(page.get_by_text("The case is closed.")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(
        DEFINITION.transition("ifd_raises_disagreement").title  # type: ignore[union-attr]
    )

    # The request and its feedback are in the KPI (this session's only RFS is Gravesham's).
    page.goto("/kpis")
    kpi = page.locator("#rfs-feedback")
    expect(kpi.locator("table").first).to_contain_text("Gravesham Borough Council")
    expect(kpi).to_contain_text(re.compile(r"All authorities: [0-9.]+ working hours \(1 request\)"))
    axe_check(page)
    shot_of(kpi, "kpis-rfs")
