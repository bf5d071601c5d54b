"""What the dashboard, API and CLI call: check and record an event, then run the pathway flow.

The flow runs in this process by default: a coordinator sees the committed transition as soon
as the run ends. With ``PATHWAYS_DISPATCH=deployment`` the run is handed to the served
deployment instead (for a cluster, where workers do the work).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prefect import tags
from prefect.deployments import run_deployment

from application.cases import (
    Applied,
    EventRefusedError,
    Submitted,
    open_case,
    outcome_of,
    submit_event,
)
from flows.inline_runs import inline_run_settings
from flows.pathway import flow_name, pathway_flow_for
from infrastructure import clock
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import get_settings
from pathways.engine.transitions import Refusal


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
        outcome = pathway_flow_for(pathway)(case_ref, event_id)
    return Applied(**outcome)


def _ensure(submitted: Submitted | Refusal) -> Submitted:
    if isinstance(submitted, Refusal):
        raise EventRefusedError(submitted)
    return submitted


def start_case(
    *,
    pathway: str,
    authority_id: str,
    payload: Mapping[str, Any],
    actor: str,
    role: str,
    now: datetime | None = None,
    idempotency_key: str | None = None,
    linked_case_id: int | None = None,
) -> Applied:
    engine = get_engine()
    with session_scope(engine) as session:
        submitted = open_case(
            session,
            pathway=pathway,
            authority_id=authority_id,
            payload=payload,
            actor=actor,
            role=role,
            now=now or clock.now(engine),
            idempotency_key=idempotency_key or uuid.uuid4().hex,
            linked_case_id=linked_case_id,
        )
    accepted = _ensure(submitted)
    return run_pathway_event(accepted.pathway, accepted.case_reference, accepted.event_id)


def record_step(
    *,
    case_reference: str,
    transition: str,
    payload: Mapping[str, Any],
    actor: str,
    role: str,
    now: datetime | None = None,
    idempotency_key: str | None = None,
) -> Applied:
    engine = get_engine()
    with session_scope(engine) as session:
        submitted = submit_event(
            session,
            case_reference=case_reference,
            transition=transition,
            payload=payload,
            actor=actor,
            role=role,
            now=now or clock.now(engine),
            idempotency_key=idempotency_key or uuid.uuid4().hex,
        )
    accepted = _ensure(submitted)
    return run_pathway_event(accepted.pathway, accepted.case_reference, accepted.event_id)
