"""The ``timer-sweep`` deployment's flow: fires every due timer, batch by batch."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from services import clock
from services.db import get_engine
from services.sweep import fire_due_timers


@task(name="fire-due-timers", cache_policy=NO_CACHE)
def fire_batch(batch_size: int) -> dict[str, Any]:
    engine = get_engine()
    return asdict(fire_due_timers(engine, clock.now(engine), batch_size))


@flow(name="timer-sweep", persist_result=False)
def timer_sweep(batch_size: int = 5000, max_batches: int = 100) -> dict[str, Any]:
    fired: dict[str, int] = {}
    notifications = 0
    for _ in range(max_batches):
        batch = fire_batch(batch_size)
        for kind, count in batch["by_kind"].items():
            fired[kind] = fired.get(kind, 0) + count
        notifications += batch["notifications"]
        if batch["fired"] == 0:
            break
    get_run_logger().info("timers fired: %s; notifications queued: %s", fired, notifications)
    return {"fired": fired, "notifications": notifications}
