"""The deployments this product runs: one per pathway flow, the timer sweep and the delivery flow.

The two scheduled deployments allow one run at a time and cancel a run that would start while
another is still running (``CANCEL_NEW``), so two sweeps never overlap and a slow one is not
followed by a queue of waiting runs. Runs the scheduler created ahead of time and that came due
while the system was down are skipped at start-up (``deployments.recovery``). Nothing is lost:
timers are rows with a ``next_fire_at``, so one sweep fires everything due (ARCHITECTURE.md,
principle 2), and one delivery run sends everything queued.
"""

from __future__ import annotations

from datetime import timedelta

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.types.entrypoint import EntrypointType

from deployments.entrypoints import pathway_names
from flows.deliver_notifications import deliver_notifications
from flows.pathway import pathway_flow_for
from flows.timer_sweep import timer_sweep

SWEEP_INTERVAL = timedelta(seconds=60)
# Matches the first retry backoff in notifications.delivery (30 s): polling more often would not
# send a retry sooner, and a staff alert waits at most 30 s for its first attempt.
DELIVERY_INTERVAL = timedelta(seconds=30)

ONE_AT_A_TIME = ConcurrencyLimitConfig(
    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
)


def pathway_deployments(
    entrypoint_type: EntrypointType = EntrypointType.FILE_PATH,
) -> list[RunnerDeployment]:
    """One unscheduled deployment per pathway, named like its flow, run once per case event."""
    deployments = []
    for name in pathway_names():
        flow = pathway_flow_for(name)
        deployment = RunnerDeployment.from_flow(
            flow,
            name=flow.name,
            tags=[f"pathway:{name}"],
            entrypoint_type=entrypoint_type,
        )
        if entrypoint_type == EntrypointType.MODULE_PATH:
            # The factory-built flow function has no importable name of its own.
            deployment.entrypoint = f"deployments.entrypoints.{flow.name}"
        deployments.append(deployment)
    return deployments


def scheduled_deployments(
    entrypoint_type: EntrypointType = EntrypointType.FILE_PATH,
) -> list[RunnerDeployment]:
    return [
        RunnerDeployment.from_flow(
            timer_sweep,
            name="timer-sweep",
            interval=SWEEP_INTERVAL,
            concurrency_limit=ONE_AT_A_TIME,
            tags=["system"],
            entrypoint_type=entrypoint_type,
        ),
        RunnerDeployment.from_flow(
            deliver_notifications,
            name="deliver-notifications",
            interval=DELIVERY_INTERVAL,
            concurrency_limit=ONE_AT_A_TIME,
            tags=["system"],
            entrypoint_type=entrypoint_type,
        ),
    ]


def all_deployments(
    entrypoint_type: EntrypointType = EntrypointType.FILE_PATH,
) -> list[RunnerDeployment]:
    """``MODULE_PATH`` gives entrypoints a work-pool worker can import from the installed
    package; ``serve()`` runs the flow objects themselves and needs no importable entrypoint."""
    return [*pathway_deployments(entrypoint_type), *scheduled_deployments(entrypoint_type)]
