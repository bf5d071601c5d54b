"""The Prefect layer's ``EventRunner``: runs a recorded event's pathway flow.

The application's use cases (``application.case_commands``) record the event and pass it here.
The flow runs in this process by default: a coordinator sees the committed transition as soon
as the run ends. With ``PATHWAYS_DISPATCH=deployment`` the run is handed to the served
deployment instead (for a cluster, where workers do the work).
"""

from __future__ import annotations

from prefect import tags
from prefect.deployments import run_deployment

from application.cases import (
    Applied,
    outcome_of,
)
from flows.inline_runs import inline_run_settings
from flows.pathway import flow_name, pathway_flow_for
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import get_settings


def run_tags(pathway: str, case_ref: str) -> list[str]:
    return [f"case:{case_ref}", f"pathway:{pathway}"]


def run_pathway_event(pathway: str, case_ref: str, event_id: int) -> Applied:
    """Runs the event's flow, then any event it created on a linked case."""
    applied = _run_one(pathway, case_ref, event_id)
    for follow_up in applied.follow_ups:
        run_pathway_event(*follow_up)
    return applied


def _run_one(pathway: str, case_ref: str, event_id: int) -> Applied:
    if get_settings().dispatch == "deployment":
        run_deployment(
            f"{flow_name(pathway)}/{flow_name(pathway)}",
            parameters={"case_ref": case_ref, "event_id": event_id},
            tags=run_tags(pathway, case_ref),
            timeout=60,
        )
        # Flows keep no results (they would copy case data into Prefect's storage): the
        # database says what the run did, including a run that is still going after the wait.
        with session_scope(get_engine()) as session:
            return outcome_of(session, case_ref, event_id)
    with inline_run_settings(), tags(*run_tags(pathway, case_ref)):
        return pathway_flow_for(pathway)(case_ref, event_id)
