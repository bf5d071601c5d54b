"""An SQLite database that is full, or read-only, refuses every write with one line naming the
problem, and no transition is half-made.

Real faults, no mocks: the database (and, for the full disk, the log folder beside it, as in
``var/``) lives on a small tmpfs this test mounts.

- Disk full: the tmpfs filled to the last byte by a filler file, first while another
  connection holds the database open (as the running system does: a new one opens and reads,
  then fails at the write or the commit), then with none (opening itself fails).
- Read-only: ``chattr +i`` on the database file and the WAL and shared-memory files beside it
  (it opens, then fails at the write), then a read-only remount of the tmpfs (it cannot open).

A coordinator records a step from the command line (a real ``pathways`` process) and the JSON
API, and, where the database opens, from the case page; under the full disk the operator also
runs the sweep with a timer due. Each says "the database is full" or "the database is
read-only" in one line (the command line exits 1; the dashboard answers 503), with no
traceback, no path and no personal data; every row of every table is as it was, and the audit
chain verifies. Once the fault is cleared, the same step goes through.

PostgreSQL's read-only database (``default_transaction_read_only``, as on a standby) is named
the same way, from the command line and the API.

Runs as root (mount, chattr): without them the test fails saying what is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from prefect.settings import PREFECT_API_URL
from psycopg import sql
from sqlalchemy.engine import Engine, make_url
from typer.testing import CliRunner

from cli.main import app as cli
from infrastructure import clock
from infrastructure.db import session_scope
from infrastructure.settings import PROJECT_ROOT
from infrastructure.storage_faults import FULL, READ_ONLY
from tests.support.cases import start_case
from tests.support.fault_app import (
    HO,
    VISIT,
    Dashboard,
    app_on,
    chain_verifies,
    changed_tables,
    signed_in,
    snapshot,
)

pytestmark = [pytest.mark.prefect, pytest.mark.usefixtures("prefect_server")]

PATHWAYS = Path(sys.executable).parent / "pathways"
DISK_SIZE = "16m"  # the migrated database with a few cases takes about 2 MB
NAME = "Storagefault Canary"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LOG_UNWRITTEN = ("warning: the log file cannot be written (OSError ENOSPC)",)
VISIT_FORM = {"visited_family": "true", "visited_young_person": "true"}
LATER = T0 + timedelta(days=30)  # the visit timer opened at T0 is long overdue: the sweep has work


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        pytest.fail(f"this test needs `{tool}` (util-linux / e2fsprogs) to make a real fault")
    return found


def _run(*args: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` failed (this test runs as root): {done.stderr.strip()}")


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK_SIZE mounted for this test, unmounted (and any file made mutable again)
    afterwards."""
    mount, umount, chattr = _need("mount"), _need("umount"), _need("chattr")
    where = tmp_path / "disk"
    where.mkdir()
    _run(mount, "-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(where))
    try:
        yield where
    finally:
        subprocess.run([mount, "-o", "remount,rw", str(where)], check=False)
        files = [str(path) for path in where.rglob("*") if path.is_file()]
        if files:
            subprocess.run([chattr, "-i", *files], capture_output=True, check=False)
        subprocess.run([umount, str(where)], check=True)


@pytest.fixture
def engine(disk: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with app_on(f"sqlite:///{disk / 'pathways.db'}", monkeypatch) as engine:
        yield engine


def _open_case(engine: Engine) -> str:
    reference = start_case(
        pathway="example",
        authority_id="dartford",
        payload={"young_person": {"full_name": NAME}},
        actor="ho.storage",
        role=HO,
        now=T0,
    ).case_reference
    with session_scope(engine) as session:
        clock.set_virtual_time(session, LATER, frozen=True)
    return reference


def _cli(edges: Edges, *args: str) -> subprocess.CompletedProcess[str]:
    disk, logs = edges.disk, edges.logs
    env = {
        **os.environ,
        "PATHWAYS_DATABASE_URL": f"sqlite:///{disk / 'pathways.db'}",
        "PATHWAYS_LOG_DIR": str(logs),
        "PATHWAYS_AUDIT_ANCHOR_FILE": str(logs / "anchors.jsonl"),
        # The example pathway lives under tests/, which the installed script does not see.
        "PYTHONPATH": str(PROJECT_ROOT),
        "PATHWAYS_DEFINITION_MODULES": "tests.support.example_pathway",
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }
    return subprocess.run(
        [str(PATHWAYS), *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _fill(disk: Path) -> None:
    """Every free byte of the tmpfs taken by one file (unbuffered, so none is left over)."""
    handle = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for chunk in (1 << 20, 1 << 12, 1):
            with suppress(OSError):  # ENOSPC: on to a smaller chunk
                while True:
                    os.write(handle, b"\0" * chunk)
    finally:
        os.close(handle)
    assert os.statvfs(disk).f_bavail == 0


@dataclass(frozen=True)
class Edges:
    """Where the coordinator and the operator write from."""

    disk: Path
    logs: Path
    dashboard: Dashboard
    csrf: str
    reference: str


def _edges(engine: Engine, disk: Path, logs: Path) -> Edges:
    reference = _open_case(engine)
    dashboard = signed_in(engine, "ho.storage")
    csrf = dashboard.csrf(f"/cases/{reference}/steps/record_visit")
    return Edges(disk, logs, dashboard, csrf, reference)


def _refused_everywhere(
    engine: Engine,
    edges: Edges,
    fault: AbstractContextManager[object],
    words: str,
    caplog: pytest.LogCaptureFixture,
    *,
    opens: bool,
    sweep: bool = False,
) -> None:
    """Under ``fault``, a step from the command line and the API are refused in ``words``, and
    so, when the database still ``opens`` (the fault strikes at the first write, after the
    reads), is the same step from the case page; with ``sweep``, so is a sweep with a timer
    due. Once the fault is cleared, every row is as it was before."""
    before = snapshot(engine)
    # Each edge opens its connections afresh, as a new process does.
    engine.dispose()
    caplog.clear()
    with fault:
        outputs = [
            _cli(edges, "case", "record", edges.reference, "record_visit",
                 "--as", "ho.storage", "--input-json", json.dumps(VISIT))
        ]  # fmt: skip
        answered = edges.dashboard.api.post(
            f"/api/cases/{edges.reference}/events", json={"step": "record_visit", "input": VISIT}
        )
        if sweep:
            outputs.append(_cli(edges, "sweep"))
        if opens:
            posted = edges.dashboard.page.post(
                f"/cases/{edges.reference}/steps/record_visit",
                data={"csrf_token": edges.csrf, **VISIT_FORM},
            )
            assert posted.status_code == 503 and words in posted.text, posted.text
            assert NAME not in posted.text and str(edges.disk) not in posted.text
        engine.dispose()
    assert (answered.status_code, answered.json()) == (503, {"detail": words})
    for done in outputs:
        assert done.returncode == 1, (done.stdout, done.stderr)
        # The one error line; before it, under a full disk, that the log is not written.
        assert [line for line in done.stderr.splitlines() if line not in LOG_UNWRITTEN] == [
            f"error: {words}"
        ], done.stderr
        shown = done.stdout + done.stderr
        assert "Traceback" not in shown and NAME not in shown and str(edges.disk) not in shown
    # Where the dashboard met the fault (its log names the code, never the message).
    met = [r.getMessage() for r in caplog.records if r.name == "dashboard.app"]
    assert met and all(line.startswith(words) for line in met), met
    # Opened, read, and then refused at a write or at the commit: not on opening.
    assert all(("in _on_connect" in line) is not opens for line in met), met
    assert changed_tables(before, snapshot(engine)) == []
    assert chain_verifies(engine)


@contextmanager
def _full(engine: Engine, disk: Path, *, kept_open: bool) -> Iterator[None]:
    """Every byte of the disk taken. ``kept_open``: another process (the running system) has
    the database open meanwhile, so SQLite's shared-memory file stays, and a new connection
    opens and reads; without one, SQLite must make that file anew, and opening fails."""
    engine.dispose()
    keeper = sqlite3.connect(disk / "pathways.db", isolation_level=None)
    try:
        # An empty WAL, so the next write must take new space (a reused one could still fit).
        busy, *_ = keeper.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
        if not kept_open:
            keeper.close()
        _fill(disk)
        try:
            yield
        finally:
            (disk / "filler").unlink()
    finally:
        keeper.close()


@contextmanager
def _immutable(disk: Path) -> Iterator[None]:
    """The database file, and the WAL and shared-memory files beside it if there are any."""
    chattr = _need("chattr")
    files = [str(path) for path in disk.glob("pathways.db*")]
    _run(chattr, "+i", *files)
    try:
        yield
    finally:
        _run(chattr, "-i", *files)


@contextmanager
def _remounted_read_only(disk: Path) -> Iterator[None]:
    mount = _need("mount")
    _run(mount, "-o", "remount,ro", str(disk))
    try:
        yield
    finally:
        _run(mount, "-o", "remount,rw", str(disk))


def _recorded_now(engine: Engine, edges: Edges) -> None:
    answered = edges.dashboard.api.post(
        f"/api/cases/{edges.reference}/events", json={"step": "record_visit", "input": VISIT}
    )
    assert answered.status_code == 201, answered.text
    assert answered.json()["step"] == "support"
    assert chain_verifies(engine)


def test_a_full_disk_refuses_every_write_in_one_line_and_changes_nothing(
    engine: Engine, disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The log folder beside the database, as in var/: it is full too.
    edges = _edges(engine, disk, disk / "logs")
    full = _full(engine, disk, kept_open=True)
    _refused_everywhere(engine, edges, full, FULL, caplog, opens=True, sweep=True)
    full = _full(engine, disk, kept_open=False)
    _refused_everywhere(engine, edges, full, FULL, caplog, opens=False)
    _recorded_now(engine, edges)


def test_a_read_only_database_refuses_every_write_in_one_line_and_changes_nothing(
    engine: Engine, disk: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edges = _edges(engine, disk, tmp_path / "logs")
    _refused_everywhere(engine, edges, _immutable(disk), READ_ONLY, caplog, opens=True)
    # Remounting read-only waits for no writer: the last connection has closed, and SQLite
    # has removed its WAL and shared-memory files, so a new process cannot even open it.
    _refused_everywhere(engine, edges, _remounted_read_only(disk), READ_ONLY, caplog, opens=False)
    _recorded_now(engine, edges)


@contextmanager
def _read_only_database(admin_url: str, url: str) -> Iterator[None]:
    """PostgreSQL's own read-only database (as a standby is): every new session's transactions
    are read-only, and a write fails with ``read_only_sql_transaction``."""
    name = sql.Identifier(make_url(url).database or "")
    admin = make_url(admin_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(
            sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(name)
        )
        try:
            yield
        finally:
            connection.execute(
                sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only").format(name)
            )


@pytest.mark.postgres
def test_a_read_only_postgresql_database_is_named_the_same_way(
    postgres_admin_url: str,
    postgres_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    with app_on(postgres_database_url, monkeypatch) as engine:
        edges = _edges(engine, tmp_path, tmp_path)
        before = snapshot(engine)
        engine.dispose()
        with _read_only_database(postgres_admin_url, postgres_database_url):
            recorded = CliRunner().invoke(
                cli,
                ["case", "record", edges.reference, "record_visit", "--as", "ho.storage",
                 "--input-json", json.dumps(VISIT)],
            )  # fmt: skip
            answered = edges.dashboard.api.post(
                f"/api/cases/{edges.reference}/events",
                json={"step": "record_visit", "input": VISIT},
            )
            engine.dispose()
        assert recorded.exit_code == 1, recorded.output
        assert recorded.stderr.strip() == f"error: {READ_ONLY}"
        assert (answered.status_code, answered.json()) == (503, {"detail": READ_ONLY})
        assert changed_tables(before, snapshot(engine)) == []
        _recorded_now(engine, edges)
