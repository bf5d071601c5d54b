"""Tasks of the timer sweep: fire a batch of due timers; find events a crash left pending.

``application.sweep.sweep`` runs the loop; these are the steps the flow hands it, so each batch
is a task run of its own in Prefect.
"""

from __future__ import annotations

from datetime import datetime

from prefect import task
from prefect.cache_policies import NO_CACHE

from application.cases import FollowUp
from application.recovery import stale_pending_events
from application.sweep import SweepResult, fire_due_timers
from infrastructure.db import get_engine
from tasks.failures import failures_by_reference


@task(name="fire-due-timers", cache_policy=NO_CACHE)
def fire_batch(now: datetime, batch_size: int) -> SweepResult:
    with failures_by_reference("a batch of due timers was not fired"):
        return fire_due_timers(get_engine(), now, batch_size)


@task(name="find-stale-pending-events", cache_policy=NO_CACHE)
def find_stale_events() -> list[FollowUp]:
    with failures_by_reference("pending events were not looked for"):
        return stale_pending_events(get_engine())
