"""The ``deliver-notifications`` deployment's flow: sends due outbox rows through Apprise."""

from __future__ import annotations

from prefect import flow, get_run_logger

from tasks.notifications import deliver_batch


@flow(name="deliver-notifications", persist_result=False)
def deliver_notifications(limit: int = 500, max_batches: int = 20) -> dict[str, int]:
    totals = {"delivered": 0, "retried": 0, "dead": 0}
    for _ in range(max_batches):
        batch = deliver_batch(limit)
        for key in totals:
            totals[key] += batch[key]
        if batch["delivered"] + batch["retried"] + batch["dead"] < limit:
            break
    get_run_logger().info("notifications: %s", totals)
    return totals
