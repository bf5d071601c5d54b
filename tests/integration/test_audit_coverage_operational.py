"""The audit chain covers a case's timers, notifications (and their delivery), shares and staff
assignments as it covers its steps: an edit behind the service's back is caught and named.

A real case runs through the use cases without Prefect: opened (a timer, two alerts), shared
and assigned, its alerts delivered to the local SMTP sink, its visit timer warned and breached
by the sweep, the escalations dead-lettered while the relay is down and retried by an operator,
the visit recorded (the timer closes, a recurring review opens), and the review breached (its
next occurrence opens). ``chain_status`` holds; each raw SQL edit is then named, and undoing it
makes the chain hold again. A database written before these records were covered still
verifies. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

from application.audit_integrity import ChainStatus, chain_status
from application.case_commands import record_step, share_case, start_case
from application.outbox_admin import retry_dead_letters
from application.staff import assign_staff
from application.sweep import sweep
from infrastructure import audit
from infrastructure.db import session_scope
from infrastructure.settings import get_settings
from models import AuditEvent
from notifications.delivery import deliver_due
from pathways.operational_coverage import OPERATIONAL, SCOPE_KEY
from pathways.refusal import Refusal
from simulation.smtp import SmtpSink, free_port
from tests.support.cases import acting_for, apply_now

HO = "lha-housing-officer"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BREACHED = T0 + timedelta(hours=25)
VISITED = T0 + timedelta(hours=26)
EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
PAYLOAD = {"young_person": {"full_name": "Ottilie Coveragecanary", "date_of_birth": "2009-05-01"}}
VISIT = {"visited_family": True, "visited_young_person": True}
OF_CASE = 'JOIN "case" c ON c.id = r.case_id WHERE c.reference = :ref'


@dataclass(frozen=True)
class Story:
    engine: Engine
    reference: str

    def status(self, whole: bool = False) -> ChainStatus:
        with session_scope(self.engine) as session:
            return chain_status(session, None if whole else self.reference)

    def one(self, sql: str, **values: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(sql), {"ref": self.reference, **values}).scalar_one()

    def run(self, sql: str, **values: Any) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(sql), values)

    def first(self, table: str, where: str = "") -> int:
        """The lowest id of the case's rows of ``table`` (``where`` on ``r``)."""
        found = self.one(f"SELECT min(r.id) FROM {table} r {OF_CASE} {where}")
        assert found is not None, f"the story wrote no {table} {where}"
        return int(found)


