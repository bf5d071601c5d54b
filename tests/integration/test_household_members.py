"""Household members recorded at a later step than the opening, through the real use cases and
the pathway flow on a real Prefect server: each is a Person row with contact details, the
stored event holds markers only, the flow applies it, the chain verifies, a second recording
is refused, the people view and the H-CLIC People section show them (each read audited), and
retention replaces their contact details by commitments."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from application.case_people import show_people
from application.hclic import hclic_export
from application.people_in_inputs import PERSON_ID, PERSON_MARKER
from application.read_log import PERSONAL_DATA_READ
from application.report_scope import ReportPeriod
from application.retention import run_retention
from cli.main import app as cli_app
from infrastructure.caches import reset_caches
from infrastructure.db import session_scope
from infrastructure.hclic_config import load_hclic_config
from models import AuditEvent, Case, CaseEvent, Person
from pathways.commitments import commit
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.roles import OPERATOR_ROLE
from tests.integration.test_hclic_export import files, person
from tests.integration.test_retention import intact
from tests.support.cases import EventRefusedError, acting_for, record_step, start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

HO = "lha-housing-officer"
OPENED = datetime(2019, 6, 3, 9, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MEMBERS = [
    {
        "full_name": "Peregrine Quoddle",
        "date_of_birth": "1984-02-29",
        "relationship": "parent",
        "contact_details": "07700 900417\nflat 2, Quoddle House",
    },
    {
        "full_name": "Tamsin Quoddle",
        "date_of_birth": "2012-07-01",
        "relationship": "child",
        "contact_details": "via parent: tamsin.quoddle@example.org",
    },
]
NEEDLES = ("Quoddle", "900417", "tamsin.quoddle")


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_engine: Engine) -> Engine:
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    reset_caches()
    return app_engine


def _record_household(reference: str) -> None:
    record_step(
        case_reference=reference,
        transition="record_household",
        payload={"household_members": MEMBERS},
        actor="ho1",
        role=HO,
        now=OPENED,
    )


def test_household_members_at_a_later_step_are_people_on_the_case(engine: Engine) -> None:
    opened = start_case(
        pathway="example",
        authority_id="dartford",
        payload={"young_person": {"full_name": "Test Person", "date_of_birth": "2009-05-01"}},
        actor="ho1",
        role=HO,
        now=OPENED,
    )
    reference = opened.case_reference
    _record_household(reference)

    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = session.exec(
            select(Person).where(Person.case_id == case.id).order_by(col(Person.id))
        ).all()
        event = session.exec(
            select(CaseEvent).where(
                CaseEvent.case_id == case.id, CaseEvent.transition == "record_household"
            )
        ).one()
        actions = session.exec(
            select(AuditEvent.action).where(AuditEvent.case_reference == reference)
        ).all()
        assert (event.status, case.facts["lha_duty"]) == ("applied", "prevention")
        assert [(r.relationship_to_case, r.full_name, r.contact_details) for r in rows] == [
            ("young_person", "Test Person", None),
            ("household_members.1", "Peregrine Quoddle", MEMBERS[0]["contact_details"]),
            ("household_members.2", "Tamsin Quoddle", MEMBERS[1]["contact_details"]),
        ]
        assert rows[2].date_of_birth == date(2012, 7, 1)
        assert event.payload == {
            "household_members": [
                {
                    PERSON_MARKER: "household_members.1",
                    PERSON_ID: rows[1].id,
                    "relationship": "parent",
                },
                {
                    PERSON_MARKER: "household_members.2",
                    PERSON_ID: rows[2].id,
                    "relationship": "child",
                },
            ]
        }
        assert "example.record_household.people_recorded" in actions
        audit_rows = json.dumps([a.after for a in session.exec(select(AuditEvent)).all()])
        assert not [needle for needle in NEEDLES if needle in audit_rows]
    intact(engine)

    # Recorded once: a second recording is refused and writes no one.
    with pytest.raises(EventRefusedError, match="household_members: already recorded"):
        _record_household(reference)
    with session_scope(engine) as session:
        assert len(session.exec(select(Person).where(Person.case_id == case.id)).all()) == 3

    # The people view shows them, with their relationship and contact details, and audits it.
    viewer = acting_for("ho1", HO, "dartford")
    shown = show_people(viewer, reference, "people-api")
    assert not isinstance(shown, Refusal)
    assert [(p.described_as, p.full_name, p.contact_details) for p in shown.people] == [
        ("young person", "Test Person", None),
        ("household member 1 (parent)", "Peregrine Quoddle", MEMBERS[0]["contact_details"]),
        ("household member 2 (child)", "Tamsin Quoddle", MEMBERS[1]["contact_details"]),
    ]
    printed = CliRunner().invoke(cli_app, ["case", "people", reference, "--as", "ho1", "--json"])
    assert printed.exit_code == 0, printed.output
    assert [
        (p["relationship"], p["contact_details"]) for p in json.loads(printed.stdout)["people"]
    ] == [
        ("young_person", None),
        ("household_members.1", MEMBERS[0]["contact_details"]),
        ("household_members.2", MEMBERS[1]["contact_details"]),
    ]
    table = CliRunner().invoke(
        cli_app, ["case", "people", reference, "--as", "ho1"], env={"COLUMNS": "80"}
    )
    assert "(parent)" in table.stdout and "(child)" in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    with session_scope(engine) as session:
        reads = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == PERSONAL_DATA_READ, AuditEvent.case_reference == reference
            )
        ).all()
        assert [(r.actor, (r.after or {}).get("view")) for r in reads] == [
            ("ho1", view) for view in ("people-api", "people-cli", "people-cli")
        ]

        # The H-CLIC People section lists the household with the young person.
        period = ReportPeriod(date(2019, 4, 1), date(2019, 6, 30))
        made = hclic_export(
            session, person("lha-service-manager"), period, "dartford", RUN_AT, load_hclic_config()
        )
        assert not isinstance(made, Refusal), made
    listed = [
        (p["case_id"], p["relationship"], p["full_name"], p["date_of_birth"])
        for p in files(made)["02_people.csv"]
    ]
    assert listed == [
        (reference, "young_person", "Test Person", "2009-05-01"),
        (reference, "household_members.1 (parent)", "Peregrine Quoddle", "1984-02-29"),
        (reference, "household_members.2 (child)", "Tamsin Quoddle", "2012-07-01"),
    ]

    # Closed long ago, the case's contact details are replaced by their commitments.
    record_step(
        case_reference=reference,
        transition="withdraw",
        payload={},
        actor="ho1",
        role=HO,
        now=OPENED,
    )
    ran = run_retention(Actor("cli:test", OPERATOR_ROLE), now=RUN_AT)
    assert [done.reference for done in ran.anonymised] == [reference]
    assert ran.anonymised[0].counts["person.contact_details"] == 2
    with session_scope(engine) as session:
        salt = session.exec(select(Case.pii_salt).where(Case.reference == reference)).one()
        kept = session.exec(
            select(Person.contact_details).where(Person.case_id == case.id).order_by(col(Person.id))
        ).all()
        assert kept == [None, *(commit(m["contact_details"], salt) for m in MEMBERS)]
        stored = json.dumps(
            [e.payload for e in session.exec(select(CaseEvent)).all()]
            + [p.model_dump(mode="json") for p in session.exec(select(Person)).all()]
        )
        assert not [needle for needle in NEEDLES if needle in stored]
    intact(engine)
    after = show_people(viewer, reference, "people-api")
    assert not isinstance(after, Refusal)
    assert [(p.anonymised, p.contact_details) for p in after.people] == [(True, None)] * 3
