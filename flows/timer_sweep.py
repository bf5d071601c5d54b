"""The ``timer-sweep`` deployment's flow: fires every due timer, batch by batch, then runs the
events that firing created (e.g. "looked after" after 24 hours in s.20 accommodation) and any
event a crash left pending."""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger

from flows.dispatch import run_pathway_event
from tasks.timers import find_stale_events, fire_batch


@flow(name="timer-sweep", persist_result=False)
def timer_sweep(batch_size: int = 5000, max_batches: int = 100) -> dict[str, Any]:
    fired: dict[str, int] = {}
    notifications = 0
    follow_ups: list[tuple[str, str, int]] = []
    for _ in range(max_batches):
        batch = fire_batch(batch_size)
        for kind, count in batch["by_kind"].items():
            fired[kind] = fired.get(kind, 0) + count
        notifications += batch["notifications"]
        follow_ups.extend(tuple(item) for item in batch["follow_ups"])
        if batch["fired"] == 0:
            break
    follow_ups.extend(event for event in find_stale_events() if event not in follow_ups)
    for pathway, case_ref, event_id in follow_ups:
        run_pathway_event(pathway, case_ref, event_id)
    get_run_logger().info(
        "timers fired: %s; notifications queued: %s; events run: %s",
        fired,
        notifications,
        len(follow_ups),
    )
    return {"fired": fired, "notifications": notifications, "events_run": len(follow_ups)}
