"""The KPI page through the dashboard, signed in as a Dartford housing officer: the From and To
date inputs choose the period the Request for Support measure counts (the page says which),
and a date that is not real, or a To before the From, is named at its field, with no figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from application.accounts import SignedIn, add_account, sign_in
from application.staff import add_staff
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure.db import session_scope
from models import Case, CaseStep

USERNAME: Final = "ho.kpis"
PASSWORD: Final = "a long test passphrase"
JANUARY: Final = {"from-day": "1", "from-month": "1", "from-year": "2026"}
JANUARY_TO: Final = {"to-day": "31", "to-month": "1", "to-year": "2026"}
QUARTER_TO: Final = {"to-day": "31", "to-month": "3", "to-year": "2026"}


def _request_for_support(engine: Engine, number: int, received: datetime) -> None:
    """A request received by the front door, answered two hours later."""
    with session_scope(engine) as session:
        case = Case(
            reference=f"JP-KPIP-{number:04d}",
            pathway="request-for-support",
            definition_version="1.0",
            authority_id="dartford",
            state="closed",
            facts={},
            opened_at=received,
        )
        session.add(case)
        session.flush()
        for step, done in (("submit_rfs", received), ("not_accepted", received.replace(hour=12))):
            session.add(
                CaseStep(
                    case_id=case.id or 0,
                    step=step,
                    status="done",
                    opened_at=received,
                    completed_at=done,
                )
            )


@pytest.fixture
def client(app_engine: Engine) -> TestClient:
    _request_for_support(app_engine, 1, datetime(2026, 1, 13, 10, tzinfo=UTC))
    _request_for_support(app_engine, 2, datetime(2026, 2, 10, 10, tzinfo=UTC))
    with session_scope(app_engine) as session:
        add_staff(
            session,
            username=USERNAME,
            display_name=USERNAME,
            email=f"{USERNAME}@test.example",
            roles=["lha-housing-officer"],
            team="lha",
            authority_id="dartford",
            actor="test",
            actor_role="operator",
            basis="test staff",
        )
        add_account(session, USERNAME, PASSWORD, by="test")
    with session_scope(app_engine) as session:
        signed_in = sign_in(session, USERNAME, PASSWORD)
    assert isinstance(signed_in, SignedIn), signed_in
    browser = TestClient(create_app(), base_url="https://testserver")
    browser.cookies.set(SESSION_COOKIE, signed_in.session_token)
    return browser


def _input(page: str, name: str) -> str:
    (found,) = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return str(found)


def test_the_chosen_period_sets_the_requests_the_rfs_measure_counts(client: TestClient) -> None:
    with client:
        january = client.get("/kpis", params={**JANUARY, **JANUARY_TO})
        quarter = client.get("/kpis", params={**JANUARY, **QUARTER_TO})
        default = client.get("/kpis")

    assert january.status_code == quarter.status_code == default.status_code == 200
    assert "Shown now: requests received 01 Jan 2026 to 31 Jan 2026." in january.text
    assert "Requests received 01 Jan 2026 to 31 Jan 2026." in january.text
    assert "All authorities: 2.0 working hours (1 request)" in january.text
    assert "Shown now: requests received 01 Jan 2026 to 31 Mar 2026." in quarter.text
    assert "All authorities: 2.0 working hours (2 requests)" in quarter.text
    # The inputs show the period again, as typed.
    assert 'value="31"' in _input(january.text, "to-day")
    assert 'value="1"' in _input(january.text, "to-month")
    # Nothing chosen: the quarter so far, said as such, beside the same inputs.
    assert ", the quarter so far." in default.text
    assert 'name="from-day"' in default.text and 'name="to-year"' in default.text


def test_a_wrong_date_is_named_at_its_field_not_a_server_error(client: TestClient) -> None:
    with client:
        not_real = client.get(
            "/kpis", params={**JANUARY, **QUARTER_TO, "from-day": "30", "from-month": "2"}
        )
        no_year = client.get("/kpis", params={"to-day": "3", "to-month": "3", "to-year": "26"})
        backwards = client.get(
            "/kpis", params={**JANUARY, "to-day": "1", "to-month": "12", "to-year": "2025"}
        )

    assert not_real.status_code == no_year.status_code == backwards.status_code == 422
    assert "From: must be a real date, like 31 3 2026" in not_real.text
    assert 'href="#from-day"' in not_real.text
    assert "To: must be a real date, like 31 3 2026" in no_year.text
    assert 'href="#to-day"' in no_year.text
    assert "To: the last day (2025-12-01) is before the first (2026-01-01)" in backwards.text
    for page in (not_real, no_year, backwards):
        assert "There is a problem" in page.text
        assert 'id="rfs-feedback"' not in page.text  # no figures for a period not asked for
    assert 'value="30"' in _input(not_real.text, "from-day")  # shown again, to correct
