"""The delivery task: send one batch of due outbox rows."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from infrastructure import clock
from infrastructure.db import get_engine
from notifications.delivery import deliver_due
from tasks.failures import failures_by_reference


@task(name="deliver-due-notifications", cache_policy=NO_CACHE)
def deliver_batch(limit: int) -> dict[str, Any]:
    """Claims and sends up to ``limit`` due rows; counts of each outcome (no row content)."""
    with failures_by_reference("a batch of notifications was not delivered"):
        engine = get_engine()
        return asdict(deliver_due(engine, clock.now(engine), limit))
