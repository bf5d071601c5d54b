"""The reports page, signed in through ``application.accounts``: an auditor reads every section
and downloads each CSV, asks for the override rationales (that read audited) and changes
nothing else; the H-CLIC export is refused to them (403, audited) and made for the LHA
service manager with the page's CSRF token; a housing officer is refused the page."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from application.accounts import SignedIn, add_account, sign_in
from application.hclic import SECTIONS as HCLIC_SECTIONS
from application.staff import add_staff
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure.db import session_scope
from infrastructure.hclic_config import NOT_OFFICIAL
from models import AuditEvent, Case, Decision, Person, Timer

PASSWORD: Final = "a long test passphrase"
CANARY: Final = "Zebedee Canarywharf"
STAFF: Final = {
    "auditor.kent": "auditor",
    "lsm.kent": "lha-service-manager",
    "ho.kent": "lha-housing-officer",
}
Q1: Final = {
    "from-day": "1",
    "from-month": "1",
    "from-year": "2026",
    "to-day": "31",
    "to-month": "3",
    "to-year": "2026",
}
AT: Final = datetime(2026, 2, 10, 9, tzinfo=UTC)


@dataclass
class Browsers:
    """Signs in each member of staff a test uses, on first use (argon2 takes a moment)."""

    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, username: str) -> TestClient:
        if username not in self.tokens:
            self.tokens[username] = self._signed_in(username)
        client = TestClient(create_app(), base_url="https://testserver")
        client.cookies.set(SESSION_COOKIE, self.tokens[username])
        return client

    def _signed_in(self, username: str) -> str:
        with session_scope(self.engine) as session:
            add_staff(
                session,
                username=username,
                display_name=username,
                email=f"{username}@test.example",
                roles=[STAFF[username]],
                team="lha",
                authority_id="dartford",
                actor="test",
                actor_role="operator",
                basis="test staff",
            )
            add_account(session, username, PASSWORD, by="test")
        with session_scope(self.engine) as session:
            signed_in = sign_in(session, username, PASSWORD)
        assert isinstance(signed_in, SignedIn), signed_in
        return signed_in.session_token


@pytest.fixture
def browsers(app_engine: Engine) -> Browsers:
    with session_scope(app_engine) as session:
        case = Case(
            reference="JP-REPT-0001",
            pathway="youth-1617-intake",
            definition_version="1.1",
            authority_id="dartford",
            state="support_package",
            facts={"lha_duty": "prevention", "prevention_duty_from": "2026-01-05"},
            opened_at=datetime(2026, 1, 5, tzinfo=UTC),
        )
        session.add(case)
        session.flush()
        session.add(
            Timer(
                case_id=case.id or 0,
                name="joint_visit",
                rule_id="joint-visit-1617",
                citation="test",
                owner_team="joint",
                started_at=AT,
                due_at=AT,
                status="closed",
                closed_at=AT,
            )
        )
        session.add(
            Decision(
                case_id=case.id or 0,
                kind="consent_override",
                outcome="override_consent_for_safeguarding",
                decided_by="lead.kent",
                role="lha-safeguarding-lead",
                rationale=f"{CANARY} is at risk at home",
                decided_at=AT,
            )
        )
        session.add(
            Person(
                case_id=case.id or 0,
                relationship_to_case="young_person",
                full_name=CANARY,
                date_of_birth=date(2009, 5, 1),
            )
        )
    return Browsers(app_engine)


def _csrf(page: Response) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def _rows(engine: Engine) -> dict[str, Any]:
    with Session(engine) as session:
        return {
            name: sorted(map(tuple, session.connection().execute(table.select()).all()), key=repr)
            for name, table in SQLModel.metadata.tables.items()
            if name not in ("auditevent", "audithead")
        }


def _actions_after(engine: Engine, last_id: int) -> list[str]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent.action)
                .where(col(AuditEvent.id) > last_id)
                .order_by(col(AuditEvent.id))
            ).all()
        )


def _last_audit_id(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(AuditEvent.id).order_by(col(AuditEvent.id).desc())).first() or 0


def test_an_auditor_reads_the_report_and_its_csvs_and_changes_nothing(browsers: Browsers) -> None:
    # Signing in wrote the session rows: what follows must write nothing but read audit rows.
    auditor = browsers.client("auditor.kent")
    before, last = _rows(browsers.engine), _last_audit_id(browsers.engine)
    with auditor as client:
        page = client.get("/reports", params=Q1)
        assert page.status_code == 200, page.text
        assert 'href="/reports"' in page.text  # the navigation offers the page to an auditor
        assert "JP-REPT-0001" in page.text
        assert "First joint meeting with family" in page.text
        assert CANARY not in page.text
        assert NOT_OFFICIAL in page.text
        assert 'action="/reports/hclic"' not in page.text  # no export button for an auditor
        links = dict.fromkeys(re.findall(r'href="(/reports/compliance/[^"]+)"', page.text))
        assert len(links) == 5
        for link in links:
            download = client.get(link.replace("&amp;", "&"))
            assert download.status_code == 200, link
            assert download.headers["content-type"].startswith("text/csv")
            assert download.headers["content-disposition"].startswith("attachment;")
        timers = client.get(
            "/reports/compliance/timers.csv", params={"from": "2026-01-01", "to": "2026-03-31"}
        )
        rows = list(csv.DictReader(io.StringIO(timers.text)))
        assert [(r["rule"], r["timers"], r["met"]) for r in rows] == [
            ("joint-visit-1617", "1", "1")
        ]

        shown = client.get("/reports", params={**Q1, "rationale": "1"})
        assert f"{CANARY} is at risk at home" in shown.text
        with_rationale = client.get(
            "/reports/compliance/consent-overrides.csv",
            params={"from": "2026-01-01", "to": "2026-03-31", "rationale": "1"},
        )
        assert CANARY in with_rationale.text

        refused = client.post(
            "/reports/hclic",
            data={
                "csrf_token": _csrf(page),
                "from": "2026-01-01",
                "to": "2026-03-31",
                "authority": "dartford",
            },
        )
        assert refused.status_code == 403
        assert "holds personal data" in refused.text
    assert _rows(browsers.engine) == before
    assert _actions_after(browsers.engine, last) == [
        "case.personal_data.read",
        "case.personal_data.read",
        "principal.refused.role_not_held",
    ]


def test_the_lha_service_manager_downloads_the_hclic_export(browsers: Browsers) -> None:
    manager = browsers.client("lsm.kent")
    last = _last_audit_id(browsers.engine)
    with manager as client:
        page = client.get("/reports", params=Q1)
        assert 'action="/reports/hclic"' in page.text
        made = client.post(
            "/reports/hclic",
            data={
                "csrf_token": _csrf(page),
                "from": "2026-01-01",
                "to": "2026-03-31",
                "authority": "dartford",
            },
        )
        forged = client.post(
            "/reports/hclic",
            data={"csrf_token": "0" * 64, "from": "2026-01-01", "to": "2026-03-31"},
        )
    assert made.status_code == 200, made.text
    assert made.headers["content-type"] == "application/zip"
    assert made.headers["cache-control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(made.content)) as archive:
        assert archive.namelist() == [section.filename for section in HCLIC_SECTIONS]
        assert CANARY in archive.read("02_people.csv").decode("utf-8")
    assert forged.status_code == 403
    assert _actions_after(browsers.engine, last) == ["hclic.exported", "case.personal_data.read"]


def test_a_housing_officer_is_refused_the_page_and_the_refusal_audited(
    browsers: Browsers,
) -> None:
    with browsers.client("ho.kent") as client:
        page = client.get("/reports", params=Q1)
        download = client.get(
            "/reports/compliance/timers.csv", params={"from": "2026-01-01", "to": "2026-03-31"}
        )
        cases = client.get("/cases")
    assert (page.status_code, download.status_code) == (403, 403)
    assert "compliance reports are for auditors" in page.text
    assert 'href="/reports"' not in cases.text
    with Session(browsers.engine) as session:
        refused = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "principal.refused.role_not_held")
        ).all()
    assert [(e.actor, (e.after or {})["attempted"]) for e in refused] == [
        ("ho.kent", "page /reports"),
        ("ho.kent", "page /reports: timers.csv"),
    ]


def test_a_date_that_does_not_exist_is_named_at_its_field(browsers: Browsers) -> None:
    with browsers.client("auditor.kent") as client:
        wrong = client.get("/reports", params={**Q1, "from-day": "30", "from-month": "2"})
        backwards = client.get("/reports", params={**Q1, "to-year": "2025"})
        unknown = client.get("/reports", params={**Q1, "authority": "atlantis"})
        bad_csv = client.get("/reports/compliance/timers.csv", params={"from": "x", "to": "y"})
    assert wrong.status_code == 422
    assert "From: must be a real date" in wrong.text
    assert 'href="#from-day"' in wrong.text
    assert backwards.status_code == 422 and "is before the first" in backwards.text
    assert unknown.status_code == 422 and "no authority &#39;atlantis&#39;" in unknown.text
    assert bad_csv.status_code == 422
