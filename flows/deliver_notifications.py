"""The ``deliver-notifications`` deployment's flow: sends due outbox rows through Apprise."""

from __future__ import annotations

from prefect import flow, get_run_logger

from application.job_runs import DELIVERY, record_finished
from infrastructure import clock
from infrastructure.db import get_engine
from tasks.notifications import deliver_batch

TOTALS = ("sent", "retried", "dead", "superseded")


@flow(name="deliver-notifications", persist_result=False)
def deliver_notifications(limit: int = 500, max_batches: int = 20) -> dict[str, int]:
    """Totals of the run: sent, retried later (temporary failures), dead (permanent failures,
    each reported to operations) and superseded (a lease that ran out mid-send)."""
    totals = dict.fromkeys(TOTALS, 0)
    for _ in range(max_batches):
        batch = deliver_batch(limit)
        for key in totals:
            totals[key] += batch[key]
        # A permanent failure has just queued its operations alert: send that now, not a
        # schedule interval later.
        if sum(batch[key] for key in TOTALS) < limit and not batch["dead"]:
            break
    get_run_logger().info("notifications: %s", totals)
    engine = get_engine()
    record_finished(engine, DELIVERY, as_of=clock.now(engine), summary=totals)
    return totals
