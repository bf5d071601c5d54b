"""``pathways case document REF s208-notice`` on a real database (issue 9 point 7).

The 1.0 pathway records no placement district, so each case here is built directly with
SQLModel rows: a Case whose facts hold what the 1.1 ``place_under_s188`` records, and its
Person rows. Everything after that is the product's code: principal, rules, audit, CLI.
The applicant's name is fictional; it must reach the document and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from cli.main import app
from infrastructure.db import session_scope
from models import AuditEvent, Authority, Case, Person
from pathways.deadlines import compute_deadline
from pathways.definitions import get_definition
from tests.support.staffed_database import staffed_engine

NAME = "Robin Fictional"
PARENT = "Sam Fictional"
PLACED_AT = "2026-12-21T23:30:00+00:00"
REFERENCE = "JP-7K3Q-9D2F"
OUT_OF_DISTRICT: dict[str, Any] = {
    "authority": "dartford",
    "emergency_placement": "s188",
    "placement_district": "swale",
    "placed_at": PLACED_AT,
    "accommodation": "supported_lodgings",
}
STAFF = {
    "ho.dartford": ("lha-housing-officer", "dartford"),
    "sw.dartford": ("ics-social-worker", "dartford"),
    "ho.swale": ("lha-housing-officer", "swale"),
}


@pytest.fixture
def engine(migrated_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with staffed_engine(migrated_database_url, monkeypatch, STAFF) as engine:
        yield engine


def make_case(engine: Engine, facts: dict[str, Any], reference: str = REFERENCE) -> str:
    """A 16/17 case as the 1.1 pathway leaves it after a s.188 placement: built by hand."""
    with session_scope(engine) as session:
        case = Case(
            reference=reference,
            pathway="youth-1617-intake",
            definition_version=get_definition("youth-1617-intake").version,
            authority_id="dartford",
            state="awaiting_joint_visit",
            facts=facts,
        )
        session.add(case)
        session.flush()
        for relationship, name in (("young_person", NAME), ("parent_or_pr_holder", PARENT)):
            session.add(
                Person(case_id=case.id or 0, relationship_to_case=relationship, full_name=name)
            )
    return reference


def document(*args: str) -> Result:
    return CliRunner().invoke(app, ["case", "document", *args])


def audit_rows(engine: Engine) -> list[AuditEvent]:
    with session_scope(engine) as session:
        rows = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.id))))
        session.expunge_all()
    return rows


def assert_no_name_in_the_audit(engine: Engine) -> None:
    for row in audit_rows(engine):
        dumped = json.dumps(row.model_dump(), default=str)
        assert "Fictional" not in dumped, row.action


def test_a_housing_officer_gets_the_notice_and_the_audit_says_only_that(engine: Engine) -> None:
    reference = make_case(engine, OUT_OF_DISTRICT)
    done = document(reference, "s208-notice", "--as", "ho.dartford")
    assert done.exit_code == 0, (done.output, done.exception)
    text = done.stdout
    with session_scope(engine) as session:
        host = session.get(Authority, "swale")
        assert host is not None
        host_name = host.name
    last_day = compute_deadline("s208-notice", datetime.fromisoformat(PLACED_AT)).due_date
    assert NAME in text and PARENT not in text
    assert f"**To:** {host_name}" in text
    assert "them: none" in text
    assert "[OFFICER TO COMPLETE: the system holds no addresses]" in text
    assert "made available: 21 December 2026" in text
    assert f"**{last_day.day} {last_day:%B %Y}**" in text
    assert "interim accommodation under s.188 Housing Act 1996" in text
    assert "s.208(3)-(4)" in text
    produced = [row for row in audit_rows(engine) if row.action == "document.produced"]
    assert len(produced) == 1
    assert produced[0].case_reference == reference
    assert produced[0].after == {"document": "s208-notice"}
    assert (produced[0].actor, produced[0].role) == ("ho.dartford", "lha-housing-officer")
    assert_no_name_in_the_audit(engine)


def test_output_writes_a_new_file_and_never_overwrites_one(engine: Engine, tmp_path: Path) -> None:
    reference = make_case(engine, OUT_OF_DISTRICT)
    target = tmp_path / "notice.md"
    done = document(reference, "s208-notice", "--as", "ho.dartford", "--output", str(target))
    assert done.exit_code == 0, (done.output, done.exception)
    assert NAME in target.read_text(encoding="utf-8")
    assert NAME not in done.output
    assert target.stat().st_mode & 0o077 == 0
    again = document(reference, "s208-notice", "--as", "ho.dartford", "--output", str(target))
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    assert NAME in target.read_text(encoding="utf-8")
    assert len([r for r in audit_rows(engine) if r.action == "document.produced"]) == 1


def test_a_social_worker_is_refused_and_the_refusal_is_audited(engine: Engine) -> None:
    reference = make_case(engine, OUT_OF_DISTRICT)
    done = document(reference, "s208-notice", "--as", "sw.dartford")
    assert done.exit_code == 3, done.output
    assert "a housing (LHA) role produces it" in done.stderr
    assert "Fictional" not in done.output
    refused = [row for row in audit_rows(engine) if row.action == "document.refused"]
    assert [row.after["code"] for row in refused if row.after] == ["forbidden"]
    assert_no_name_in_the_audit(engine)


def test_the_host_authoritys_officer_is_refused_even_when_the_case_is_shared(
    engine: Engine,
) -> None:
    reference = make_case(engine, OUT_OF_DISTRICT)
    share = CliRunner().invoke(
        app,
        [
            "case",
            "share",
            reference,
            "--with",
            "swale",
            "--reason",
            "placement",
            "--as",
            "ho.dartford",
        ],
    )
    assert share.exit_code == 0, share.output
    done = document(reference, "s208-notice", "--as", "ho.swale")
    assert done.exit_code == 2, done.output
    assert "placing authority (dartford)" in done.stderr
    assert "Fictional" not in done.output


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"placement_district": "dartford"}, "own district"),
        ({"emergency_placement": "s20"}, "no s.188 placement"),
        ({"placement_district": None, "emergency_placement": None, "placed_at": None}, "s.188"),
    ],
)
def test_a_case_without_an_out_of_district_s188_placement_is_refused(
    engine: Engine, changes: dict[str, Any], says: str
) -> None:
    reference = make_case(engine, {**OUT_OF_DISTRICT, **changes})
    done = document(reference, "s208-notice", "--as", "ho.dartford")
    assert done.exit_code == 4, done.output
    assert done.stderr.startswith("refused: s.208 Housing Act 1996")
    assert says in done.stderr
    assert "Fictional" not in done.output
    assert not [row for row in audit_rows(engine) if row.action == "document.produced"]


def test_bad_input_names_the_argument(engine: Engine) -> None:
    reference = make_case(engine, OUT_OF_DISTRICT)
    unknown = document(reference, "s184-letter", "--as", "ho.dartford")
    assert unknown.exit_code == 2
    assert "KIND: 's184-letter' is not one of s208-notice" in unknown.stderr
    missing = document("JP-0000-0000", "s208-notice", "--as", "ho.dartford")
    assert missing.exit_code == 2
    assert "REF: no case with reference 'JP-0000-0000'" in missing.stderr
