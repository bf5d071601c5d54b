"""The birthday timers on the case page and in ``pathways case show`` (issue #12): each shows its
due date as a date, its legal source, and what it counts from in words ("counts from the young
person's date of birth: 16th birthday + 3 months"), never the date of birth itself.

The case is written as rows, as ``application.timers.open_timers`` leaves them, on the frozen
care-leaver 0.2 definition (its two birthday timers): the opening input of the latest version
is not what this test is about. From there it is the product's read model and both edges.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from application.accounts import SignedIn, add_account, sign_in
from application.case_commands import act_as
from application.case_views import case_view
from application.principals import Acting
from application.timers import new_timer
from cli.main import app
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from infrastructure import clock
from infrastructure.db import session_scope
from models import Case, Person
from pathways.definitions import get_definition
from pathways.refusal import Refusal
from tests.support.staffed_database import staffed_engine

PATHWAY = "care-leaver-transition"
REFERENCE = "JP-3C7M-8B2D"
NAME = "Rowan Fictional"
BORN = date(2010, 9, 1)  # 16 on Tue 1 Sep 2026, 18 on Fri 1 Sep 2028
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
PASSWORD = "a long test passphrase"
STAFF = {"sw.dartford": ("ics-social-worker", "dartford")}
# What the date of birth would look like if it leaked, in any of the forms the edges print.
DOB_FORMS = ("2010-09-01", "01 Sep 2010", "1 Sep 2010", "01/09/2010", "Tue 01 Sep 2026")
NEEDS = "counts from the young person's date of birth: 16th birthday + 3 months"
PANEL = "counts from the young person's date of birth: 18th birthday - 6 months"


@pytest.fixture
def engine(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with staffed_engine(migrated_database_url, monkeypatch, STAFF) as engine:
        with session_scope(engine) as session:
            clock.set_virtual_time(session, NOW, frozen=True)
        definition = get_definition(PATHWAY, "0.2")
        with session_scope(engine) as session:
            case = Case(
                reference=REFERENCE,
                pathway=PATHWAY,
                definition_version="0.2",
                authority_id="dartford",
                state="needs_assessment",
                facts={"legal_status": "relevant_child", "needs_assessment_from": "16th_birthday"},
                opened_at=NOW,
            )
            session.add(case)
            session.flush()
            session.add(
                Person(
                    case_id=case.id or 0,
                    relationship_to_case="young_person",
                    full_name=NAME,
                    date_of_birth=BORN,
                )
            )
            for name in ("needs_assessment", "pre18_panel"):
                session.add(new_timer(case.id or 0, definition.timers[name], BORN, NOW, {}))
        yield engine


def _acting() -> Acting:
    found = act_as("sw.dartford", None, attempted="test")
    assert not isinstance(found, Refusal), found
    return found


def test_the_read_model_gives_dates_sources_and_words(engine: Engine) -> None:
    with session_scope(engine) as session:
        view = case_view(session, _acting(), REFERENCE, NOW)
    assert not isinstance(view, Refusal), view
    timers = {timer.name: timer for timer in view.timers}
    needs, panel = timers["needs_assessment"], timers["pre18_panel"]
    assert (needs.due_on, panel.due_on) == (date(2026, 12, 1), date(2028, 3, 1))
    assert (needs.counts_from, panel.counts_from) == (NEEDS, PANEL)
    assert needs.legal_source == "T17; SI 2010/959 reg.42(1) [L9]"
    assert panel.legal_source.startswith("T20; seed 004 §2.2")
    for timer in (needs, panel):
        assert timer.citation.startswith(timer.legal_source)
        assert not any(form in timer.counts_from + timer.legal_source for form in DOB_FORMS)


def test_case_show_prints_each_birthday_timer_as_a_date_with_its_source(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    shown = CliRunner().invoke(app, ["case", "show", REFERENCE, "--as", "sw.dartford"])
    assert shown.exit_code == 0, (shown.output, shown.exception)
    lines = shown.stdout.splitlines()
    needs = next(line for line in lines if line.lstrip().startswith("needs_assessment "))
    assert "Tue 01 Dec 2026" in needs and "23:59" not in needs
    sources = lines[lines.index(next(li for li in lines if "Timer sources" in li)) :]
    assert any(NEEDS in line and "T17; SI 2010/959 reg.42(1) [L9]" in line for line in sources)
    assert any(PANEL in line and "T20; seed 004 §2.2" in line for line in sources)
    assert NAME not in shown.stdout
    assert not any(form in shown.stdout for form in DOB_FORMS)

    monkeypatch.setenv("COLUMNS", "80")
    narrow = CliRunner().invoke(app, ["case", "show", REFERENCE, "--as", "sw.dartford"])
    assert narrow.exit_code == 0, (narrow.output, narrow.exception)
    assert max(len(line) for line in narrow.stdout.splitlines()) <= 80

    as_json = CliRunner().invoke(app, ["case", "show", REFERENCE, "--as", "sw.dartford", "--json"])
    assert as_json.exit_code == 0, (as_json.output, as_json.exception)
    assert '"due_on": "2026-12-01"' in as_json.stdout
    assert f'"counts_from": "{NEEDS}"' in as_json.stdout
    assert not any(form in as_json.stdout for form in DOB_FORMS)


def test_the_case_page_shows_the_same(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_account(session, "sw.dartford", PASSWORD, by="test")
    with session_scope(engine) as session:
        signed_in = sign_in(session, "sw.dartford", PASSWORD)
    assert isinstance(signed_in, SignedIn), signed_in
    client = TestClient(create_app(), base_url="https://testserver")
    client.cookies.set(SESSION_COOKIE, signed_in.session_token)
    page = client.get(f"/cases/{REFERENCE}")
    assert page.status_code == 200, page.text
    html = page.text.replace("&#39;", "'")
    assert "Tue 01 Dec 2026" in html and "Tue 01 Dec 2026 23:59" not in html
    assert "Wed 01 Mar 2028" in html
    assert "C" + NEEDS[1:] in html and "C" + PANEL[1:] in html
    assert "SI 2010/959 reg.42(1)" in html
    assert NAME not in html
    assert not any(form in html for form in DOB_FORMS)
