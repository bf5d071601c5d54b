"""Tasks of the timer sweep: fire a batch of due timers; find events a crash left pending."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from application.recovery import stale_pending_events
from application.sweep import fire_due_timers
from infrastructure import clock
from infrastructure.db import get_engine


@task(name="fire-due-timers", cache_policy=NO_CACHE)
def fire_batch(batch_size: int) -> dict[str, Any]:
    engine = get_engine()
    return asdict(fire_due_timers(engine, clock.now(engine), batch_size))


@task(name="find-stale-pending-events", cache_policy=NO_CACHE)
def find_stale_events() -> list[tuple[str, str, int]]:
    return stale_pending_events(get_engine())
