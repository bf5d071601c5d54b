"""Prefect's run history reads as the case's history: each run is named for the case and the
transition, and its table artifact says what the run did in protocol terms only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import Artifact, FlowRun
from prefect.client.schemas.sorting import FlowRunSort
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.cases import Applied, TimerOpened, TransitionSummary, submit_event
from flows.dispatch import run_pathway_event
from infrastructure.db import session_scope
from models import Case, Timer
from tasks.artifacts import history_rows
from tests.support.cases import acting_for, record_step, start_case

HO = "lha-housing-officer"
T0 = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
PAYLOAD = {"young_person": {"full_name": "Test Person", "date_of_birth": "2009-05-01"}}
VISIT = {"visited_family": True, "visited_young_person": True}


def _row(what: str, value: str, rule_id: str = "", due_at: str = "") -> dict[str, str]:
    return {"what": what, "value": value, "rule_id": rule_id, "due_at": due_at}


def _open() -> str:
    applied = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO, now=T0
    )
    return applied.case_reference


def _runs(reference: str) -> list[FlowRun]:
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{reference}"])),
            sort=FlowRunSort.EXPECTED_START_TIME_ASC,
        )


def _artifacts(runs: list[FlowRun]) -> dict[UUID, list[Artifact]]:
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[run.id for run in runs])
            )
        )
    by_run: dict[UUID, list[Artifact]] = {run.id: [] for run in runs}
    for artifact in artifacts:
        assert artifact.flow_run_id is not None
        by_run[artifact.flow_run_id].append(artifact)
    return by_run


def _table(artifact: Artifact) -> Any:
    assert artifact.type == "table"
    assert isinstance(artifact.data, str)
    return json.loads(artifact.data)


def _due_at(engine: Engine, reference: str, timer: str) -> str:
    with session_scope(engine) as session:
        due = session.exec(
            select(Timer.due_at)
            .join(Case, col(Case.id) == col(Timer.case_id))
            .where(Case.reference == reference, Timer.name == timer)
        ).one()
    return due.isoformat()


@pytest.mark.usefixtures("prefect_server")
def test_each_run_is_named_and_tabled_for_its_transition(app_engine: Engine) -> None:
    reference = _open()
    record_step(
        case_reference=reference,
        transition="record_visit",
        payload=VISIT,
        actor="ho1",
        role=HO,
        now=T0 + timedelta(hours=2),
    )
    runs = _runs(reference)
    assert [run.name for run in runs] == [
        f"{reference} · open_referral",
        f"{reference} · record_visit",
    ]
    artifacts = _artifacts(runs)
    assert all(len(artifacts[run.id]) == 1 for run in runs)
    opening, visit = (artifacts[run.id][0] for run in runs)

    assert _table(opening) == [
        _row("transition", "open_referral"),
        _row("step before", "new"),
        _row("step after", "awaiting_visit"),
        _row("timer opened", "visit", "joint-visit-1617", "2026-12-22T09:00:00+00:00"),
        _row("notification queued", "lha"),
        _row("notification queued", "ics"),
    ]
    assert _table(visit) == [
        _row("transition", "record_visit"),
        _row("step before", "awaiting_visit"),
        _row("step after", "support"),
        _row(
            "timer opened",
            "weekly_review",
            "weekly-case-review",
            _due_at(app_engine, reference, "weekly_review"),
        ),
        _row("timer closed", "visit"),
    ]
    assert visit.description == f"{reference} · record_visit: awaiting_visit → support"
    # One key per case: the Artifacts page keeps the case's runs together as one history.
    assert opening.key == visit.key == f"case-{reference.lower()}"


@pytest.mark.usefixtures("prefect_server")
def test_a_rejected_or_replayed_event_is_tabled_by_status_only(app_engine: Engine) -> None:
    reference = _open()
    officer = acting_for("ho1", HO, "dartford")
    with session_scope(app_engine) as session:
        submitted = [
            submit_event(
                session,
                case_reference=reference,
                transition=transition,
                payload=payload,
                acting=officer,
                now=T0 + timedelta(hours=1),
                idempotency_key=transition,
            )
            for transition, payload in (("withdraw", {}), ("record_visit", VISIT))
        ]
    event_ids = [event.event_id for event in submitted]  # type: ignore[union-attr]
    withdraw, visit = event_ids
    # Decided in order: the withdrawal closes the case, so the visit is rejected when applied.
    assert run_pathway_event("example", reference, withdraw).status == "applied"
    assert run_pathway_event("example", reference, visit).status == "rejected"
    assert run_pathway_event("example", reference, withdraw).replay

    runs = _runs(reference)[1:]
    assert [run.name for run in runs] == [
        f"{reference} · withdraw",
        f"{reference} · record_visit",
        f"{reference} · withdraw",
    ]
    artifacts = _artifacts(runs)
    tables = [_table(artifacts[run.id][0]) for run in runs]
    assert tables[1:] == [[_row("status", "rejected")], [_row("status", "replayed")]]
    assert artifacts[runs[1].id][0].description == f"{reference} · event {visit} rejected"


def test_due_times_are_given_in_utc() -> None:
    london = datetime(2026, 7, 1, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    summary = TransitionSummary(
        transition="record_visit",
        from_step="awaiting_visit",
        to_step="support",
        timers_opened=(TimerOpened("weekly_review", "weekly-case-review", london),),
        notifications=("role:lha-senior-officer",),
    )
    applied = Applied("JP-7K2M-QX4D", 7, "applied", "support", summary=summary)
    assert history_rows(applied)[3:] == [
        _row("timer opened", "weekly_review", "weekly-case-review", "2026-07-01T09:00:00+00:00"),
        _row("notification queued", "role:lha-senior-officer"),
    ]
