"""The ``timer-sweep`` deployment's flow: fires every due timer, batch by batch, then runs the
events that firing created (e.g. "looked after" after 24 hours in s.20 accommodation) and any
event a crash left pending. The loop is ``application.sweep.sweep``, the one the tests drive.

The audit anchor the sweep wrote is also published as a Prefect artifact (key
``audit-anchor``, flows.anchor_artifacts), a second copy of the chain's head out of reach of a
database edit."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from application.sweep import sweep
from flows.anchor_artifacts import publish_anchor
from flows.dispatch import run_pathway_event
from infrastructure import clock
from infrastructure.db import get_engine
from tasks.timers import find_stale_events, fire_batch


@flow(name="timer-sweep", persist_result=False)
def timer_sweep(batch_size: int = 5000, max_batches: int = 100) -> dict[str, Any]:
    engine = get_engine()
    result = sweep(
        engine,
        clock.now(engine),
        run_pathway_event,
        batch_size=batch_size,
        max_batches=max_batches,
        fire_batch=fire_batch,
        find_stale=find_stale_events,
    )
    get_run_logger().info(
        "timers fired: %s; notifications queued: %s; events run: %s",
        result.by_kind,
        result.notifications,
        result.events_run,
    )
    if result.anchor is not None:
        publish_anchor(result.anchor)
    return {
        "fired": result.by_kind,
        "notifications": result.notifications,
        "events_run": result.events_run,
    }
