"""The pathway flow: one run per event on a case, tagged ``case:<ref>`` and ``pathway:<name>``.

Its only parameters are the case reference and the event id; everything else, personal data
included, stays in the application database.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import TagsContext

from pathways.definitions import latest_definitions
from services.cases import apply_event
from services.db import get_engine, session_scope


@task(name="apply-transition", cache_policy=NO_CACHE, retries=3, retry_delay_seconds=1)
def apply_transition(case_ref: str, event_id: int) -> dict[str, Any]:
    """Transition, timers, outbox rows and audit event in one transaction. Safe to retry:
    an event that is no longer pending is reported, not applied again."""
    with session_scope(get_engine()) as session:
        applied = apply_event(session, case_ref, event_id)
    get_run_logger().info(
        "case %s event %s: %s%s (step now %s)",
        applied.case_reference,
        applied.event_id,
        applied.status,
        " (replay)" if applied.replay else "",
        applied.state,
    )
    return asdict(applied)


def flow_name(pathway: str) -> str:
    return f"pathway-{pathway}"


def make_pathway_flow(pathway: str) -> Flow[[str, int], dict[str, Any]]:
    @flow(
        name=flow_name(pathway),
        flow_run_name="{case_ref} event {event_id}",
        persist_result=False,
        log_prints=False,
    )
    def pathway_flow(case_ref: str, event_id: int) -> dict[str, Any]:
        # The run carries the case:/pathway: tags; its task must not. A tagged task asks the
        # server for a tag concurrency slot first, and on a busy server that costs seconds.
        with TagsContext(current_tags=set()):
            return apply_transition(case_ref, event_id)

    return pathway_flow


_FLOWS: dict[str, Flow[[str, int], dict[str, Any]]] = {}


def pathway_flow_for(pathway: str) -> Flow[[str, int], dict[str, Any]]:
    if pathway not in _FLOWS:
        _FLOWS[pathway] = make_pathway_flow(pathway)
    return _FLOWS[pathway]


def all_pathway_flows() -> list[Flow[[str, int], dict[str, Any]]]:
    return [pathway_flow_for(definition.name) for definition in latest_definitions()]
