"""The audit trail resists the tampering ``verify`` used to miss, and names what it finds.

Real cases are opened through the use cases (their events applied without Prefect) and swept
(which writes an anchor outside the database); then the database is changed behind the
service's back, as a forger with SQL access would, and ``chain_status``, ``pathways audit
verify`` and the operations page must each say what was done and where. Runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import JSON, bindparam, select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import select as sqlmodel_select
from typer.testing import CliRunner

from application.accounts import SignedIn, add_account, sign_in
from application.audit_coverage import covers
from application.audit_integrity import ChainStatus, chain_status
from application.case_commands import record_step, start_case
from application.sweep import sweep
from cli.main import app
from dashboard.app import create_app
from dashboard.security import SESSION_COOKIE
from flows.anchor_artifacts import prefect_anchors
from flows.timer_sweep import timer_sweep
from infrastructure import audit
from infrastructure.audit_anchors import database_id, read_anchors
from infrastructure.db import alembic_config, make_engine, migrate, session_scope
from infrastructure.settings import get_settings
from models import AuditEvent, AuditHead, Case
from pathways.audit_anchors import AnchorLog
from pathways.commitments import commit
from pathways.refusal import Refusal
from simulation.smtp import free_port
from tests.support.cases import acting_for, apply_now
from tests.support.intake_form import intake_form

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
SWEPT = T0 + timedelta(days=3)
EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
KEY = "k7Vq2LmN9pR4tY8wZ3aB6cD1eF5gH0jX"
NO_ANCHORS = AnchorLog((), "0" * 64)


@dataclass(frozen=True)
class Trail:
    engine: Engine
    references: list[str]

    def status(self, reference: str | None = None, anchors: AnchorLog | None = None) -> ChainStatus:
        with session_scope(self.engine) as session:
            return chain_status(session, reference, anchors=anchors)

    def one(self, sql: str, **values: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), values).scalar_one()


@pytest.fixture
def anchored(app_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    get_settings.cache_clear()
    return app_engine


def _open_cases(engine: Engine, count: int = 2) -> Trail:
    """``count`` 16/17 intakes (people, consents, steps) with a s.184 decision each, then a
    sweep (timers, an anchor)."""
    officer = acting_for("ho.gravesham", "lha-housing-officer", "gravesham")
    references = []
    for n in range(count):
        people = {
            "young_person": {"full_name": f"Canary Youngperson{n}", "date_of_birth": "2009-06-01"},
            "parent_or_pr_holder": {"full_name": "Canary Parent", "date_of_birth": "1980-06-01"},
        }
        outcome = start_case(
            acting=officer,
            pathway="youth-1617-intake",
            authority_id="gravesham",
            payload=intake_form(people),
            runner=apply_now,
            now=T0 + timedelta(minutes=n),
        )
        assert not isinstance(outcome, Refusal), outcome
        decided = record_step(
            acting=officer,
            case_reference=outcome.case_reference,
            transition="record_priority_need_decision",
            payload={"priority_need": True, "decided_on": "2026-03-03", "rationale": "Canary"},
            runner=apply_now,
            now=T0 + timedelta(minutes=n, seconds=30),
        )
        assert not isinstance(decided, Refusal), decided
        references.append(outcome.case_reference)
    swept = sweep(engine, SWEPT, apply_now)
    assert swept.fired and swept.anchor is not None
    return Trail(engine, references)


@pytest.fixture
def trail(anchored: Engine) -> Trail:
    return _open_cases(anchored)


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before the database is set up, so the directory's own events are keyed too.
    monkeypatch.setenv("PATHWAYS_AUDIT_KEY", KEY)


@pytest.fixture
def keyed(with_key: None, anchored: Engine) -> Trail:
    return _open_cases(anchored)


@pytest.fixture
def prefect_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listens on the Prefect API's port: the page's Prefect probe fails at once."""
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{free_port()}/api")


