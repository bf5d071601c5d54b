"""The dashboard served for real, driven by headless Chromium: one Prefect server, one database
and one ``uvicorn dashboard.app:app`` per xdist worker, and a fresh browser context per test.

The Prefect server is ``pathways serve``'s own (``runtime.prefect_server.embedded_command``),
without its services: the dashboard runs each pathway flow in its own process, so only the API
is needed. It starts while the database is built and the dashboard starts, and the two are
waited for together, which is most of this session's set-up time. Their logs (the place to
look after a 500 page, which shows only a reference) are ``prefect.log`` and ``dashboard.log``
in the worker's ``e2e0`` directory under pytest's base temporary directory.

Every test module here sets ``pytestmark = pytest.mark.e2e``. Nothing is skipped: a missing
Chromium or asset install is a failure, because ``make test`` installs both.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    sync_playwright,
)
from playwright.sync_api import Response as PlaywrightResponse

from application.accounts import add_account
from application.directory import import_directory
from application.staff import add_staff
from infrastructure.db import make_engine, migrate, session_scope
from runtime.prefect_server import api_url, embedded_command
from simulation.smtp import free_port, running_sink
from tests.e2e.live import USERS, Dashboard, start_intake
from tests.e2e.served import started, wait_until_ready

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = ViewportSize(width=1280, height=800)


def _staffed_database(url: str, password: str) -> None:
    migrate(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            import_directory(session)
            for user in USERS.values():
                add_staff(
                    session,
                    username=user.username,
                    display_name=user.display_name,
                    email=f"{user.username}@test.example",
                    roles=list(user.roles),
                    team=user.team,
                    authority_id=user.authority_id,
                    actor="e2e",
                    actor_role="operator",
                    basis="end-to-end test staff",
                )
                add_account(session, user.username, password, by="e2e")
    finally:
        engine.dispose()


def _prefect_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PREFECT_HOME": str(home / "prefect-home"),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """``uvicorn dashboard.app:app`` on a free port, on its own migrated, staffed database,
    running its flows against its own Prefect server and sending mail to an SMTP sink."""
    home = tmp_path_factory.mktemp("e2e")
    prefect_port, port = free_port(), free_port()
    prefect_api = api_url(prefect_port)
    prefect_server = started(
        "the Prefect server",
        [*embedded_command(prefect_port), "--no-services", "--no-ui"],
        env=_prefect_env(home),
        log=home / "prefect.log",
        ready_url=f"{prefect_api}/health",
    )
    with prefect_server as prefect, running_sink() as smtp:
        database_url = f"sqlite:///{home / 'pathways.db'}"
        password = secrets.token_urlsafe(18)
        _staffed_database(database_url, password)
        base_url = f"http://127.0.0.1:{port}"
        env = {
            **_prefect_env(home),
            "PATHWAYS_DATABASE_URL": database_url,
            "PATHWAYS_SMTP_URL": smtp.url,
            "PATHWAYS_ENVIRONMENT": "test",
            "PATHWAYS_ALLOW_TIME_TRAVEL": "1",
            "PATHWAYS_SESSION_SECRET": secrets.token_urlsafe(32),
            "PATHWAYS_BASE_URL": base_url,
            "PATHWAYS_LOG_DIR": str(home / "logs"),
            "PREFECT_API_URL": prefect_api,
        }
        command = [sys.executable, "-m", "uvicorn", "dashboard.app:app", "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning"]  # fmt: skip
        served = started(
            "the dashboard",
            command,
            env=env,
            log=home / "dashboard.log",
            ready_url=f"{base_url}/sign-in",
        )
        with served as app:
            wait_until_ready(app, prefect)
            engine = make_engine(database_url)
            try:
                yield Dashboard(base_url, engine, password, home)
            finally:
                engine.dispose()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    # Not named "playwright", which pytest-playwright would claim if it were ever installed.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium; Playwright's own browser download is never used."""
    chromium = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    try:
        yield chromium
    finally:
        chromium.close()


def _watch(page: Page, problems: list[str]) -> None:
    """Records script errors, CSP refusals and any asset that failed to load. A 4xx page
    itself is not a problem (the tests open 403 and 404 pages on purpose): Chromium's console
    line for it is skipped, and only a failed sub-resource counts."""
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"{page.url}: {message.text}")

    def response(answer: PlaywrightResponse) -> None:
        if answer.status >= 400 and answer.request.resource_type != "document":
            problems.append(f"{answer.url}: {answer.status}")

    page.on("console", console)
    page.on("response", response)


@pytest.fixture
def page(browser: Browser, dashboard: Dashboard) -> Iterator[Page]:
    """A fresh context (no cookies) and page. A script error, a CSP refusal or a missing asset
    on any page the test opened fails it: a page can look right while GOV.UK Frontend's
    JavaScript was blocked."""
    context = browser.new_context(base_url=dashboard.base_url, viewport=VIEWPORT)
    context.set_default_timeout(15_000)
    problems: list[str] = []
    opened = context.new_page()
    _watch(opened, problems)
    try:
        yield opened
    finally:
        context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def gravesham_case(browser: Browser, dashboard: Dashboard) -> str:
    """One 16/17 intake in Gravesham, started by the coordinator through the form."""
    context = browser.new_context(base_url=dashboard.base_url, viewport=VIEWPORT)
    try:
        page = context.new_page()
        dashboard.sign_in(page, "e2e.coordinator")
        return start_intake(page, dashboard, name="Riley Shared")
    finally:
        context.close()
