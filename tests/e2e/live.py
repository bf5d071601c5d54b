"""What the end-to-end tests share: the staff who sign in, the served dashboard, and the browser
helpers (sign in, fill a generated form, run axe-core, take a screenshot).

axe-core runs through ``page.evaluate`` (the DevTools protocol), not a ``<script>`` tag: the app
sends ``script-src 'self' 'nonce-…'``, which blocks an injected tag, and ``bypass_csp=True``
would test a page users never get (one whose CSP is off). An evaluated script is not subject
to the page's CSP, and axe-core itself needs no ``eval``, so the page is checked as served.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

from playwright.sync_api import FloatRect, Locator, Page, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from application.time_travel import move_clock
from dashboard.assets import AXE_SCRIPT
from infrastructure import clock
from infrastructure.settings import Environment, Settings
from models import AuditEvent, Case, Timer
from pathways.calendar import london_date
from pathways.clock_moves import AdvanceBy, ClockMoveRefused
from pathways.principal import Actor

PATHWAY: Final = "youth-1617-intake"
AUTHORITY: Final = "gravesham"
AXE_TAGS: Final = ("wcag2a", "wcag2aa", "wcag21aa", "wcag22aa")
BLOCKING: Final = frozenset({"serious", "critical"})
SCREENSHOTS: Final = Path(
    os.environ.get("PATHWAYS_SCREENSHOT_DIR")
    or Path(__file__).resolve().parents[2] / "var" / "screenshots"
)
FLOW_TIMEOUT_MS: Final = 60_000
"""A write runs its pathway flow before the redirect; the first one also imports Prefect."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    roles: tuple[str, ...]
    team: str
    authority_id: str


def _users(*users: User) -> dict[str, User]:
    return {user.username: user for user in users}


USERS: Final = _users(
    # The coordinator starts the intake; the housing officer's role records the housing steps.
    User("e2e.coordinator", "Casey Coordinator", ("coordinator", "lha-housing-officer"), "lha",
         AUTHORITY),
    User("e2e.social-worker", "Sam Social Worker", ("ics-social-worker",), "ics", AUTHORITY),
    User("e2e.auditor", "Avery Auditor", ("auditor",), "lha", AUTHORITY),
    User("e2e.operator", "Olu Operator", ("operator",), "lha", AUTHORITY),
    User("e2e.director", "Dana Director", ("ics-assistant-director",), "ics", AUTHORITY),
    User("e2e.medway", "Morgan Medway", ("lha-housing-officer",), "lha", "medway"),
    User("e2e.lockout", "Lee Lockout", ("lha-housing-officer",), "lha", AUTHORITY),
)  # fmt: skip


@dataclass(frozen=True)
class Dashboard:
    base_url: str
    engine: Engine
    password: str
    """Every test account's password: random per test session, never printed."""
    home: Path
    """Everything the served system wrote: its logs, the Prefect server's database, the
    application database (``pathways.db``, the one place personal data may be)."""

    def sign_in(self, page: Page, username: str, password: str | None = None) -> None:
        """Signs in through the form; the page ends where the sign-in sends it."""
        page.goto("/sign-in")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password", exact=True).fill(password or self.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    def now(self) -> datetime:
        return clock.now(self.engine)

    def move_clock_forward(self, by: timedelta) -> None:
        """As ``pathways clock advance`` does it: audited, and refused unless time travel is on."""
        moved = move_clock(
            self.engine,
            AdvanceBy(int(by.total_seconds()), f"{int(by.total_seconds())}s"),
            actor=Actor("e2e.operator", "operator"),
            settings=Settings(environment=Environment.TEST, allow_time_travel=True),
        )
        assert not isinstance(moved, ClockMoveRefused), moved.reason

    def audit_rows(self, action: str, *, actor: str | None = None) -> list[AuditEvent]:
        with Session(self.engine) as session:
            query = select(AuditEvent).where(AuditEvent.action == action)
            if actor is not None:
                query = query.where(AuditEvent.actor == actor)
            return list(session.exec(query.order_by(col(AuditEvent.id))).all())

    def case_count(self) -> int:
        with Session(self.engine) as session:
            return len(session.exec(select(Case.id)).all())

    def timer(self, reference: str, name: str) -> Timer:
        with Session(self.engine) as session:
            return session.exec(
                select(Timer)
                .join(Case, col(Case.id) == col(Timer.case_id))
                .where(Case.reference == reference, Timer.name == name)
            ).one()


