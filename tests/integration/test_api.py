"""The JSON API end to end: a bearer token from ``application.accounts``, the real use cases,
a real Prefect server running each step's flow, and the database they write.

A housing officer opens a 16/17 intake, records the triage, reads the case and its timeline;
the API says 403 (and audits it) to a role that may not make a move, 404 to another
authority's user (the case page too), 401 without a good token, and 422 naming the field for
bad input. The deadline route counts as ``pathways.deadlines`` does, authority override
included.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.accounts import SignedIn, add_account, issue_api_token, sign_in
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure.caches import reset_caches
from infrastructure.db import session_scope
from models import AuditEvent
from pathways.deadlines import compute_deadline
from tests.support.authority_config_file import use_authority_config
from tests.support.cases import ensure_staff
from tests.support.intake_form import intake_form

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]

PATHWAY = "youth-1617-intake"
PASSWORD = "a long test passphrase"
NAME = "Quillon Brackenfeather"


@dataclass(frozen=True)
class Staff:
    tokens: dict[str, str]
    client: TestClient

    def call(self, who: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return self.client.request(method, path, headers=headers, **kwargs)


STAFF = {
    "ho.dartford": ("lha-housing-officer", "dartford"),
    "eh.dartford": ("early-help-practitioner", "dartford"),
    "ho.ashford": ("lha-housing-officer", "ashford"),
}


@pytest.fixture
def staff(app_engine: Engine) -> Iterator[Staff]:
    tokens = {}
    for username, (role, authority) in STAFF.items():
        ensure_staff(username, role, authority)
        with session_scope(app_engine) as session:
            add_account(session, username, PASSWORD, by="test")
            tokens[username] = issue_api_token(session, username, by="test")
    with TestClient(create_app()) as client:
        yield Staff(tokens, client)


def opening_input() -> dict[str, Any]:
    born = datetime.now(UTC).date() - timedelta(days=round(16.5 * 365.25))
    return intake_form(
        {
            "young_person": {"full_name": NAME, "date_of_birth": born.isoformat()},
            "parent_or_pr_holder": {"full_name": "Parent Brackenfeather"},
        }
    )


def start(staff: Staff, **changes: Any) -> Any:
    body = {"pathway": PATHWAY, "authority": "dartford", "input": opening_input(), **changes}
    return staff.call("ho.dartford", "POST", "/api/cases", json=body)


def audit_rows(engine: Engine, reference: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(AuditEvent)
                .where(AuditEvent.case_reference == reference)
                .order_by(col(AuditEvent.id))
            ).all()
        )


def test_a_case_is_opened_stepped_and_read_through_the_api(staff: Staff) -> None:
    opened = start(staff)
    assert opened.status_code == 201, opened.text
    created = opened.json()
    ref = created["ref"]
    assert (created["step"], created["status"], created["from_step"]) == (
        "safety_triage",
        "open",
        "new_enquiry",
    )
    assert {timer["rule"] for timer in created["timers_opened"]} >= {"joint-visit-1617"}

    stepped = staff.call(
        "ho.dartford", "POST", f"/api/cases/{ref}/events", json={"step": "triage_safe_tonight"}
    )
    assert stepped.status_code == 201, stepped.text
    moved = stepped.json()
    assert (moved["transition"], moved["from_step"], moved["step"]) == (
        "triage_safe_tonight",
        "safety_triage",
        "awaiting_joint_visit",
    )

    case = staff.call("ho.dartford", "GET", f"/api/cases/{ref}")
    assert case.status_code == 200
    shown = case.json()
    assert (shown["step"], shown["authority"]) == ("awaiting_joint_visit", "dartford")
    assert shown["route"] == ["new_enquiry", "safety_triage", "awaiting_joint_visit"]
    assert "young_person" in shown["people_recorded"]
    assert NAME not in case.text and "Brackenfeather" not in case.text
    assert any(timer["rule"] == "joint-visit-1617" for timer in shown["timers"])
    assert any(action["step"] == "support_package_needed" for action in shown["actions"])

    timeline = staff.call("ho.dartford", "GET", f"/api/cases/{ref}/timeline").json()
    steps = [entry for entry in timeline["entries"] if entry["kind"] == "step"]
    assert [(e["actor"], e["role"]) for e in steps] == [("ho.dartford", "lha-housing-officer")] * 2
    assert "Brackenfeather" not in str(timeline)

    listed = staff.call("ho.dartford", "GET", "/api/cases", params={"pathway": PATHWAY}).json()
    assert [row["ref"] for row in listed["rows"]] == [ref]
    assert (listed["total"], listed["pages"]) == (1, 1)
    assert listed["rows"][0]["next_deadline"]["rule"] == "joint-visit-1617"


def test_a_wrong_role_is_refused_with_403_and_audited(staff: Staff, app_engine: Engine) -> None:
    ref = start(staff).json()["ref"]
    forbidden = staff.call(
        "eh.dartford", "POST", f"/api/cases/{ref}/events", json={"step": "triage_safe_tonight"}
    )
    assert forbidden.status_code == 403, forbidden.text
    not_held = staff.call(
        "ho.dartford",
        "POST",
        f"/api/cases/{ref}/events",
        json={"step": "triage_safe_tonight", "role": "ics-social-worker"},
    )
    assert not_held.status_code == 403, not_held.text
    assert "does not hold the role" in not_held.json()["detail"]

    actions = {(row.actor, row.action) for row in audit_rows(app_engine, ref)}
    assert ("eh.dartford", f"{PATHWAY}.triage_safe_tonight.forbidden") in actions
    assert ("ho.dartford", "principal.refused.role_not_held") in actions
    assert staff.call("ho.dartford", "GET", f"/api/cases/{ref}").json()["step"] == "safety_triage"


def test_another_authoritys_case_is_not_found_in_the_api_and_the_pages(
    staff: Staff, app_engine: Engine
) -> None:
    ref = start(staff).json()["ref"]
    for path in (f"/api/cases/{ref}", f"/api/cases/{ref}/timeline"):
        hidden = staff.call("ho.ashford", "GET", path)
        assert hidden.status_code == 404, path
        assert "dartford" not in hidden.text
    posted = staff.call(
        "ho.ashford", "POST", f"/api/cases/{ref}/events", json={"step": "triage_safe_tonight"}
    )
    assert posted.status_code == 404
    listed = staff.call("ho.ashford", "GET", "/api/cases").json()
    assert listed["rows"] == [] and listed["total"] == 0

    with session_scope(app_engine) as session:
        signed_in = sign_in(session, "ho.ashford", PASSWORD)
    assert isinstance(signed_in, SignedIn)
    staff.client.cookies.set(SESSION_COOKIE, signed_in.session_token)
    page = staff.client.get(f"/cases/{ref}", follow_redirects=False)
    assert page.status_code == 404
    assert "dartford" not in page.text.lower()


def test_a_missing_or_bad_token_is_401(staff: Staff) -> None:
    for headers in ({}, {"Authorization": "Bearer jpp_not-a-real-token"}, {"Authorization": "x"}):
        answer = staff.client.get("/api/cases", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert staff.client.get("/api/pathways").status_code == 401


def test_invalid_input_is_422_naming_the_field_and_writes_nothing(staff: Staff) -> None:
    blank = opening_input()
    blank["young_person"]["full_name"] = "   "
    refused = start(staff, input=blank)
    assert refused.status_code == 422, refused.text
    assert "input.young_person.full_name" in [e["field"] for e in refused.json()["errors"]]
    assert NAME not in refused.text

    too_young = opening_input()
    too_young["young_person"]["date_of_birth"] = date(2020, 1, 1).isoformat()
    turned_away = start(staff, input=too_young)
    assert turned_away.status_code == 409, turned_away.text
    assert "under 16" in turned_away.json()["detail"] and "2020-01-01" not in turned_away.text

    missing = opening_input()
    del missing["safe_tonight"]
    assert "input.safe_tonight" in [
        e["field"] for e in start(staff, input=missing).json()["errors"]
    ]

    unknown = start(staff, authority="atlantis")
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["authority"]
    assert start(staff, pathway="no-such-pathway").json()["errors"][0]["field"] == "pathway"
    not_an_object = staff.call("ho.dartford", "POST", "/api/cases", json=["a", "list"])
    assert not_an_object.status_code == 422
    assert staff.call("ho.dartford", "GET", "/api/cases").json()["total"] == 0

    ref = start(staff).json()["ref"]
    no_such_step = staff.call(
        "ho.dartford", "POST", f"/api/cases/{ref}/events", json={"step": "fly_to_the_moon"}
    )
    assert no_such_step.status_code == 422
    assert [e["field"] for e in no_such_step.json()["errors"]] == ["step"]
    assert staff.call("ho.dartford", "GET", "/api/cases/JP-0000").status_code == 422
    assert staff.call("ho.dartford", "GET", "/api/cases/JP-0000-0000").status_code == 404


def test_the_deadline_route_counts_as_the_deadline_rules_do(
    staff: Staff, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def shorter_joint_visit(raw: dict[str, Any]) -> None:
        raw["authorities"]["dartford"] = {"rule_overrides": {"joint-visit-1617": 12}}

    use_authority_config(tmp_path, monkeypatch, shorter_joint_visit)
    try:
        start_at = "2026-03-27T16:30:00+00:00"
        for authority, overrides in ((None, None), ("dartford", {"joint-visit-1617": 12})):
            params = {"start": start_at, **({"authority": authority} if authority else {})}
            answer = staff.call(
                "ho.dartford", "GET", "/api/deadlines/joint-visit-1617", params=params
            )
            assert answer.status_code == 200, answer.text
            expected = compute_deadline(
                "joint-visit-1617", datetime.fromisoformat(start_at), overrides
            )
            got = answer.json()
            assert datetime.fromisoformat(got["due_at"]) == expected.due_at
            assert (got["amount"], got["override_applied"]) == (expected.amount, bool(overrides))
            assert got["citation"] == expected.rule.citation

        days = staff.call(
            "ho.dartford", "GET", "/api/deadlines/review-request", params={"start": "2026-02-27"}
        ).json()
        assert days["due"] == compute_deadline("review-request", date(2026, 2, 27)).due_iso
        unknown = staff.call("ho.dartford", "GET", "/api/deadlines/no-such-rule?start=2026-01-01")
        assert unknown.status_code == 404
        bad_start = staff.call(
            "ho.dartford", "GET", "/api/deadlines/review-request?start=2026-13-01"
        )
        assert [e["field"] for e in bad_start.json()["errors"]] == ["start"]
    finally:
        reset_caches()


def test_pathways_list_every_step_and_its_input_schema(staff: Staff) -> None:
    pathways = {p["name"]: p for p in staff.call("ho.dartford", "GET", "/api/pathways").json()}
    youth = pathways[PATHWAY]
    assert youth["versions"] == ["1.0", "1.1"] and youth["version"] == "1.1"
    opening = next(t for t in youth["transitions"] if t["name"] == youth["opening_transition"])
    assert "young_person" in opening["input_schema"]["properties"]
    assert {"safety_triage", "awaiting_joint_visit"} <= {s["name"] for s in youth["steps"]}
