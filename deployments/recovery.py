"""Start-up clean-up for the served deployments after the system was down.

Two leftovers would otherwise distort the first minutes after a restart:

- runs the previous serve process was running when it died still show as running, and one of
  them may hold the scheduled deployment's only concurrency slot. A Prefect server on the
  default in-memory lease storage forgets the lease when it restarts, so the slot would never
  be freed and CANCEL_NEW would cancel every later sweep. Marking the run Crashed releases it.
- the scheduler creates runs ahead of time; those whose time passed while the system was down
  would all be picked up at once. They are cancelled: one sweep fires every timer that came due.

This assumes one ``serve`` process per Prefect server (``make run``), so that nothing else can
be running these deployments while it starts. A cluster uses workers instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import State, StateType
from prefect.deployments.runner import RunnerDeployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled, Crashed

# The most runs the server returns per request.
PAGE = 200
UNFINISHED = [StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]


@dataclass(frozen=True)
class Recovery:
    crashed: int
    skipped: int


async def deployment_ids(
    client: PrefectClient, deployments: Sequence[RunnerDeployment]
) -> list[UUID]:
    """Ids of those deployments already registered (none on a first start)."""
    found = []
    for deployment in deployments:
        try:
            registered = await client.read_deployment_by_name(
                f"{deployment.flow_name}/{deployment.name}"
            )
        except ObjectNotFound:
            continue
        found.append(registered.id)
    return found


async def _set_state_of_all(
    client: PrefectClient, runs_filter: FlowRunFilter, new_state: Callable[[], State[Any]]
) -> int:
    done: set[UUID] = set()
    while True:
        page = await client.read_flow_runs(flow_run_filter=runs_filter, limit=PAGE)
        # A run whose state did not change comes back; stop rather than loop on it.
        runs = [run for run in page if run.id not in done]
        if not runs:
            return len(done)
        for run in runs:
            await client.set_flow_run_state(run.id, new_state(), force=True)
            done.add(run.id)


async def mark_orphans_crashed(client: PrefectClient, ids: list[UUID]) -> int:
    if not ids:
        return 0
    unfinished = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=ids),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=UNFINISHED)),
    )
    return await _set_state_of_all(
        client,
        unfinished,
        lambda: Crashed(message="the serve process stopped while this run was in progress"),
    )


async def skip_missed_runs(client: PrefectClient, ids: list[UUID], now: datetime) -> int:
    if not ids:
        return 0
    missed = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=ids),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
        # Only the scheduler's own runs: a run someone asked for still happens.
        tags=FlowRunFilterTags(all_=["auto-scheduled"]),
        # Prefect annotates its own DateTime type; an aware datetime validates to it at run time.
        expected_start_time=FlowRunFilterExpectedStartTime(before_=now),  # type: ignore[arg-type]
    )
    return await _set_state_of_all(
        client,
        missed,
        lambda: Cancelled(message="missed while the system was down; the next run covers it"),
    )


async def recover(
    client: PrefectClient,
    served: Sequence[RunnerDeployment],
    scheduled: Sequence[RunnerDeployment],
    now: datetime,
) -> Recovery:
    crashed = await mark_orphans_crashed(client, await deployment_ids(client, served))
    skipped = await skip_missed_runs(client, await deployment_ids(client, scheduled), now)
    return Recovery(crashed=crashed, skipped=skipped)
