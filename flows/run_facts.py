"""The hook a pathway flow runs on entering its final state: the run's facts into our audit.

It runs in the flow's own process once Prefect holds that state, so what is recorded is the
state the run ends with, whoever started the run (the dispatcher, a worker, the Prefect UI or
recovery), and a run still going after the dispatcher's wait is recorded when it does end.
Prefect logs a hook's error and leaves the run's state as it was.
"""

from __future__ import annotations

from typing import Any

from prefect import Flow
from prefect.client.schemas.objects import FlowRun, State
from prefect.flows import FlowStateHook
from prefect.utilities.urls import url_for

from application.flow_run_audit import FinishedRun, record_finished_run
from infrastructure import clock
from infrastructure.db import get_engine, session_scope


def record_run_facts(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    # The run's parameters are the case reference and the event id, nothing about a person.
    event_id = flow_run.parameters.get("event_id")
    finished = FinishedRun(
        case_reference=str(flow_run.parameters.get("case_ref", "")),
        flow_run_id=str(flow_run.id),
        flow_name=flow.name,
        run_name=flow_run.name,
        state=state.name or state.type.value,
        state_type=state.type.value,
        started_at=flow_run.start_time,
        # The final state's own time: the run's end, before the server's copy is read back.
        ended_at=state.timestamp,
        ui_url=url_for("flow-run", obj_id=flow_run.id),
        event_id=event_id if isinstance(event_id, int) else None,
    )
    engine = get_engine()
    with session_scope(engine) as session:
        record_finished_run(session, finished, clock.now(engine))


FINAL_STATE_HOOKS: list[FlowStateHook[..., Any]] = [record_run_facts]
