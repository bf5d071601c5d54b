"""Tampering with the audit log in SQL, behind the service's back, is caught and located.

Each case appends a few dozen events through ``infrastructure.audit``, changes the table directly,
and expects ``verify_chain`` and the installed ``pathways audit verify`` to name the first bad
row. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, DateTime, bindparam, func, insert, select, text
from sqlalchemy.engine import Connection, Engine

from infrastructure import audit
from infrastructure.db import make_engine, session_scope
from models.audit import AuditEvent

PATHWAYS = Path(sys.executable).with_name("pathways")
TABLE = AuditEvent.__table__  # type: ignore[attr-defined]
EVENTS = 36
MIDDLE = 17
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _append_events(engine: Engine) -> None:
    """Single appends and batches, in separate transactions, with every field filled in."""
    with session_scope(engine) as session:
        for n in range(1, 13):
            audit.record(
                session,
                actor=f"officer{n}",
                role="lha-housing-officer",
                action="example.record_visit",
                case_reference=f"JPP-{n:04d}",
                before={"state": "awaiting_visit", "version": n},
                after={"state": "support", "version": n + 1, "timers_opened": ["weekly_review"]},
                basis="joint-visit-1617",
                at=T0 + timedelta(minutes=n),
            )
    for batch in range(4):
        with session_scope(engine) as session:
            audit.record_many(
                session,
                [
                    audit.AuditEntry(
                        actor="timer-sweep",
                        role="system",
                        action="timer.warning",
                        case_reference=f"JPP-{batch:02d}{n:02d}",
                        before={"timer": "visit", "status": "open", "level": 0},
                        after={"timer": "visit", "status": "warned", "level": 0},
                        basis="joint-visit-1617",
                        at=T0 + timedelta(hours=batch + 1, seconds=n),
                    )
                    for n in range(6)
                ],
            )


def _row(connection: Connection, row_id: int) -> dict[str, Any]:
    return dict(connection.execute(select(TABLE).where(TABLE.c.id == row_id)).mappings().one())


def _set(connection: Connection, row_id: int, column: str, value: Any, type_: Any = None) -> None:
    statement = text(f'UPDATE auditevent SET "{column}" = :value WHERE id = :row_id')
    if type_ is not None:
        statement = statement.bindparams(bindparam("value", type_=type_))
    connection.execute(statement, {"value": value, "row_id": row_id})


def _forged(values: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A row as a forger would write it: changed, then hashed the way the service hashes."""
    event = AuditEvent(**{**values, **changes})
    event.hash = audit.event_hash(event)
    return event.model_dump()


def edit_actor(connection: Connection) -> int:
    _set(connection, MIDDLE, "actor", "mallory")
    return MIDDLE


def edit_before_json(connection: Connection) -> int:
    before = _row(connection, MIDDLE)["before"]
    _set(connection, MIDDLE, "before", {**before, "state": "support"}, JSON())
    return MIDDLE


def edit_after_json(connection: Connection) -> int:
    after = _row(connection, MIDDLE)["after"]
    _set(connection, MIDDLE, "after", {**after, "level": 2}, JSON())
    return MIDDLE


def edit_basis(connection: Connection) -> int:
    _set(connection, MIDDLE, "basis", "no rule at all")
    return MIDDLE


def edit_occurred_at(connection: Connection) -> int:
    moved = _row(connection, MIDDLE)["occurred_at"] - timedelta(days=1)
    _set(connection, MIDDLE, "occurred_at", moved.replace(tzinfo=None), DateTime())
    return MIDDLE


def delete_middle_row(connection: Connection) -> int:
    connection.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": MIDDLE})
    return MIDDLE


def delete_last_rows(connection: Connection) -> int:
    connection.execute(text("DELETE FROM auditevent WHERE id > :id"), {"id": EVENTS - 2})
    return EVENTS - 1


def swap_adjacent_rows(connection: Connection) -> int:
    first, second = _row(connection, MIDDLE), _row(connection, MIDDLE + 1)
    # hash is unique: park one row's hash so the two can trade places one statement at a time.
    connection.execute(text("UPDATE auditevent SET hash = 'parked' WHERE id = :id"), {"id": MIDDLE})
    for row_id, values in ((MIDDLE + 1, first), (MIDDLE, second)):
        connection.execute(
            TABLE.update()
            .where(TABLE.c.id == row_id)
            .values({k: v for k, v in values.items() if k != "id"})
        )
    return MIDDLE


