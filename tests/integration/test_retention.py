"""``pathways retention run`` on a real database: two 16/17 cases walked to closure through the
real use cases, one closed in 2019 (past six years) and one in 2024 (not yet).

Each case's people, decision rationales, consent scope and event inputs carry a canary name
and date of birth. Every table is scanned for them: before the run they are there (the scan
reads real data); after it the expired case's are gone from every table, the other case's are
untouched, and the audit chain and the digests of every case record still verify. A dry run
writes nothing, a second run changes nothing, and the log and the output name the case and
counts, never a value.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select
from typer.testing import CliRunner

from application import case_commands
from application.audit_integrity import chain_status
from application.cases import Applied
from application.retention import (
    ANONYMISED,
    RetentionReport,
    retention_for_operator,
    run_retention,
)
from cli.common import CLI_ROLE
from cli.main import app as cli_app
from infrastructure import audit
from infrastructure.caches import reset_caches
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent, Person
from notifications.delivery import deliver_due
from pathways.commitments import commit
from pathways.principal import Actor
from pathways.refusal import Refusal
from tests.support.cases import acting_for, apply_now
from tests.support.intake_form import intake_form

OLD = datetime(2019, 6, 3, 9, 0, tzinfo=UTC)
RECENT = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
RUN_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPERATOR = Actor("cli:test", CLI_ROLE)
HO, SW = "lha-housing-officer", "ics-social-worker"


def canary(first: str, last: str, born: str, parent_born: str) -> dict[str, str]:
    return {
        "name": f"{first} {last}",
        "parent": f"Marigold {last}",
        "born": born,
        "parent_born": parent_born,
    }


EXPIRED = canary("Quillon", "Vexbridge", "2002-09-01", "1975-04-23")
KEPT = canary("Ottoline", "Brackwater", "2007-11-12", "1979-02-14")


def needles(person: dict[str, str]) -> list[str]:
    return [
        *person["name"].split(),
        person["parent"].split()[1],
        person["born"],
        person["parent_born"],
    ]


def _applied(outcome: Applied | Refusal) -> Applied:
    assert isinstance(outcome, Applied), outcome
    assert outcome.status == "applied", outcome
    return outcome


def walk_to_closure(person: dict[str, str], at: datetime) -> str:
    """Open, triage, visit, agree and close a case, every free text naming the person."""
    opened = _applied(
        case_commands.start_case(
            acting=acting_for("ho.dartford", HO, "dartford"),
            pathway="youth-1617-intake",
            authority_id="dartford",
            payload=intake_form(
                {
                    "young_person": {"full_name": person["name"], "date_of_birth": person["born"]},
                    "parent_or_pr_holder": {
                        "full_name": person["parent"],
                        "date_of_birth": person["parent_born"],
                    },
                },
                young_person_consent={
                    "purpose": "joint working",
                    "given": True,
                    "scope": f"school of {person['name']}",
                },
                # Copied into the case's facts: as personal there as in the input.
                referrer_email=f"{person['name'].split()[1].lower()}@example.org",
                known_to_ics=True,
                ics_case_reference=f"ICS-{person['name'].split()[0].upper()}",
            ),
            runner=apply_now,
            now=at,
        )
    )
    reference = opened.case_reference
    agreed = {"rationale": f"{person['name']} is safe at home (born {person['born']})."}
    for step, who, role, payload in (
        ("triage_safe_tonight", "ho.dartford", HO, {}),
        (
            "returned_home_no_further_input",
            "sw.dartford",
            SW,
            {"saw_family": True, "saw_young_person": True},
        ),
        ("family_asks_to_stop", "sw.dartford", SW, {}),
        ("young_person_asks_to_stop", "sw.dartford", SW, {}),
        ("lha_manager_agrees_closure", "so.dartford", "lha-senior-officer", agreed),
        ("ics_manager_agrees_closure", "ehl.dartford", "early-help-unit-lead", agreed),
        ("close_returned_home", "ho.dartford", HO, {}),
    ):
        _applied(
            case_commands.record_step(
                acting=acting_for(who, role, "dartford"),
                case_reference=reference,
                transition=step,
                payload=payload,
                runner=apply_now,
                now=at,
            )
        )
    return reference


def tables(engine: Engine) -> dict[str, str]:
    """Every table's rows as text: what a search of the database would find."""
    with engine.connect() as connection:
        return {
            table.name: "\n".join(
                json.dumps(dict(row._mapping), default=str, sort_keys=True)
                for row in connection.execute(table.select().order_by(*table.primary_key))
            )
            for table in SQLModel.metadata.sorted_tables
        }


def found_in(snapshot: dict[str, str], person: dict[str, str]) -> dict[str, list[str]]:
    found = {
        name: [needle for needle in needles(person) if needle.casefold() in text.casefold()]
        for name, text in snapshot.items()
    }
    return {name: hits for name, hits in found.items() if hits}


def intact(engine: Engine) -> None:
    with session_scope(engine) as session:
        chain = audit.verify_chain(session)
        status = chain_status(session)
    assert chain.ok, chain
    assert status.ok, status
    assert status.legacy_cases == 0


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_engine: Engine) -> Engine:
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    reset_caches()
    return app_engine


