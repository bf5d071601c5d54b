"""The pathway flow: one run per event on a case, tagged ``case:<ref>`` and ``pathway:<name>``.

Its only parameters are the case reference and the event id; everything else, personal data
included, stays in the application database.
"""

from __future__ import annotations

from typing import Any

from prefect import Flow, flow
from prefect.context import TagsContext

from pathways.definitions import latest_definitions
from tasks.transitions import apply_transition


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
