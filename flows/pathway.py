"""The pathway flow: one run per event on a case, tagged ``case:<ref>`` and ``pathway:<name>``.

Its only parameters are the case reference and the event id; everything else, personal data
included, stays in the application database. The run is named for the auditor reading Prefect's
history (``JP-7K2M-QX4D · record_visit``) and publishes a table of what it did
(``tasks.artifacts``), neither of which holds anything about a person. When it ends, whatever
state it ends in, it writes that state, its id, times and UI link into our own audit trail
(``flows.run_facts``), which outlives Prefect's history.
"""

from __future__ import annotations

from typing import TypeAlias

from prefect import Flow, flow
from prefect.context import TagsContext
from prefect.runtime import flow_run
from sqlmodel import col, select

from application.cases import Applied
from flows.run_facts import FINAL_STATE_HOOKS
from infrastructure.db import get_engine, session_scope
from models import Case, CaseEvent
from pathways.definitions import latest_definitions
from tasks.artifacts import publish_run_history
from tasks.transitions import apply_transition

PathwayFlow: TypeAlias = Flow[[str, int], Applied]


def flow_name(pathway: str) -> str:
    return f"pathway-{pathway}"


def run_name_for(case_ref: str, event_id: int) -> str:
    """Read from the event row, not passed in, so a run started by hand from the Prefect UI is
    named as truthfully as one the dispatcher started. An unknown event keeps its id in the
    name; the run then fails in its task, which says why."""
    with session_scope(get_engine()) as session:
        transition = session.exec(
            select(CaseEvent.transition)
            .join(Case, col(Case.id) == col(CaseEvent.case_id))
            .where(Case.reference == case_ref, CaseEvent.id == event_id)
        ).first()
    return f"{case_ref} · {transition or f'event {event_id}'}"


def _run_name() -> str:
    parameters = flow_run.parameters
    return run_name_for(parameters["case_ref"], parameters["event_id"])


def make_pathway_flow(pathway: str) -> PathwayFlow:
    @flow(
        name=flow_name(pathway),
        flow_run_name=_run_name,
        persist_result=False,
        log_prints=False,
        on_completion=FINAL_STATE_HOOKS,
        on_failure=FINAL_STATE_HOOKS,
        on_crashed=FINAL_STATE_HOOKS,
        on_cancellation=FINAL_STATE_HOOKS,
    )
    def pathway_flow(case_ref: str, event_id: int) -> Applied:
        # The run carries the case:/pathway: tags; its task must not. A tagged task asks the
        # server for a tag concurrency slot first, and on a busy server that costs seconds.
        with TagsContext(current_tags=set()):
            applied = apply_transition(case_ref, event_id)
        publish_run_history(applied)
        return applied

    return pathway_flow


_FLOWS: dict[str, PathwayFlow] = {}


def pathway_flow_for(pathway: str) -> PathwayFlow:
    if pathway not in _FLOWS:
        _FLOWS[pathway] = make_pathway_flow(pathway)
    return _FLOWS[pathway]


def all_pathway_flows() -> list[PathwayFlow]:
    return [pathway_flow_for(definition.name) for definition in latest_definitions()]