def _rows(connection: Connection, from_id: int = 1) -> list[dict[str, Any]]:
    statement = select(EVENTS).where(EVENTS.c.id >= from_id).order_by(EVENTS.c.id)
    return [dict(row) for row in connection.execute(statement).mappings()]


def _set_head(connection: Connection, last_id: int, last_hash: str) -> None:
    connection.execute(
        text("UPDATE audithead SET last_event_id = :id, last_hash = :hash WHERE id = 1"),
        {"id": last_id, "hash": last_hash},
    )


def _recompute(connection: Connection, from_id: int, *, scheme: str | None = None) -> None:
    """What a forger without the key can do: rehash every row from ``from_id`` on, in plain
    SHA-256, relink them and move the head."""
    previous = _rows(connection, from_id - 1)[0]["hash"] if from_id > 1 else audit.GENESIS_HASH
    for row in _rows(connection, from_id):
        row["prev_hash"] = previous
        row["scheme"] = scheme or row["scheme"]
        previous = audit.row_hash({**row, "scheme": audit.PLAIN})
        connection.execute(
            EVENTS.update()
            .where(EVENTS.c.id == row["id"])
            .values(prev_hash=row["prev_hash"], hash=previous, scheme=row["scheme"])
        )
    last = connection.execute(text("SELECT max(id) FROM auditevent")).scalar_one()
    _set_head(connection, last, previous)


def chain_status_of(engine: Engine) -> ChainStatus:
    with session_scope(engine) as session:
        return chain_status(session)


def _last_id(trail: Trail) -> int:
    return int(trail.one("SELECT max(id) FROM auditevent"))


def test_an_intact_trail_verifies_whole_and_case_by_case(trail: Trail) -> None:
    status = trail.status()
    assert status.ok, status.problem
    assert (status.checked, status.anchors, status.legacy_cases) == (_last_id(trail), 1, 0)
    for reference in trail.references:
        one = trail.status(reference)
        assert one.ok and one.checked > 0, one.problem
    result = CliRunner().invoke(app, ["audit", "verify", "--case", trail.references[0]])
    assert result.exit_code == 0, result.output
    assert f"case {trail.references[0]}:" in result.stdout and "1 anchor holds" in result.stdout


def delete_the_last_row_and_fix_the_head(connection: Connection) -> tuple[int | None, str]:
    kept, deleted = _rows(connection)[-2:]
    connection.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": deleted["id"]})
    _set_head(connection, kept["id"], kept["hash"])
    return deleted["id"], "the newest rows were deleted and the head moved back"


def wipe_every_row_and_reset_the_head(connection: Connection) -> tuple[int | None, str]:
    last = _rows(connection)[-1]["id"]
    connection.execute(text("DELETE FROM auditevent"))
    _set_head(connection, 0, audit.GENESIS_HASH)
    return last, "every row was deleted and the head reset"


def delete_the_head_row(connection: Connection) -> tuple[int | None, str]:
    connection.execute(text("DELETE FROM audithead"))
    return None, "head row missing"


def rewrite_rows_and_head_before_the_anchor(connection: Connection) -> tuple[int | None, str]:
    third = _rows(connection, 3)[0]
    connection.execute(
        text("UPDATE auditevent SET actor = 'mallory' WHERE id = :id"), {"id": third["id"]}
    )
    _recompute(connection, 3)
    return _rows(connection)[-1]["id"], "does not match the anchor"


PROBES: list[Callable[[Connection], tuple[int | None, str]]] = [
    delete_the_last_row_and_fix_the_head,
    wipe_every_row_and_reset_the_head,
    delete_the_head_row,
    rewrite_rows_and_head_before_the_anchor,
]


