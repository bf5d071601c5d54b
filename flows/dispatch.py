"""The Prefect layer's ``EventRunner``: runs a recorded event's pathway flow.

The application's use cases (``application.case_commands``) record the event and pass it here.
The flow runs in this process by default: a coordinator sees the committed transition as soon
as the run ends. With ``PATHWAYS_DISPATCH=deployment`` the run is handed to the served
deployment instead (for a cluster, where workers do the work).

When the Prefect server cannot be reached, the event is already committed: it is left
pending and reported so (``PREFECT_DOWN``), and the timer sweep's recovery runs it once the
server is back (``application.recovery``). Had the run been created before the outage, the
event's outcome is read back as after any run.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import httpx
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

PREFECT_DOWN: Final = (
    "the Prefect server does not answer, so the timer sweep runs this step once it is back"
)


def run_tags(pathway: str, case_ref: str) -> list[str]:
    return [f"case:{case_ref}", f"pathway:{pathway}"]


def run_pathway_event(pathway: str, case_ref: str, event_id: int) -> Applied:
    """Runs the event's flow, then any event it created on a linked case."""
    applied = _run_one(pathway, case_ref, event_id)
    for follow_up in applied.follow_ups:
        run_pathway_event(*follow_up)
    return applied


def _unreachable(error: BaseException) -> bool:
    """Whether the error is Prefect's client failing to reach its server (a refused or lost
    connection, a timeout), which Prefect raises as itself or wrapped in a RuntimeError. Our
    flow never talks HTTP, so a transport error in the chain is the client's."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, httpx.TransportError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _run_one(pathway: str, case_ref: str, event_id: int) -> Applied:
    try:
        return _dispatch(pathway, case_ref, event_id)
    except Exception as error:
        if not _unreachable(error):
            raise
    with session_scope(get_engine()) as session:
        found = outcome_of(session, case_ref, event_id)
    return replace(found, reason=PREFECT_DOWN) if found.status == "pending" else found


def _dispatch(pathway: str, case_ref: str, event_id: int) -> Applied:
    if get_settings().dispatch == "deployment":
        run_deployment(
            f"{flow_name(pathway)}/{flow_name(pathway)}",
            parameters={"case_ref": case_ref, "event_id": event_id},
            tags=run_tags(pathway, case_ref),
            timeout=60,
            # The coordinator waits on this: Prefect's default 5 s poll added 2.5 s to every
            # step on average, for one cheap GET a second.
            poll_interval=1,
        )
        # Flows keep no results (they would copy case data into Prefect's storage): the
        # database says what the run did, including a run that is still going after the wait.
        with session_scope(get_engine()) as session:
            return outcome_of(session, case_ref, event_id)
    with inline_run_settings(), tags(*run_tags(pathway, case_ref)):
        return pathway_flow_for(pathway)(case_ref, event_id)
