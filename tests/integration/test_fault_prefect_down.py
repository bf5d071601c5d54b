"""The Prefect server is down while a coordinator records a step; once it is back, the step's
flow runs exactly once.

A real Prefect server this test owns (``tests.support.restartable_prefect``) runs the opening;
then it is stopped, and the coordinator tries the next step from each edge:

- the command line checks the server before it writes, so it refuses with one line and
  nothing in the database changes;
- the JSON API and the case page record the step (the event is committed, pending) and say
  that its run waits for the server, with no error;
- so does the use case the command line calls, had the server stopped between its check and
  the run: the step is recorded, and the reason it waits is what the command prints.

The server is started again, on the same port and database. The timer sweep's recovery, which
takes over an event left pending for ``STALE_AFTER``, runs each recorded step: each event has
exactly one flow run in Prefect (by its ``case:`` tag and ``event_id`` parameter), its
transition is applied once, and the audit chain verifies.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
from prefect.client.schemas.objects import FlowRun
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col, select
from typer.testing import CliRunner

from application.recovery import STALE_AFTER
from cli.main import app as cli
from flows.dispatch import PREFECT_DOWN
from flows.timer_sweep import timer_sweep
from infrastructure import clock
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseEvent
from tests.support.cases import record_step, start_case
from tests.support.fault_app import (
    HO,
    VISIT,
    app_on,
    chain_verifies,
    changed_tables,
    signed_in,
    snapshot,
)
from tests.support.restartable_prefect import RestartablePrefect, restartable_prefect

pytestmark = pytest.mark.prefect

NAME = "Prefectdown Canary"


@pytest.fixture
def prefect(tmp_path: Path) -> Iterator[RestartablePrefect]:
    with restartable_prefect(tmp_path / "prefect") as server:
        yield server


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    with app_on(f"sqlite:///{tmp_path / 'pathways.db'}", monkeypatch) as engine:
        yield engine


def _open(reference_name: str) -> str:
    return start_case(
        pathway="example",
        authority_id="dartford",
        payload={"young_person": {"full_name": reference_name}},
        actor="ho.down",
        role=HO,
    ).case_reference


def _events(engine: Engine, reference: str) -> list[tuple[int, str, str]]:
    """(id, transition, status) of each event on the case."""
    with session_scope(engine) as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        rows = session.exec(
            select(CaseEvent.id, CaseEvent.transition, CaseEvent.status)
            .where(CaseEvent.case_id == case.id)
            .order_by(col(CaseEvent.id))
        ).all()
        return [(event_id or 0, transition, status) for event_id, transition, status in rows]


def _state(engine: Engine, reference: str) -> str:
    with session_scope(engine) as session:
        return session.exec(select(Case.state).where(Case.reference == reference)).one()


def _age(engine: Engine, event_ids: list[int], by: timedelta) -> None:
    """Events written ``by`` ago, as recovery reads the wall clock: saves the test waiting."""
    with session_scope(engine) as session:
        session.execute(
            update(CaseEvent)
            .where(col(CaseEvent.id).in_(event_ids))
            .values(recorded_at=clock.system_now() - by)
        )


def _runs_of(reference: str) -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{reference}"]))
        )


def _audit_actions(engine: Engine, reference: str) -> list[str]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(AuditEvent.action)
                .where(AuditEvent.case_reference == reference)
                .order_by(col(AuditEvent.id))
            ).all()
        )


def test_a_step_recorded_while_prefect_is_down_runs_once_when_it_is_back(
    prefect: RestartablePrefect, engine: Engine
) -> None:
    by_cli, by_api, by_page = (_open(f"{NAME} {n}") for n in ("Cli", "Api", "Page"))
    dashboard = signed_in(engine, "ho.down")
    csrf = dashboard.csrf(f"/cases/{by_page}/steps/record_visit")
    prefect.stop()
    began = time.monotonic()

    # The command line asks the server first: refused, one line, nothing written.
    before = snapshot(engine)
    result = CliRunner().invoke(
        cli,
        ["case", "record", by_cli, "record_visit", "--as", "ho.down",
         "--input-json", json.dumps(VISIT)],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "error: PREFECT_API_URL: the Prefect server it names does not answer; nothing was changed"
    )
    assert "Traceback" not in result.output and NAME not in result.output
    assert changed_tables(before, snapshot(engine)) == []

    # The API records the step and says its run waits for the server.
    answered = dashboard.api.post(
        f"/api/cases/{by_api}/events", json={"step": "record_visit", "input": VISIT}
    )
    assert answered.status_code == 202, answered.text
    assert answered.json()["step"] == "awaiting_visit" and NAME not in answered.text
    # The case page does the same, and its banner says so.
    posted = dashboard.page.post(
        f"/cases/{by_page}/steps/record_visit",
        data={"csrf_token": csrf, "visited_family": "true", "visited_young_person": "true"},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/cases/{by_page}?done=waiting"
    shown = dashboard.page.get(posted.headers["location"])
    assert "Recorded. The step is saved" in shown.text, shown.text
    # What the command line says when the server stops between its check and the run.
    raced = record_step(
        case_reference=by_cli, transition="record_visit", payload=VISIT, actor="ho.down", role=HO
    )
    assert (raced.status, raced.reason) == ("pending", PREFECT_DOWN)
    outage = time.monotonic() - began
    pending = {}
    for reference in (by_cli, by_api, by_page):
        *_, (event_id, transition, status) = _events(engine, reference)
        assert (transition, status) == ("record_visit", "pending")
        assert _state(engine, reference) == "awaiting_visit"
        pending[reference] = event_id
    assert chain_verifies(engine)

    restarted = prefect.start()
    # A pending event is the recording process's own for STALE_AFTER; then recovery takes it.
    _age(engine, list(pending.values()), STALE_AFTER + timedelta(seconds=1))
    assert timer_sweep()["events_run"] == 3
    assert timer_sweep()["events_run"] == 0
    for reference, event_id in pending.items():
        assert _events(engine, reference)[-1] == (event_id, "record_visit", "applied")
        assert _state(engine, reference) == "support"
        runs = [r for r in _runs_of(reference) if r.parameters.get("event_id") == event_id]
        assert [run.state_name for run in runs] == ["Completed"], runs
        assert _audit_actions(engine, reference).count("example.record_visit") == 1
    assert chain_verifies(engine)
    print(f"outage handled in {outage:.1f} s; the server restarted in {restarted:.1f} s")
