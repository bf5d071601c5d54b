"""The task every pathway flow runs: apply one event to its case."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from application.cases import Applied, apply_event
from infrastructure.db import get_engine, session_scope
from tasks.failures import failures_by_reference


@task(name="apply-transition", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=1)
def apply_transition(case_ref: str, event_id: int) -> Applied:
    """Transition, timers, outbox rows and audit event in one transaction. Safe to retry:
    an event that is no longer pending is reported, not applied again.

    The ``Applied`` itself is returned, not a dict of it: nothing is persisted (no cache policy,
    and the flow keeps no result), so it never has to survive serialisation, and its nested
    summary reaches the flow intact."""
    with (
        failures_by_reference(f"case {case_ref} event {event_id} was not applied"),
        session_scope(get_engine()) as session,
    ):
        applied = apply_event(session, case_ref, event_id)
    get_run_logger().info(
        "case %s event %s: %s%s (step now %s)",
        applied.case_reference,
        applied.event_id,
        applied.status,
        " (replay)" if applied.replay else "",
        applied.state,
    )
    return applied
