"""Reads of a case's personal data are audited, and an auditor lists them.

A housing officer reads the people of a case on the page, through the API and on the command
line: each read is an audit event naming who, in which role and through which view, and
carries nothing of what was shown. The s.208 notice, which names the applicant, is a read
too. The auditor is refused the names (403, audited) but lists every read on the page, the
API and the CLI; nothing the auditor does changes a case record; and a user of another
authority gets 404 (the CLI refuses) and sees nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, col, select
from typer.testing import CliRunner, Result

from application import case_commands
from application.accounts import SignedIn, add_account, issue_api_token, sign_in
from application.cases import Applied
from application.documents import Document, produce_document
from application.read_log import PERSONAL_DATA_READ
from cli.main import app as cli_app
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure.db import session_scope
from models import AuditEvent, Case, Person
from pathways.definitions import get_definition
from tests.support.cases import acting_for, apply_now, ensure_staff
from tests.support.intake_form import intake_form

PASSWORD = "a long test passphrase"
NAME = "Quillon Vexbridge"
BORN = "2009-09-01"
STAFF = {
    "ho.dartford": ("lha-housing-officer", "dartford"),
    "aud.dartford": ("auditor", "dartford"),
    "ho.ashford": ("lha-housing-officer", "ashford"),
}
CASE_TABLES = ("case", "person", "caseevent", "casestep", "decision", "consentrecord")


@dataclass(frozen=True)
class Users:
    engine: Engine
    client: TestClient
    cookies: dict[str, str]
    tokens: dict[str, str]

    def page(self, who: str, path: str, method: str = "GET") -> Any:
        self.client.cookies.set(SESSION_COOKIE, self.cookies[who])
        try:
            return self.client.request(method, path)
        finally:
            self.client.cookies.clear()

    def api(self, who: str, path: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})


@pytest.fixture
def users(app_engine: Engine) -> Users:
    cookies, tokens = {}, {}
    for username, (role, authority) in STAFF.items():
        ensure_staff(username, role, authority)
        with session_scope(app_engine) as session:
            add_account(session, username, PASSWORD, by="test")
            tokens[username] = issue_api_token(session, username, by="test")
        with session_scope(app_engine) as session:
            signed_in = sign_in(session, username, PASSWORD)
        assert isinstance(signed_in, SignedIn), signed_in
        cookies[username] = signed_in.session_token
    return Users(
        app_engine, TestClient(create_app(), base_url="https://testserver"), cookies, tokens
    )


def open_case() -> str:
    opened = case_commands.start_case(
        acting=acting_for("ho.dartford", "lha-housing-officer", "dartford"),
        pathway="youth-1617-intake",
        authority_id="dartford",
        payload=intake_form(
            {
                "young_person": {"full_name": NAME, "date_of_birth": BORN},
                "parent_or_pr_holder": {"full_name": "Marigold Vexbridge"},
            }
        ),
        runner=apply_now,
    )
    assert isinstance(opened, Applied), opened
    return opened.case_reference


def cli(*args: str) -> Result:
    return CliRunner().invoke(cli_app, list(args), env={"COLUMNS": "80"})


def reads(engine: Engine, reference: str) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(AuditEvent)
            .where(AuditEvent.case_reference == reference, AuditEvent.action == PERSONAL_DATA_READ)
            .order_by(col(AuditEvent.id))
        ).all()
    return [(row.actor, row.role, (row.after or {})["view"]) for row in rows]


def case_records(engine: Engine) -> str:
    with engine.connect() as connection:
        return json.dumps(
            {
                name: [dict(row._mapping) for row in connection.execute(table.select())]
                for name, table in SQLModel.metadata.tables.items()
                if name in CASE_TABLES
            },
            default=str,
            sort_keys=True,
        )


def test_each_read_of_the_people_is_audited_and_the_auditor_lists_them(users: Users) -> None:
    reference = open_case()
    assert (
        f'href="/cases/{reference}/people"' in users.page("ho.dartford", f"/cases/{reference}").text
    )
    page = users.page("ho.dartford", f"/cases/{reference}/people")
    assert page.status_code == 200, page.text
    assert NAME in page.text and "01 September 2009" in page.text
    assert page.headers["cache-control"] == "no-store"
    api = users.api("ho.dartford", f"/api/cases/{reference}/people")
    assert api.status_code == 200, api.text
    assert api.json()["people"][0] == {
        "relationship": "young_person",
        "full_name": NAME,
        "date_of_birth": BORN,
        "anonymised": False,
        "contact_details": None,
        "household_relationship": None,
    }
    assert api.json()["retention"]["retained_until"] is None
    shown = cli("case", "people", reference, "--as", "ho.dartford")
    assert shown.exit_code == 0, shown.output
    assert NAME in shown.stdout and BORN in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    read_as = ("ho.dartford", "lha-housing-officer")
    assert reads(users.engine, reference) == [
        (*read_as, "people-page"),
        (*read_as, "people-api"),
        (*read_as, "people-cli"),
    ]

    before = case_records(users.engine)
    refused = users.page("aud.dartford", f"/cases/{reference}/people")
    assert refused.status_code == 403 and NAME not in refused.text
    assert users.api("aud.dartford", f"/api/cases/{reference}/people").status_code == 403
    assert users.page("aud.dartford", f"/cases/{reference}/people", "POST").status_code == 405
    case_page = users.page("aud.dartford", f"/cases/{reference}")
    assert f'href="/cases/{reference}/people/reads"' in case_page.text
    listed = users.page("aud.dartford", f"/cases/{reference}/people/reads")
    assert listed.status_code == 200, listed.text
    assert listed.text.count("ho.dartford") == 3 and NAME not in listed.text
    assert "people-cli" in listed.text
    listed_api = users.api("aud.dartford", f"/api/cases/{reference}/people/reads")
    assert [read["view"] for read in listed_api.json()["reads"]] == [
        "people-page",
        "people-api",
        "people-cli",
    ]
    listed_cli = cli("case", "readers", reference, "--as", "aud.dartford")
    assert listed_cli.exit_code == 0, listed_cli.output
    assert listed_cli.stdout.count("ho.dartford") == 3
    assert case_records(users.engine) == before, "the auditor changed nothing"
    assert len(reads(users.engine, reference)) == 3, "the auditor read no personal data"
    with session_scope(users.engine) as session:
        refusals = session.exec(
            select(AuditEvent.actor, AuditEvent.after).where(
                AuditEvent.action == "principal.refused.role_not_held"
            )
        ).all()
    assert [(actor, (after or {})["attempted"]) for actor, after in refusals] == [
        ("aud.dartford", "case.people"),
        ("aud.dartford", "case.people"),
    ]
    # Only an auditor lists the readers.
    assert users.page("ho.dartford", f"/cases/{reference}/people/reads").status_code == 403

    # A user of another authority sees nothing, and nothing is recorded as read.
    page = users.page("ho.ashford", f"/cases/{reference}/people")
    api = users.api("ho.ashford", f"/api/cases/{reference}/people")
    reads_api = users.api("ho.ashford", f"/api/cases/{reference}/people/reads")
    shown = cli("case", "people", reference, "--as", "ho.ashford")
    assert (page.status_code, api.status_code, reads_api.status_code) == (404, 404, 404)
    assert shown.exit_code == 2
    for text in (page.text, api.text, shown.output):
        assert NAME not in text and BORN not in text
    assert len(reads(users.engine, reference)) == 3


def test_producing_the_s208_notice_is_an_audited_read(app_engine: Engine) -> None:
    with session_scope(app_engine) as session:
        case = Case(
            reference="JP-7K3Q-9D2F",
            pathway="youth-1617-intake",
            definition_version=get_definition("youth-1617-intake").version,
            authority_id="dartford",
            state="awaiting_joint_visit",
            facts={
                "authority": "dartford",
                "emergency_placement": "s188",
                "placement_district": "swale",
                "placed_at": "2026-12-21T23:30:00+00:00",
                "accommodation": "supported_lodgings",
            },
        )
        session.add(case)
        session.flush()
        session.add(
            Person(case_id=case.id or 0, relationship_to_case="young_person", full_name=NAME)
        )
    produced = produce_document(
        acting=acting_for("ho.dartford", "lha-housing-officer", "dartford"),
        case_reference="JP-7K3Q-9D2F",
        kind="s208-notice",
    )
    assert isinstance(produced, Document), produced
    assert reads(app_engine, "JP-7K3Q-9D2F") == [
        ("ho.dartford", "lha-housing-officer", "s208-notice")
    ]
