"""Serve every deployment from this process: ``python -m deployments.serve``.

``pathways serve`` starts this as a child with ``PREFECT_API_URL`` pointing at a real Prefect
server (the scheduler and late-run services only run there) and a short
``PREFECT_RUNNER_POLL_FREQUENCY``, so an event's run starts within seconds.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from prefect import serve
from prefect.client.orchestration import get_client
from prefect.logging import get_logger

from deployments.declarations import all_deployments, scheduled_deployments
from deployments.recovery import Recovery, recover

log = get_logger("deployments.serve")


async def _recover() -> Recovery:
    async with get_client() as client:
        return await recover(client, all_deployments(), scheduled_deployments(), datetime.now(UTC))


def main() -> None:
    recovery = asyncio.run(_recover())
    log.info(
        "start-up: %s unfinished run(s) marked crashed, %s missed scheduled run(s) skipped",
        recovery.crashed,
        recovery.skipped,
    )
    # Prefect would pause the schedules on shutdown; a restart must find them as declared, so
    # they stay active and the runs missed in between are skipped at start-up instead.
    serve(*all_deployments(), pause_on_shutdown=False)


if __name__ == "__main__":
    main()
