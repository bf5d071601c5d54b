"""Prefect's own history of one case: its flow runs (tagged ``case:<ref>``), their task runs,
state histories and artifacts, as ``application.auditor_timeline.RunHistory`` data.

Bounded in time, like the operations page's read (``deployments.health``): a plain ``/health``
probe first, then every read at once under one budget, so a page, an export or a CLI command
never hangs on a server that is down or slow. Then the history says why it is empty, and the
timeline shows each run as our audit trail recorded it. Prefect is imported only when a server
answers; the URL is never shown, as it may carry a proxy's credentials.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypeVar
from uuid import UUID

from application.auditor_timeline import (
    ArtifactFacts,
    FlowRunFacts,
    RunHistory,
    StateChange,
    TaskRunFacts,
)
from infrastructure import running_system
from infrastructure.async_bridge import run_to_end
from infrastructure.prefect_probe import is_healthy
from pathways.references import is_case_reference

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.objects import Artifact, FlowRun, State, TaskRun

PROBE_TIMEOUT: Final = 1.0
READ_BUDGET: Final = 5.0
"""Seconds for every read of one case's history together, once the server has answered."""
PAGE: Final = 200
"""Prefect's own default page size; a long case is read page by page."""
NOT_CONFIGURED: Final = "no Prefect server is configured (PREFECT_API_URL, or `make run`)"
UNREACHABLE: Final = "the Prefect server did not answer"
TOO_SLOW: Final = "the Prefect server did not answer in time"

Row = TypeVar("Row")


def prefect_api_url() -> str | None:
    """The server to read: ``PREFECT_API_URL`` (the environment, a profile or a test harness's
    settings), else the running system's; never an ephemeral one, which would be empty."""
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        return configured
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    if value:
        return str(value)
    found = running_system.running()
    return found.prefect_api_url if found is not None else None


async def _every(read: Callable[[int], Awaitable[list[Row]]]) -> list[Row]:
    rows: list[Row] = []
    while True:
        page = await read(len(rows))
        rows += page
        if len(page) < PAGE:
            return rows


def _states(states: list[State]) -> tuple[StateChange, ...]:
    ordered = sorted(states, key=lambda state: state.timestamp)
    return tuple(StateChange(s.name or s.type.value, s.type.value, s.timestamp) for s in ordered)


def _table_rows(artifact: Artifact) -> tuple[dict[str, str], ...]:
    if artifact.type != "table" or not isinstance(artifact.data, str):
        return ()
    try:
        rows = json.loads(artifact.data)
    except json.JSONDecodeError:
        return ()
    if not isinstance(rows, list):
        return ()
    return tuple({str(k): str(v) for k, v in row.items()} for row in rows if isinstance(row, dict))


def _artifact(artifact: Artifact, ui: str | None) -> ArtifactFacts:
    return ArtifactFacts(
        key=artifact.key,
        type=artifact.type,
        description=artifact.description,
        ui_url=f"{ui.rstrip('/')}/artifacts/artifact/{artifact.id}" if ui else None,
        rows=_table_rows(artifact),
    )


def _flow_name(run: FlowRun) -> str | None:
    # The flow is named for its pathway (flows.pathway.flow_name), which the run's tag carries.
    pathways = [tag.removeprefix("pathway:") for tag in run.tags if tag.startswith("pathway:")]
    return f"pathway-{pathways[0]}" if pathways else None