def forge_hash_of_edited_row(connection: Connection) -> int:
    forged = _forged(_row(connection, MIDDLE), actor="mallory")
    _set(connection, MIDDLE, "actor", forged["actor"])
    _set(connection, MIDDLE, "hash", forged["hash"])
    return MIDDLE


def append_forged_row(connection: Connection) -> int:
    last = _row(connection, EVENTS)
    connection.execute(
        insert(TABLE).values(
            _forged(last, id=EVENTS + 1, prev_hash=last["hash"], action="example.close")
        )
    )
    return EVENTS + 1


def insert_row_in_the_middle(connection: Connection) -> int:
    """Makes room by renumbering the rows after it, then inserts a correctly chained row."""
    connection.execute(text("UPDATE auditevent SET id = id + 1000 WHERE id >= :id"), {"id": MIDDLE})
    connection.execute(text("UPDATE auditevent SET id = id - 999 WHERE id >= 1000"))
    before = _row(connection, MIDDLE - 1)
    connection.execute(
        insert(TABLE).values(
            _forged(before, id=MIDDLE, prev_hash=before["hash"], action="example.withdraw")
        )
    )
    return MIDDLE


TAMPERING: list[Callable[[Connection], int]] = [
    edit_actor,
    edit_before_json,
    edit_after_json,
    edit_basis,
    edit_occurred_at,
    delete_middle_row,
    delete_last_rows,
    swap_adjacent_rows,
    forge_hash_of_edited_row,
    append_forged_row,
    insert_row_in_the_middle,
]


def run_verify(database_url: str, log_dir: Path) -> subprocess.CompletedProcess[str]:
    if not PATHWAYS.exists():
        pytest.fail(f"{PATHWAYS} is missing: install the project (make install)")
    env = {**os.environ, "PATHWAYS_DATABASE_URL": database_url, "PATHWAYS_LOG_DIR": str(log_dir)}
    return subprocess.run(
        [str(PATHWAYS), "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _verify(engine: Engine) -> audit.ChainReport:
    with session_scope(engine) as session:
        return audit.verify_chain(session)


def test_intact_chain_verifies(
    db_engine: Engine, migrated_database_url: str, tmp_path: Path
) -> None:
    _append_events(db_engine)
    report = _verify(db_engine)
    assert (report.ok, report.checked, report.first_bad_id) == (True, EVENTS, None)
    result = run_verify(migrated_database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"{EVENTS} events verified" in result.stdout


def test_cli_migrates_a_fresh_database(database_url: str, tmp_path: Path) -> None:
    result = run_verify(database_url, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 events verified" in result.stdout
    engine = make_engine(database_url)
    try:
        assert _verify(engine).ok
    finally:
        engine.dispose()


@pytest.mark.parametrize("tamper", TAMPERING, ids=lambda tamper: tamper.__name__)
def test_tampering_is_detected_at_the_first_bad_row(
    db_engine: Engine,
    migrated_database_url: str,
    tmp_path: Path,
    tamper: Callable[[Connection], int],
) -> None:
    _append_events(db_engine)
    assert _verify(db_engine).ok
    with db_engine.begin() as connection:
        first_bad = tamper(connection)

    report = _verify(db_engine)
    assert not report.ok
    assert report.first_bad_id == first_bad, report.problem
    assert report.checked == first_bad - 1

    result = run_verify(migrated_database_url, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    named = re.search(r"audit chain broken at event (\d+):", result.stderr)
    assert named is not None, result.stderr
    assert int(named.group(1)) == first_bad


def test_concurrent_appenders_leave_an_intact_chain(db_engine: Engine) -> None:
    per_thread = 200
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(actor: str) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                with session_scope(db_engine) as session:
                    audit.record(
                        session, actor=actor, role="system", action="load.test", after={"n": n}
                    )
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)

    threads = [threading.Thread(target=append, args=(f"writer{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    report = _verify(db_engine)
    assert (report.ok, report.checked) == (True, 2 * per_thread), report.problem
    with session_scope(db_engine) as session:
        counted = select(TABLE.c.actor, func.count()).group_by(TABLE.c.actor)
        per_actor = {str(actor): int(n) for actor, n in session.execute(counted).all()}
        assert per_actor == {"writer0": per_thread, "writer1": per_thread}