# Forms


def birthday_aged(years: int, today: date) -> date:
    """A date of birth that makes someone ``years`` old (and some months) on ``today``."""
    return date(today.year - years, 1, 1) if today.month > 6 else date(today.year - years - 1, 7, 1)


def intake_answers(today: date, *, age: int = 16, name: str = "Jordan Example") -> dict[str, str]:
    """The 16/17 intake's generated form, filled in: every input by its name (dates in GOV.UK
    day/month/year parts, radios by value). The enquiry time is left to the server's clock."""
    born = birthday_aged(age, today)
    return {
        # The journey's coordinator also holds a housing officer's role, and either may take
        # the enquiry: the form asks which one this is recorded in.
        "acting_role": "coordinator",
        "young_person.full_name": name,
        "young_person.date_of_birth-day": str(born.day),
        "young_person.date_of_birth-month": str(born.month),
        "young_person.date_of_birth-year": str(born.year),
        "parent_or_pr_holder.full_name": "Alex Example",
        "slept_last_night": "sofa_surfing",
        "safe_tonight": "yes",
        "known_to_ics": "no",
        "young_person_consent.purpose": "joint working",
        "young_person_consent.given": "yes",
        "parent_consent.purpose": "joint working",
        "parent_consent.given": "yes",
        "approached": "co_located_team",
    }


def fill_form(page: Page, answers: dict[str, str]) -> None:
    """Types or picks each answer into the input of that name, as a person would."""
    for name, value in answers.items():
        inputs = page.locator(f'[name="{name}"]')
        kind = inputs.first.get_attribute("type")
        if kind in ("radio", "checkbox"):
            page.locator(f'[name="{name}"][value="{value}"]').check()
        else:
            inputs.first.fill(value)


def csrf_of(page: Page) -> str:
    return page.locator('input[name="csrf_token"]').first.input_value()


def app_today(dashboard: Dashboard) -> date:
    return london_date(dashboard.now())


def start_intake(page: Page, dashboard: Dashboard, *, name: str = "Jordan Example") -> str:
    """Starts a 16/17 intake through the generated start form; returns the case reference."""
    page.goto(f"/cases/new/{PATHWAY}")
    fill_form(page, intake_answers(app_today(dashboard), name=name))
    submit_ok(page, "Start the case")
    return case_reference(page)


def submit(page: Page, button: str | re.Pattern[str]) -> Response:
    """Presses the form's button; the server's answer, once the page has loaded (a write runs
    its pathway flow before it redirects)."""
    with page.expect_navigation(timeout=FLOW_TIMEOUT_MS) as navigation:
        page.get_by_role("button", name=button).click()
    response = navigation.value
    assert response is not None, f"no response for {page.url}"
    return response


def submit_ok(page: Page, button: str | re.Pattern[str]) -> None:
    """``submit``, failing with what the page says unless the write was accepted."""
    response = submit(page, button)
    summary = page.locator(".govuk-error-summary")
    assert response.ok and not summary.count(), (
        f"{page.url} answered {response.status}: {page.inner_text('main')[:1500]}"
    )


def case_reference(page: Page) -> str:
    found = re.search(r"/cases/([^/?]+)", page.url)
    assert found, page.url
    return found[1]


# Accessibility and screenshots


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def _described(violation: dict[str, Any]) -> str:
    targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
    return f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


def axe_check(page: Page) -> None:
    """Fails on any serious or critical WCAG 2.2 AA violation axe-core finds on the page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]
        })""",
        list(AXE_TAGS),
    )
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core on {page.url}:\n" + "\n".join(map(_described, blocking))


def _png(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"


def shot(page: Page, name: str, *, height: int | None = None) -> Path:
    """A full-page PNG in $PATHWAYS_SCREENSHOT_DIR (var/screenshots by default); ``height``
    keeps only the top of a long page, for a picture small enough for the README."""
    path = _png(name)
    width = page.viewport_size["width"] if page.viewport_size else 1280
    clip = FloatRect(x=0, y=0, width=width, height=height) if height else None
    page.screenshot(path=str(path), full_page=True, clip=clip)
    return path


def shot_of(part: Locator, name: str) -> Path:
    """A PNG of one part of the page (e.g. the pathway map), beside the full-page shots."""
    path = _png(name)
    part.screenshot(path=str(path))
    return path