@pytest.fixture
def anchored(app_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The application, its sweeps anchoring the chain into this test's own file."""
    path = tmp_path / "anchors.jsonl"
    monkeypatch.setenv("PATHWAYS_AUDIT_ANCHOR_FILE", str(path))
    get_settings.cache_clear()
    return path


def _relay(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("PATHWAYS_SMTP_URL", url)
    get_settings.cache_clear()


def _open(engine: Engine) -> Story:
    """Opened (the visit timer, two alerts), the alerts delivered, shared and assigned."""
    officer = acting_for("ho1", HO, "dartford")
    opened = start_case(
        acting=officer,
        pathway="example",
        authority_id="dartford",
        payload=PAYLOAD,
        runner=apply_now,
        now=T0,
    )
    assert not isinstance(opened, Refusal), opened
    story = Story(engine, opened.case_reference)
    assert deliver_due(engine, T0 + timedelta(minutes=1)).sent == 2
    at = T0 + timedelta(minutes=2)
    shared = share_case(
        acting=officer,
        case_reference=story.reference,
        authority_id="gravesham",
        reason="placement",
        now=at,
    )
    assert shared is None
    with session_scope(engine) as session:
        assign_staff(session, story.reference, "ho1", actor="ho1", actor_role=HO, basis="t", at=at)
    assert sweep(engine, T0 + timedelta(hours=18, minutes=30), apply_now).by_kind == {"warning": 1}
    assert sweep(engine, BREACHED, apply_now).by_kind == {"breach": 1}
    return story


def _visit(story: Story) -> None:
    """The visit recorded: the visit timer closes, the recurring weekly review opens."""
    visited = record_step(
        acting=acting_for("ho1", HO, "dartford"),
        case_reference=story.reference,
        transition="record_visit",
        payload=VISIT,
        runner=apply_now,
        now=VISITED,
    )
    assert not isinstance(visited, Refusal), visited


@pytest.fixture
def story(
    app_engine: Engine, anchored: Path, smtp_sink: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> Story:
    """The whole story (see the module's text), every path that writes these records."""
    engine = app_engine
    told = _open(engine)
    _relay(monkeypatch, f"mailto://127.0.0.1:{free_port()}?from=pathways@localhost&cto=2")
    down = deliver_due(engine, BREACHED + timedelta(minutes=1), schedule=())
    assert down.dead >= 1 and down.sent == 0
    _relay(monkeypatch, smtp_sink.url)
    with session_scope(engine) as session:
        retried = retry_dead_letters(
            session, now=BREACHED + timedelta(minutes=2), actor="op1", role="operator"
        )
    assert len(retried) == down.dead
    # The retried escalations and the dead-letter alerts the failures queued.
    assert deliver_due(engine, BREACHED + timedelta(minutes=3)).sent > down.dead
    _visit(told)
    assert sweep(engine, VISITED + timedelta(days=8), apply_now).by_kind.get("breach") == 1
    return told


@dataclass(frozen=True)
class Probe:
    table: str
    where: str
    """Which of the case's rows (``r``) it edits."""
    forge: str
    """The edit of row ``:id`` (``:other_staff``: a member of staff not on the case)."""
    columns: tuple[str, ...]
    """What it changes, put back afterwards."""
    named: str = "{table} {id}"


SENT = "AND r.status = 'sent'"
DELIVERY = "notification {id} (delivery)"
PROBES = {
    "timer due_at": Probe("timer", "AND r.status = 'closed'", "due_at = started_at", ("due_at",)),
    "timer status": Probe("timer", "AND r.status = 'closed'", "status = 'open'", ("status",)),
    "notification delivered_at": Probe(
        "notification", SENT, "delivered_at = created_at", ("delivered_at",), DELIVERY
    ),
    "notification status": Probe("notification", SENT, "status = 'pending'", ("status",), DELIVERY),
    "notification route": Probe(
        "notification", SENT, "route = 'email:mallory@test.example'", ("route",)
    ),
    "caseshare authority": Probe("caseshare", "", "authority_id = 'medway'", ("authority_id",)),
    "caseassignment staff": Probe("caseassignment", "", "staff_id = :other_staff", ("staff_id",)),
}


def _forge(story: Story, probe: Probe, row_id: int) -> dict[str, Any]:
    """Applies the probe to row ``row_id``; returns what its columns held before."""
    with story.engine.begin() as connection:
        kept = dict(
            connection.execute(
                text(f"SELECT {', '.join(probe.columns)} FROM {probe.table} WHERE id = :id"),
                {"id": row_id},
            )
            .mappings()
            .one()
        )
        other = connection.execute(
            text(
                "SELECT max(id) FROM staffmember WHERE id NOT IN "
                "(SELECT staff_id FROM caseassignment WHERE id = :id)"
            ),
            {"id": row_id},
        ).scalar_one()
        connection.execute(
            text(f"UPDATE {probe.table} SET {probe.forge} WHERE id = :id"),
            {"id": row_id, "other_staff": other}
            if ":other_staff" in probe.forge
            else {"id": row_id},
        )
    return kept


def _names(status: ChainStatus, record: str, problem: str, reference: str) -> None:
    assert not status.ok
    assert status.record == record, status.problem
    assert problem in status.problem and reference in status.problem
    assert "Coveragecanary" not in status.problem and "mallory" not in status.problem


def test_every_operational_record_is_covered_and_each_edit_is_named(story: Story) -> None:
    for status in (story.status(), story.status(whole=True)):
        assert status.ok, status.problem
        assert status.legacy_cases == 0
    with story.engine.connect() as connection:
        actions = set(
            connection.execute(
                select(EVENTS.c.action).where(EVENTS.c.case_reference == story.reference)
            ).scalars()
        )
    assert {"notification.sent", "notification.dead_lettered", "notification.retried"} <= actions
    acting_for("ho2", HO, "dartford")  # someone to put on the case in ho1's place
    # The recurring review's next occurrence, opened by the sweep, is covered too.
    assert story.one(f"SELECT count(*) FROM timer r {OF_CASE} AND r.name = 'weekly_review'") == 2

    for name, probe in PROBES.items():
        row_id = story.first(probe.table, probe.where)
        kept = _forge(story, probe, row_id)
        for status in (story.status(), story.status(whole=True)):
            named = probe.named.format(table=probe.table, id=row_id)
            _names(status, named, "changed behind the service's back", story.reference)
        put_back = ", ".join(f"{column} = :{column}" for column in probe.columns)
        story.run(f"UPDATE {probe.table} SET {put_back} WHERE id = :id", id=row_id, **kept)
        assert story.status().ok, (name, story.status().problem)


def test_a_row_written_or_deleted_behind_the_services_back_is_named(story: Story) -> None:
    share = story.first("caseshare")
    story.run(
        "INSERT INTO caseshare (case_id, authority_id, reason, shared_by, shared_at) "
        "SELECT case_id, 'medway', reason, shared_by, shared_at FROM caseshare WHERE id = :id",
        id=share,
    )
    forged = story.one("SELECT max(id) FROM caseshare")
    _names(story.status(), f"caseshare {forged}", "covered by no audit event", story.reference)
    story.run("DELETE FROM caseshare WHERE id = :id", id=forged)

    timer = story.first("timer")
    story.run("DELETE FROM timer WHERE id = :id", id=timer)
    _names(story.status(whole=True), f"timer {timer}", "is gone: audit event", story.reference)


def _strip_operational_covers(engine: Engine) -> int:
    """The chain as the service wrote it before it covered these tables: no scope marker and
    no digest of them. It is rewritten (and relinked) as it would then have been hashed;
    returns how many events lost digests."""
    stripped = 0
    kinds = {f"{table}:" for table in OPERATIONAL}
    previous = audit.GENESIS_HASH
    with engine.begin() as connection:
        rows = [
            dict(row) for row in connection.execute(select(EVENTS).order_by(EVENTS.c.id)).mappings()
        ]
        for row in rows:
            covers = {
                key: digest
                for key, digest in (row["covers"] or {}).items()
                if key != SCOPE_KEY and not any(key.startswith(kind) for kind in kinds)
            }
            stripped += covers != (row["covers"] or {})
            row.update(covers=covers or None, prev_hash=previous)
            previous = row["hash"] = audit.row_hash(row)
            connection.execute(
                EVENTS.update()
                .where(EVENTS.c.id == row["id"])
                .values(covers=row["covers"], prev_hash=row["prev_hash"], hash=row["hash"])
            )
        connection.execute(
            text("UPDATE audithead SET last_event_id = :id, last_hash = :hash WHERE id = 1"),
            {"id": rows[-1]["id"], "hash": previous},
        )
    return stripped


def test_a_database_written_before_these_records_were_covered_still_verifies(
    app_engine: Engine, anchored: Path
) -> None:
    story = _open(app_engine)
    # Opening, delivering, sharing, assigning and both firings each covered something.
    assert _strip_operational_covers(app_engine) >= 7
    anchored.unlink()  # its anchors were of the chain as it was then written
    for status in (story.status(), story.status(whole=True)):
        assert status.ok, status.problem
        assert status.legacy_cases == 1
    legacy_timer = story.first("timer")

    # Upgraded: what the service writes from now on is covered, and so checked.
    _visit(story)
    closed = story.first("timer", "AND r.status = 'closed'")
    assert closed == legacy_timer
    story.run("UPDATE timer SET closed_at = due_at WHERE id = :id", id=closed)
    _names(story.status(), f"timer {closed}", "changed behind the service's back", story.reference)