async def _read(api: str, reference: str, budget: float) -> RunHistory:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags
    from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings
    from prefect.utilities.urls import url_for

    of_case = FlowRunFilter(tags=FlowRunFilterTags(all_=[f"case:{reference}"]))
    # The server probed, whatever this thread's settings say: never an ephemeral one.
    with temporary_settings(updates={PREFECT_API_URL: api}):
        ui = PREFECT_UI_URL.value()
        async with get_client(httpx_settings={"timeout": budget}) as client:
            flow_runs, task_runs, artifacts = await asyncio.gather(
                _every(
                    lambda offset: client.read_flow_runs(
                        flow_run_filter=of_case,
                        sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                        limit=PAGE,
                        offset=offset,
                    )
                ),
                _every(
                    lambda offset: client.read_task_runs(
                        flow_run_filter=of_case,
                        sort=TaskRunSort.EXPECTED_START_TIME_ASC,
                        limit=PAGE,
                        offset=offset,
                    )
                ),
                _every(
                    lambda offset: client.read_artifacts(
                        flow_run_filter=of_case, limit=PAGE, offset=offset
                    )
                ),
            )
            flow_states, task_states = await _state_histories(client, flow_runs, task_runs)
        tasks_of: dict[UUID, list[TaskRunFacts]] = {}
        for task_run in task_runs:
            if task_run.flow_run_id is not None:
                tasks_of.setdefault(task_run.flow_run_id, []).append(
                    _task_run(task_run, task_states[task_run.id], url_for)
                )
        artifacts_of: dict[UUID, list[ArtifactFacts]] = {}
        for artifact in artifacts:
            if artifact.flow_run_id is not None:
                artifacts_of.setdefault(artifact.flow_run_id, []).append(_artifact(artifact, ui))
        return RunHistory(
            tuple(
                FlowRunFacts(
                    id=str(run.id),
                    name=run.name,
                    state=run.state.name if run.state is not None else None,
                    # Always set by the server; a run it has not dated is dated as read.
                    created_at=run.created or run.expected_start_time or datetime.now(UTC),
                    started_at=run.start_time,
                    ended_at=run.end_time,
                    event_id=_event_id(run.parameters),
                    flow_name=_flow_name(run),
                    states=_states(flow_states[run.id]),
                    task_runs=tuple(tasks_of.get(run.id, ())),
                    artifacts=tuple(artifacts_of.get(run.id, ())),
                    ui_url=url_for("flow-run", obj_id=run.id),
                )
                for run in flow_runs
            )
        )


def _event_id(parameters: dict[str, Any]) -> int | None:
    value = parameters.get("event_id")
    return value if isinstance(value, int) else None


def _task_run(
    task_run: TaskRun, states: list[State], url_for: Callable[..., str | None]
) -> TaskRunFacts:
    return TaskRunFacts(
        id=str(task_run.id),
        name=task_run.name,
        state=task_run.state.name if task_run.state is not None else None,
        started_at=task_run.start_time,
        ended_at=task_run.end_time,
        states=_states(states),
        ui_url=url_for("task-run", obj_id=task_run.id),
    )


async def _state_histories(
    client: PrefectClient, flow_runs: list[FlowRun], task_runs: list[TaskRun]
) -> tuple[dict[UUID, list[State]], dict[UUID, list[State]]]:
    """Every run's states, read at once: the API has no bulk read of state histories."""
    flows = await asyncio.gather(*(client.read_flow_run_states(run.id) for run in flow_runs))
    tasks = await asyncio.gather(*(client.read_task_run_states(run.id) for run in task_runs))
    return (
        {run.id: states for run, states in zip(flow_runs, flows, strict=True)},
        {run.id: states for run, states in zip(task_runs, tasks, strict=True)},
    )


def case_run_history(
    reference: str, *, probe: float = PROBE_TIMEOUT, budget: float = READ_BUDGET
) -> RunHistory:
    """The case's runs as Prefect holds them now; never raises for a server that is down,
    slow or answering errors: the history then says why it is empty. Text that is no case
    reference names no case's runs, so Prefect is not asked."""
    if not is_case_reference(reference):
        return RunHistory()
    api = prefect_api_url()
    if api is None:
        return RunHistory(problem=NOT_CONFIGURED)
    if not is_healthy(api, probe):
        return RunHistory(problem=UNREACHABLE)
    import httpx

    try:
        return run_to_end(asyncio.wait_for(_read(api, reference, budget), budget))
    except TimeoutError:
        return RunHistory(problem=TOO_SLOW)
    except (OSError, httpx.HTTPError):
        return RunHistory(problem=UNREACHABLE)