@pytest.mark.parametrize("probe", PROBES, ids=lambda probe: probe.__name__)
def test_each_probe_is_detected_and_named(
    trail: Trail, probe: Callable[[Connection], tuple[int | None, str]]
) -> None:
    with trail.engine.begin() as connection:
        first_bad, named = probe(connection)
    status = trail.status()
    assert not status.ok
    assert named in status.problem
    assert status.first_bad_id == first_bad, status.problem

    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    where = "" if first_bad is None else f" at event {first_bad}"
    assert f"audit chain broken{where}: " in result.stderr
    assert named in result.stderr


def test_a_wiped_chain_is_caught_without_anchors_while_cases_exist(trail: Trail) -> None:
    with trail.engine.begin() as connection:
        wipe_every_row_and_reset_the_head(connection)
    status = trail.status(anchors=NO_ANCHORS)
    assert not status.ok
    assert status.problem == (
        "the chain is empty but 2 cases exist: every row was deleted and the head reset"
    )
    one = trail.status(trail.references[0], anchors=NO_ANCHORS)
    assert not one.ok and "has no audit event" in one.problem


def test_a_rewrite_after_the_latest_anchor_passes_the_anchors_but_not_a_later_one(
    trail: Trail,
) -> None:
    """The anchors prove what was there when they were written, no more: the next sweep's
    anchor is what catches a rewrite of the rows since."""
    with trail.engine.begin() as connection:
        last = _rows(connection)[-1]
        connection.execute(
            text("UPDATE auditevent SET basis = 'forged' WHERE id = :id"), {"id": last["id"]}
        )
        _recompute(connection, last["id"])
    assert trail.status(anchors=NO_ANCHORS).ok
    assert not trail.status().ok


@pytest.mark.parametrize("scheme", [None, audit.PLAIN], ids=["scheme-kept", "scheme-rewritten"])
def test_the_keyed_chain_catches_a_chain_recomputed_without_the_key(
    keyed: Trail, scheme: str | None
) -> None:
    assert keyed.one("SELECT count(*) FROM auditevent WHERE scheme NOT LIKE 'hmac-sha256:%'") == 0
    assert keyed.status().ok
    with keyed.engine.begin() as connection:
        connection.execute(text("UPDATE auditevent SET actor = 'mallory' WHERE id = 2"))
        _recompute(connection, 1, scheme=scheme)
    # Without its anchors too: the key alone is enough.
    status = keyed.status(anchors=NO_ANCHORS)
    assert not status.ok
    assert status.first_bad_id == 1
    assert "recomputed without the key" in status.problem
    one = keyed.status(keyed.references[0], anchors=NO_ANCHORS)
    assert not one.ok and "without the key" in one.problem


def _first(trail: Trail, table: str, reference: str) -> int:
    return int(
        trail.one(
            f'SELECT min(r.id) FROM {table} r JOIN "case" c ON c.id = r.case_id '
            "WHERE c.reference = :reference",
            reference=reference,
        )
    )


RECORD_EDITS = {
    "casestep": "UPDATE casestep SET completed_by = 'mallory' WHERE id = :id",
    "caseevent": "UPDATE caseevent SET actor = 'mallory' WHERE id = :id",
    "person": "UPDATE person SET full_name = 'Someone Else' WHERE id = :id",
    "consentrecord": "UPDATE consentrecord SET given = false WHERE id = :id",
    "decision": "UPDATE decision SET rationale = 'rewritten' WHERE id = :id",
}


@pytest.mark.parametrize("table", list(RECORD_EDITS))
def test_an_edited_case_record_is_named(trail: Trail, table: str) -> None:
    reference = trail.references[1]
    record_id = _first(trail, table, reference)
    with trail.engine.begin() as connection:
        connection.execute(text(RECORD_EDITS[table]), {"id": record_id})

    for status in (trail.status(), trail.status(reference)):
        assert not status.ok
        assert status.record == f"{table} {record_id}"
        assert "changed behind the service's back" in status.problem
        assert reference in status.problem
    assert trail.status(trail.references[0]).ok

    result = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    reported = json.loads(result.stdout)
    assert reported["bad_row"] == f"{table} {record_id}"
    assert "Canary" not in result.stdout  # a person's name never reaches the report


