"""How the Prefect server and this product's deployments are doing, for the operations page.

Bounded in time, so the page renders fast whatever state Prefect is in: a plain HTTP probe of
``/health`` with a short timeout comes first, so a server that is down costs one refused
connection, not the seconds a Prefect import takes or the client's retries. Only a server that
answers is read, through the Prefect client, every read at once under one budget.

The API URL is never shown or returned: it may carry a proxy's credentials.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Final, Literal

from infrastructure.async_bridge import run_to_end
from infrastructure.prefect_probe import is_healthy

if TYPE_CHECKING:
    from prefect.client.orchestration import PrefectClient

PROBE_TIMEOUT: Final = 1.0
"""Seconds: a Prefect server on this network answers /health in milliseconds."""
READ_BUDGET: Final = 3.0
"""Seconds for every deployment read together, once the server has answered the probe."""

ServerState = Literal["up", "unreachable", "not configured"]


@dataclass(frozen=True)
class DeploymentHealth:
    name: str
    """``flow/deployment``, as Prefect names it."""
    registered: bool
    ready: bool
    """Served: a serve process or worker has polled for its runs within the last minute."""
    paused: bool
    last_run_state: str | None
    """The state of the run that started last, e.g. 'Completed', 'Failed' (None: never ran)."""
    last_run_at: datetime | None


@dataclass(frozen=True)
class PrefectHealth:
    server: ServerState
    deployments: tuple[DeploymentHealth, ...] = ()


def _api_url() -> str | None:
    # `pathways serve` gives the dashboard the URL in its environment: no Prefect import needed.
    configured = os.environ.get("PREFECT_API_URL")
    if configured:
        return configured
    # Else a Prefect profile, or a test harness's temporary settings, may name one.
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


@lru_cache(maxsize=1)
def declared_names() -> tuple[str, ...]:
    """Every deployment this product declares (deployments.declarations), as ``flow/name``."""
    from deployments.declarations import all_deployments

    return tuple(f"{d.flow_name}/{d.name}" for d in all_deployments())


async def _one(client: PrefectClient, name: str) -> DeploymentHealth:
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterDeploymentId,
        FlowRunFilterStartTime,
    )
    from prefect.client.schemas.objects import DeploymentStatus
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound

    try:
        deployment = await client.read_deployment_by_name(name)
    except ObjectNotFound:
        return DeploymentHealth(name, False, False, False, None, None)
    # Started runs only: the scheduler creates runs ahead of time that have not run yet.
    started = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]),
        start_time=FlowRunFilterStartTime(is_null_=False),
    )
    runs = await client.read_flow_runs(
        flow_run_filter=started, sort=FlowRunSort.START_TIME_DESC, limit=1
    )
    last = runs[0] if runs else None
    return DeploymentHealth(
        name=name,
        registered=True,
        ready=deployment.status == DeploymentStatus.READY,
        paused=bool(deployment.paused),
        last_run_state=last.state.name if last is not None and last.state is not None else None,
        last_run_at=last.start_time if last is not None else None,
    )


async def _read(api: str, names: tuple[str, ...], budget: float) -> tuple[DeploymentHealth, ...]:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    # The server probed, whatever this thread's settings say: never an ephemeral one.
    with temporary_settings(updates={PREFECT_API_URL: api}):
        async with get_client(httpx_settings={"timeout": budget}) as client:
            return tuple(await asyncio.gather(*(_one(client, name) for name in names)))


def prefect_health(
    names: tuple[str, ...] | None = None,
    *,
    probe: float = PROBE_TIMEOUT,
    budget: float = READ_BUDGET,
) -> PrefectHealth:
    """The server's state and, when it is up, each deployment's (``flow/name``; by default
    every declared one). Never raises for a server that is down, slow or answering errors:
    that is "unreachable". The page waits at most ``probe`` + ``budget`` seconds."""
    api = _api_url()
    if api is None:
        return PrefectHealth("not configured")
    if not is_healthy(api, probe):
        return PrefectHealth("unreachable")
    import httpx

    try:
        deployments = run_to_end(
            asyncio.wait_for(_read(api, names or declared_names(), budget), budget)
        )
    except (TimeoutError, OSError, httpx.HTTPError):
        return PrefectHealth("unreachable")
    return PrefectHealth("up", deployments)
