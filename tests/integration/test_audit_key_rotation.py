"""Rotating the audit key: a chain written under one key, then another with the first retired,
still verifies; a missing key, a chain recomputed under another key and a rollback to a
retired key are named; and a case opened under a key has commitments only that key opens,
through retention and a rotation. Real cases through the use cases, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from typer.testing import CliRunner

from application.audit_integrity import ChainStatus, chain_status
from application.case_commands import start_case
from application.retention import run_retention
from cli.main import app
from infrastructure import audit
from infrastructure.db import alembic_config, make_engine, migrate, session_scope
from infrastructure.settings import get_settings
from models import AuditEvent
from pathways.audit_keys import derive_commitment_key, key_id
from pathways.commitments import commit
from pathways.refusal import Refusal
from tests.integration.test_retention import EXPIRED, OLD, OPERATOR, RUN_AT, walk_to_closure
from tests.support.cases import acting_for, apply_now
from tests.support.intake_form import intake_form

KEY1 = "rotation-test-key-one-0123456789abcdef"
KEY2 = "rotation-test-key-two-fedcba9876543210"
FORGER = "a-forgers-own-key-that-nobody-configured"
ID1, ID2 = key_id(KEY1.encode()), key_id(KEY2.encode())
EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def use_keys(monkeypatch: pytest.MonkeyPatch, current: str | None, *retired: str) -> None:
    """What an operator's restart with new settings does."""
    if current is None:
        monkeypatch.delenv("PATHWAYS_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("PATHWAYS_AUDIT_KEY", current)
    monkeypatch.setenv("PATHWAYS_AUDIT_RETIRED_KEYS", ",".join(retired))
    get_settings.cache_clear()


@pytest.fixture
def key1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before the database is set up, so the directory's own events are signed with it too.
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    use_keys(monkeypatch, KEY1)


@pytest.fixture
def engine(key1: None, app_engine: Engine) -> Engine:
    return app_engine


def open_case(n: int) -> str:
    outcome = start_case(
        acting=acting_for("ho.gravesham", "lha-housing-officer", "gravesham"),
        pathway="youth-1617-intake",
        authority_id="gravesham",
        payload=intake_form(
            {
                "young_person": {"full_name": f"Canary Young{n}", "date_of_birth": "2009-06-01"},
                "parent_or_pr_holder": {
                    "full_name": "Canary Parent",
                    "date_of_birth": "1980-06-01",
                },
            }
        ),
        runner=apply_now,
        now=T0 + timedelta(minutes=n),
    )
    assert not isinstance(outcome, Refusal), outcome
    return outcome.case_reference


def status(engine: Engine, reference: str | None = None) -> ChainStatus:
    with session_scope(engine) as session:
        return chain_status(session, reference)


def scalar(engine: Engine, sql: str, **values: Any) -> Any:
    with engine.connect() as connection:
        return connection.execute(text(sql), values).scalar_one()


def rotate_to_key2(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's procedure: key 2 current, key 1 retired, one row recorded under key 2."""
    use_keys(monkeypatch, KEY2, KEY1)
    stale = status(engine)
    assert not stale.ok and stale.first_bad_id == 1
    assert f"signed with retired key {ID1}, not the current key {ID2}" in stale.problem
    recorded = CliRunner().invoke(app, ["audit", "keys", "--record"])
    assert recorded.exit_code == 0, recorded.output
    assert "recorded audit event" in recorded.stdout


def test_a_chain_verifies_across_a_rotation_and_names_a_key_gone_missing(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = open_case(0)
    assert status(engine).ok
    rotate_to_key2(engine, monkeypatch)
    second = open_case(1)
    for reference in (None, first, second):
        assert status(engine, reference).ok, status(engine, reference).problem
    with engine.connect() as connection:
        schemes = set(connection.execute(text("SELECT DISTINCT scheme FROM auditevent")).scalars())
    assert schemes == {f"hmac-sha256:{ID1}", f"hmac-sha256:{ID2}"}
    salt = 'SELECT pii_salt FROM "case" WHERE reference = :r'
    assert scalar(engine, salt, r=first).startswith(f"{ID1}$")
    assert scalar(engine, salt, r=second).startswith(f"{ID2}$")

    shown = CliRunner().invoke(app, ["audit", "keys"])
    assert shown.exit_code == 0, shown.output
    count = "SELECT count(*) FROM auditevent WHERE scheme = :s"
    signed = {kid: scalar(engine, count, s=f"hmac-sha256:{kid}") for kid in (ID1, ID2)}
    assert (
        f"current  {ID2}  signed {signed[ID2]} audit rows; keys the commitments of 1 cases"
        in shown.stdout
    )
    assert (
        f"retired  {ID1}  signed {signed[ID1]} audit rows; keys the commitments of 1 cases"
        in shown.stdout
    )
    assert KEY1 not in shown.output and KEY2 not in shown.output

    # A process not restarted since the rotation refuses to write rather than step back.
    use_keys(monkeypatch, KEY1)
    rows = scalar(engine, "SELECT count(*) FROM auditevent")
    with pytest.raises(audit.AuditKeyRotatedError, match=ID2), session_scope(engine) as session:
        audit.record(session, actor="stale", role="system", action="test.stale")
    assert scalar(engine, "SELECT count(*) FROM auditevent") == rows

    # The retired key dropped from the settings: verify names the first row it signed.
    use_keys(monkeypatch, KEY2)
    missing = (
        f"event 1 is keyed with key {ID1}, which is not configured: add it to "
        "PATHWAYS_AUDIT_RETIRED_KEYS"
    )
    whole = status(engine)
    assert (whole.ok, whole.first_bad_id, whole.problem) == (False, 1, missing)
    one = status(engine, first)
    assert not one.ok and f"key {ID1}, which is not configured" in one.problem
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 1 and missing in verified.stderr
    warned = CliRunner().invoke(app, ["audit", "keys"])
    assert warned.exit_code == 1
    assert (
        f"warning: {signed[ID1]} audit rows and the commitments of 1 cases are keyed with key {ID1}"
        in warned.stderr
    )

    # A case's salt edited to name a key nobody has: its records' digests cannot be taken.
    use_keys(monkeypatch, KEY2, KEY1)
    with engine.begin() as connection:
        connection.execute(
            text('UPDATE "case" SET pii_salt = :s WHERE reference = :r'),
            {"s": "0" * 12 + "$" + "ab" * 24, "r": second},
        )
    edited = status(engine)
    assert not edited.ok and edited.problem == (
        f"case {second}: the case's commitments are keyed with key 000000000000, which is not "
        "configured: add it to PATHWAYS_AUDIT_RETIRED_KEYS"
    )


def rows_from(connection: Connection, from_id: int) -> list[dict[str, Any]]:
    statement = select(EVENTS).where(EVENTS.c.id >= from_id).order_by(EVENTS.c.id)
    return [dict(row) for row in connection.execute(statement).mappings()]


def resign(connection: Connection, from_id: int, key: str, scheme: str | None, **edit: Any) -> None:
    """A forger holding ``key``: edits row ``from_id``, rehashes every row from it on under
    ``key`` (naming ``scheme``, or keeping each row's), relinks them and moves the head."""
    previous = rows_from(connection, from_id - 1)[0]["hash"]
    for row in rows_from(connection, from_id):
        row.update({"prev_hash": previous, **edit})
        row["scheme"] = scheme or row["scheme"]
        previous = audit.row_hash(row, key.encode())
        connection.execute(
            EVENTS.update()
            .where(EVENTS.c.id == row["id"])
            .values(prev_hash=row["prev_hash"], hash=previous, scheme=row["scheme"], **edit)
        )
        edit = {}
    last = connection.execute(text("SELECT max(id) FROM auditevent")).scalar_one()
    connection.execute(
        text("UPDATE audithead SET last_event_id = :id, last_hash = :hash WHERE id = 1"),
        {"id": last, "hash": previous},
    )


FORGERIES = {
    # the first row rewritten ("second" of the chain, "rotation": key 2's first, "last"), the
    # forger's key, the scheme written (None: each row's kept), what verify says, and the row
    # it names ("1": the rewritten tail joins key 1's run from the first row)
    "own-key-named": (
        "second",
        FORGER,
        f"hmac-sha256:{key_id(FORGER.encode())}",
        "which is not configured",
        "second",
    ),
    "own-key-unnamed": ("second", FORGER, None, "content does not match its hash", "second"),
    "retired-key-tail": (
        "rotation",
        KEY1,
        f"hmac-sha256:{ID1}",
        f"events 1 to {{last}} are signed with retired key {ID1}",
        "1",
    ),
    "retired-key-last-row": (
        "last",
        KEY1,
        f"hmac-sha256:{ID1}",
        f"signed with retired key {ID1} after events signed with the current key {ID2}",
        "last",
    ),
}


@pytest.mark.parametrize("forgery", list(FORGERIES))
def test_a_chain_recomputed_under_another_or_a_retired_key_is_named(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, forgery: str
) -> None:
    open_case(0)
    rotate_to_key2(engine, monkeypatch)
    with session_scope(engine) as session:
        audit.record(session, actor="test", role="system", action="test.more")
    where, key, scheme, named, first_bad = FORGERIES[forgery]
    with engine.connect() as connection:
        ids = {
            "1": 1,
            "second": 2,
            "rotation": connection.execute(
                text("SELECT min(id) FROM auditevent WHERE scheme = :s"),
                {"s": f"hmac-sha256:{ID2}"},
            ).scalar_one(),
            "last": connection.execute(text("SELECT max(id) FROM auditevent")).scalar_one(),
        }
    with engine.begin() as connection:
        resign(connection, ids[where], key, scheme, basis="forged")
    caught = status(engine)
    assert not caught.ok
    assert caught.first_bad_id == ids[first_bad], caught.problem
    assert named.format(last=ids["last"]) in caught.problem


def test_a_case_opened_under_a_key_keeps_commitments_only_the_key_opens(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = walk_to_closure(EXPIRED, OLD)
    salt = scalar(engine, 'SELECT pii_salt FROM "case" WHERE reference = :r', r=reference)
    assert salt.startswith(f"{ID1}$")
    ran = run_retention(OPERATOR, now=RUN_AT)
    assert [case.reference for case in ran.anonymised] == [reference] and not ran.skipped
    assert status(engine).ok, status(engine).problem

    with engine.connect() as connection:
        stored = set(
            connection.execute(
                text(
                    'SELECT p.date_of_birth_commitment FROM person p JOIN "case" c '
                    "ON c.id = p.case_id WHERE c.reference = :r"
                ),
                {"r": reference},
            ).scalars()
        )
    assert all(value.startswith("hmac-sha256:") for value in stored)
    # Every day of 1900-2026 salted as a plain commitment is, finds neither date of birth...
    days = [date(1900, 1, 1) + timedelta(days=n) for n in range(365 * 127)]
    table = {hashlib.sha256((salt + day.isoformat()).encode()).hexdigest() for day in days}
    assert not {value.partition(":")[2] for value in stored} & table
    # ...which the key opens.
    ck = derive_commitment_key(KEY1.encode())
    assert stored == {commit(EXPIRED[born], salt, ck) for born in ("born", "parent_born")}

    rotate_to_key2(engine, monkeypatch)
    assert status(engine).ok and status(engine, reference).ok
    again = run_retention(OPERATOR, now=RUN_AT)
    assert (again.anonymised, again.already_anonymised) == ([], 1)
    assert status(engine).ok


def test_0009_keeps_rows_from_before_key_ids_verifying(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    use_keys(monkeypatch, KEY1)
    command.upgrade(alembic_config(database_url), "0008")
    engine = make_engine(database_url)
    # As 0008's service wrote a keyed row: its scheme said only hmac-sha256.
    old = {
        "id": 1,
        "occurred_at": T0,
        "actor": "ho1",
        "role": "lha-housing-officer",
        "action": "test.old",
        "case_reference": None,
        "before": None,
        "after": None,
        "basis": "",
        "prev_hash": audit.GENESIS_HASH,
        "covers": None,
        "scheme": audit.KEYED,
    }
    old["hash"] = audit.row_hash(old, KEY1.encode())
    try:
        with engine.begin() as connection:
            connection.execute(EVENTS.insert(), [old])
            connection.execute(
                text("UPDATE audithead SET last_event_id = 1, last_hash = :h WHERE id = 1"),
                {"h": old["hash"]},
            )
        migrate(database_url)
        with session_scope(engine) as session:
            audit.record(session, actor="ho1", role="lha-housing-officer", action="test.new")
        schemes = "SELECT scheme FROM auditevent ORDER BY id"
        with engine.connect() as connection:
            assert list(connection.execute(text(schemes)).scalars()) == [
                "hmac-sha256",
                f"hmac-sha256:{ID1}",
            ]
        assert status(engine).ok
        use_keys(monkeypatch, KEY2, KEY1)
        with session_scope(engine) as session:
            audit.record(session, actor="ho1", role="lha-housing-officer", action="test.rotated")
        assert status(engine).ok

        command.downgrade(alembic_config(database_url), "0008")
        with engine.connect() as connection:
            assert set(connection.execute(text(schemes)).scalars()) == {"hmac-sha256"}
        assert status(engine).ok
    finally:
        engine.dispose()