def test_a_record_written_or_deleted_behind_the_services_back_is_named(trail: Trail) -> None:
    reference = trail.references[0]
    step = _first(trail, "casestep", reference)
    with trail.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO casestep (case_id, step, status, opened_at, completed_at, "
                "completed_by, event_id) SELECT case_id, step, status, opened_at, completed_at, "
                "'mallory', event_id FROM casestep WHERE id = :id"
            ),
            {"id": step},
        )
    inserted = trail.one("SELECT max(id) FROM casestep")
    status = trail.status(reference)
    assert (status.ok, status.record) == (False, f"casestep {inserted}")
    assert "covered by no audit event" in status.problem

    consent = _first(trail, "consentrecord", reference)
    with trail.engine.begin() as connection:
        connection.execute(text("DELETE FROM casestep WHERE id = :id"), {"id": inserted})
        connection.execute(text("DELETE FROM consentrecord WHERE id = :id"), {"id": consent})
    status = trail.status()
    assert (status.ok, status.record) == (False, f"consentrecord {consent}")
    assert "is gone: audit event" in status.problem


CASE_TABLES = (
    "notification",
    "timer",
    "casestep",
    "decision",
    "consentrecord",
    "person",
    "caseevent",
    "caseassignment",
    "caseshare",
)


def test_a_case_deleted_with_all_its_records_is_named(trail: Trail) -> None:
    gone = trail.references[1]
    case_id = trail.one('SELECT id FROM "case" WHERE reference = :r', r=gone)
    with trail.engine.begin() as connection:
        for table in CASE_TABLES:
            connection.execute(text(f"DELETE FROM {table} WHERE case_id = :id"), {"id": case_id})
        connection.execute(text('DELETE FROM "case" WHERE id = :id'), {"id": case_id})
    status = trail.status()
    assert not status.ok
    assert status.problem.startswith(f"case {gone} is gone: audit event ")


def test_retention_replacing_personal_values_by_commitments_keeps_the_trail_intact(
    trail: Trail,
) -> None:
    reference = trail.references[0]
    salt = trail.one('SELECT pii_salt FROM "case" WHERE reference = :r', r=reference)
    person = _first(trail, "person", reference)
    with trail.engine.begin() as connection:
        name, born = connection.execute(
            text("SELECT full_name, date_of_birth FROM person WHERE id = :id"), {"id": person}
        ).one()
        connection.execute(
            text(
                "UPDATE person SET full_name = :name, date_of_birth = NULL, "
                "date_of_birth_commitment = :born WHERE id = :id"
            ),
            {
                "id": person,
                "name": commit(name, salt),
                "born": commit(str(born)[:10], salt),
            },
        )
    assert trail.status(reference).ok
    assert trail.status().ok