def test_retention_anonymises_expired_cases_only_and_the_chain_still_verifies(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    expired = walk_to_closure(EXPIRED, OLD)
    kept = walk_to_closure(KEPT, RECENT)
    # Sent long ago: a message to the referrer holds their address.
    delivered = deliver_due(engine, RUN_AT)
    assert delivered.sent >= 4 and not delivered.dead, delivered
    # What the operations page would call: for operators only.
    operator = acting_for("ops.kent", "operator", "dartford")
    on_page = retention_for_operator(operator, dry_run=True)
    assert isinstance(on_page, RetentionReport)
    assert [case.reference for case in on_page.anonymised] == [expired]
    housing_officer = acting_for("ho.dartford", HO, "dartford")
    refused = retention_for_operator(housing_officer, dry_run=True)
    assert isinstance(refused, Refusal) and refused.http_status == 403
    before = tables(engine)
    # The scan reads real data: the canaries are in the people, inputs, decisions and consents.
    for person in (EXPIRED, KEPT):
        holding = set(found_in(before, person))
        assert {"case", "person", "caseevent", "decision", "consentrecord"} <= holding
        # The chain can never be anonymised, so it never held them: facts enter as commitments.
        assert "auditevent" not in holding
    intact(engine)

    dry = run_retention(OPERATOR, dry_run=True, now=RUN_AT)
    assert [case.reference for case in dry.anonymised] == [expired]
    assert tables(engine) == before, "a dry run writes nothing"

    caplog.set_level(logging.INFO, logger="application.retention")
    ran = CliRunner().invoke(cli_app, ["retention", "run"])
    assert ran.exit_code == 0, ran.output
    assert f"{expired}: anonymised" in ran.stdout
    assert "anonymised 1 cases; 0 already anonymised; 0 skipped" in ran.stdout
    assert kept not in ran.stdout
    assert max(len(line) for line in ran.stdout.splitlines()) <= 80

    after = tables(engine)
    assert found_in(after, EXPIRED) == {}, "no personal value of the expired case is left"
    assert found_in(after, KEPT) == found_in(before, KEPT), "the other case is untouched"
    intact(engine)

    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == expired)).one()
        people = session.exec(select(Person).where(Person.case_id == case.id)).all()
        events = session.exec(select(AuditEvent).where(AuditEvent.action == ANONYMISED)).all()
    # Each value is replaced by its commitment under the case's salt; a date of birth is
    # cleared and its commitment kept beside it.
    assert {p.full_name for p in people} == {
        commit(EXPIRED["name"], case.pii_salt),
        commit(EXPIRED["parent"], case.pii_salt),
    }
    assert {(p.date_of_birth, p.date_of_birth_commitment) for p in people} == {
        (None, commit(EXPIRED["born"], case.pii_salt)),
        (None, commit(EXPIRED["parent_born"], case.pii_salt)),
    }
    assert [event.case_reference for event in events] == [expired]
    assert (events[0].after or {})["values_replaced"] == {
        "person.full_name": 2,
        "person.date_of_birth": 2,
        # record_enquiry: both consents' purposes and the young person's scope; two rationales
        "caseevent.payload": 7,
        "case.facts": 2,
        "notification.route": 5,
        "decision.rationale": 2,
        "consentrecord.scope": 2,
    }

    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert expired in logged
    shown = ran.stdout + logged
    assert not [n for n in needles(EXPIRED) + needles(KEPT) if n.casefold() in shown.casefold()]

    again = run_retention(OPERATOR, now=RUN_AT)
    assert (again.anonymised, again.already_anonymised, again.skipped) == ([], 1, [])
    assert tables(engine) == after, "a second run changes nothing"

    # The chain covers the anonymised rows: a name written in behind its back is caught.
    with session_scope(engine) as session:
        forged = session.exec(select(Person).where(Person.case_id == case.id)).first()
        assert forged is not None
        forged.full_name = KEPT["name"]
        session.add(forged)
    with session_scope(engine) as session:
        status = chain_status(session)
    assert not status.ok and status.record == f"person {forged.id}", status


def test_a_case_whose_inputs_cannot_be_read_is_skipped_and_named(engine: Engine) -> None:
    with session_scope(engine) as session:
        case = Case(
            reference="JP-7K3Q-9D2F",
            pathway="retired-pathway",
            definition_version="0.1",
            authority_id="dartford",
            state="closed",
            status="closed",
            closed_at=OLD,
        )
        session.add(case)
        session.flush()
        session.add(
            Person(case_id=case.id or 0, relationship_to_case="young_person", full_name="A B")
        )
        session.add(
            CaseEvent(
                case_id=case.id or 0,
                transition="open_it",
                payload={"notes": "about A B"},
                actor="someone",
                role=HO,
                idempotency_key="k",
            )
        )
    before = tables(engine)
    ran = CliRunner().invoke(cli_app, ["retention", "run"])
    assert ran.exit_code == 1
    assert "JP-7K3Q-9D2F: skipped: step 'open_it' of pathway 'retired-pathway'" in ran.stderr
    assert "1 skipped" in ran.stdout
    assert tables(engine) == before