def test_the_sweep_anchors_the_head_once_per_change(trail: Trail) -> None:
    assert sweep(trail.engine, SWEPT, apply_now).anchor is not None
    log = read_anchors()
    assert log.problem is None and len(log.anchors) == 1
    with session_scope(trail.engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        assert (log.anchors[0].seq, log.anchors[0].hash) == (head.last_event_id, head.last_hash)
        audit.record(session, actor="test", role="system", action="test.more")
    sweep(trail.engine, SWEPT, apply_now)
    assert len(read_anchors().anchors) == 2


def test_audit_log_reads_the_trail_by_case_and_date(trail: Trail) -> None:
    reference = trail.references[0]
    shown = CliRunner().invoke(app, ["audit", "log", "--case", reference], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "youth-1617-intake.case.created" in shown.stdout
    assert all(len(line) <= 80 for line in shown.stdout.splitlines())

    as_json = CliRunner().invoke(
        app, ["audit", "log", "--case", reference, "--from", "2026-03-06", "--json"]
    )
    events = json.loads(as_json.stdout)["events"]
    assert events and {e["action"].split(".")[0] for e in events} == {"timer"}
    assert {e["case_reference"] for e in events} == {reference}

    none = CliRunner().invoke(app, ["audit", "log", "--to", "2026-03-02", "--json"])
    assert json.loads(none.stdout)["events"] == []

    officer = CliRunner().invoke(
        app, ["audit", "log", "--as", "ho.gravesham", "--json", "--limit", "3"]
    )
    assert officer.exit_code == 0, officer.output
    read = json.loads(officer.stdout)
    assert len(read["events"]) == 3 and read["more"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--from", "2026-13-01"], "--from: '2026-13-01' is not a date"),
        (["--from", "2026-03-05", "--to", "2026-03-04"], "--from: 2026-03-05 is after --to"),
        (["--case", "nope"], "--case: 'nope' is not a case reference"),
        (["--limit", "0"], "--limit: must be between 1 and"),
    ],
)
def test_audit_log_refuses_bad_filters_naming_them(
    anchored: Engine, args: list[str], named: str
) -> None:
    result = CliRunner().invoke(app, ["audit", "log", *args])
    assert result.exit_code == 2
    assert named in result.stderr


PASSWORD = "a long test passphrase"


@pytest.fixture
def browsers(trail: Trail) -> Iterator[dict[str, TestClient]]:
    clients = {}
    for username, role in {"ops.kent": "operator", "audit.kent": "auditor"}.items():
        acting_for(username, role, "gravesham")
        with session_scope(trail.engine) as session:
            add_account(session, username, PASSWORD, by="test")
        with session_scope(trail.engine) as session:
            signed_in = sign_in(session, username, PASSWORD)
        assert isinstance(signed_in, SignedIn), signed_in
        client = TestClient(create_app(), base_url="https://testserver")
        client.cookies.set(SESSION_COOKIE, signed_in.session_token)
        clients[username] = client
    yield clients
    for client in clients.values():
        client.close()


def _csrf(page_text: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page_text)
    assert found is not None
    return found.group(1)


@pytest.mark.usefixtures("prefect_down")
def test_the_operations_page_verifies_the_chain_for_operators_only(
    trail: Trail, browsers: dict[str, TestClient]
) -> None:
    operator = browsers["ops.kent"]
    page = operator.get("/ops")
    assert "Verify the audit chain" in page.text
    token = _csrf(page.text)
    intact = operator.post("/ops/audit/verify", data={"csrf_token": token})
    assert intact.status_code == 200
    assert "The audit chain verifies" in intact.text

    step = _first(trail, "casestep", trail.references[0])
    with trail.engine.begin() as connection:
        connection.execute(text(RECORD_EDITS["casestep"]), {"id": step})
    broken = operator.post("/ops/audit/verify", data={"csrf_token": token})
    assert "The audit chain does not verify" in broken.text
    assert f"At casestep {step}:" in broken.text
    assert operator.post("/ops/audit/verify", data={}).status_code == 403

    auditor = browsers["audit.kent"]
    before = trail.one("SELECT count(*) FROM auditevent")
    refused = auditor.post("/ops/audit/verify", data={"csrf_token": _csrf(auditor.get("/").text)})
    assert refused.status_code == 403
    # The refusal is on the record; nothing else changed.
    assert trail.one("SELECT count(*) FROM auditevent") == before + 1
    with session_scope(trail.engine) as session:
        last = session.get(AuditEvent, _last_id(trail))
        assert last is not None and last.actor == "audit.kent"
        assert last.action.startswith("principal.refused.")
        assert last.after is not None and last.after["attempted"] == "audit.verify"


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_server")
def test_the_sweep_flow_publishes_its_anchor_and_verify_checks_that_copy(
    anchored: Engine,
) -> None:
    trail = _open_cases(anchored, count=1)
    with session_scope(trail.engine) as session:
        audit.record(session, actor="test", role="system", action="test.more")
    timer_sweep()
    copies = prefect_anchors(database_id(trail.engine.url))
    with session_scope(trail.engine) as session:
        head = session.get(AuditHead, 1)
        assert head is not None
        assert (head.last_event_id, head.last_hash) in {(a.seq, a.hash) for a in copies}
    intact = CliRunner().invoke(app, ["audit", "verify", "--prefect"])
    assert intact.exit_code == 0, intact.output
    assert f"{len(read_anchors().anchors) + len(copies)} anchors hold" in intact.stdout

    # The anchor file is lost and the rows and head rewritten: Prefect's copy still tells.
    get_settings().audit_anchor_file.unlink()
    with trail.engine.begin() as connection:
        rewrite_rows_and_head_before_the_anchor(connection)
    assert CliRunner().invoke(app, ["audit", "verify"]).exit_code == 0
    caught = CliRunner().invoke(app, ["audit", "verify", "--prefect"])
    assert caught.exit_code == 1
    assert "does not match the anchor" in caught.stderr


def test_0008_keeps_an_older_chain_verifying_and_salts_older_cases(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    get_settings.cache_clear()
    command.upgrade(alembic_config(database_url), "0007")
    engine = make_engine(database_url)
    old = {
        "id": 1,
        "occurred_at": T0,
        "actor": "ho1",
        "role": "lha-housing-officer",
        "action": "example.case.created",
        "case_reference": "JP-AAAA-BBBB",
        "before": None,
        "after": {"pathway": "example@1.0"},
        "basis": "seed 000",
        "prev_hash": audit.GENESIS_HASH,
    }
    written = audit.row_hash(old)  # as 0007's service hashed it: no scheme, no digests
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO authority (id, name, kind, children_services_authority, "
                    "ooh_verified, extra_contacts, routes, ics_routes, ooh_routes, "
                    "escalation_chains, data_gaps, source) VALUES ('dartford', 'Dartford', "
                    "'district', 'kcc', false, '[]', '[]', '[]', '[]', '{}', '[]', 'test')"
                )
            )
            connection.execute(
                text(
                    'INSERT INTO "case" (reference, pathway, definition_version, authority_id, '
                    "state, status, facts, version, opened_at) VALUES ('JP-AAAA-BBBB', "
                    "'example', '1.0', 'dartford', 'awaiting_visit', 'open', '{}', 1, "
                    "'2026-03-03 09:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO auditevent (id, occurred_at, actor, role, action, "
                    "case_reference, before, after, basis, prev_hash, hash) VALUES (1, "
                    "'2026-03-03 09:00:00', :actor, :role, :action, :case_reference, NULL, "
                    ":after, :basis, :prev_hash, :hash)"
                ).bindparams(bindparam("after", type_=JSON())),
                {**old, "hash": written},
            )
            _set_head(connection, 1, written)
        migrate(database_url)
        with session_scope(engine) as session:
            status = chain_status(session)
        with engine.connect() as connection:
            salt = connection.execute(text('SELECT pii_salt FROM "case"')).scalar_one()
        assert (status.ok, status.checked, status.legacy_cases) == (True, 1, 1), status.problem
        assert re.fullmatch(r"[0-9a-f]{64}", salt)

        # A change since to the older case carries its digest, and that is checked.
        with session_scope(engine) as session:
            case = session.exec(sqlmodel_select(Case)).one()
            audit.record(
                session,
                actor="ho1",
                role="lha-housing-officer",
                action="example.record_visit",
                case_reference=case.reference,
                covers=covers(case),
            )
        assert chain_status_of(engine).ok
        with engine.begin() as connection:
            connection.execute(text("UPDATE \"case\" SET state = 'closed_by_mallory'"))
        assert chain_status_of(engine).record == f"case {case.id}"
        command.downgrade(alembic_config(database_url), "0007")
    finally:
        engine.dispose()
