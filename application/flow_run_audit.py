"""Our own record of each pathway flow run, kept in the audit trail when the run finishes.

Prefect keeps its run history for days, not years, and knows no user identity: so the facts an
auditor needs later (the run's id, final state, times and UI link) are written into the audit
chain at the time, by the flow itself. The values come in plain: this layer never imports
Prefect. Runs carry case references only, so nothing here is personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session

from infrastructure import audit
from pathways.principal import SYSTEM_USERNAME
from pathways.references import is_case_reference
from pathways.roles import SYSTEM_ROLE

FLOW_RUN_FINISHED: Final = "flow_run.finished"
BASIS: Final = (
    "run facts kept at the time: Prefect's own history is cleaned up and records no user "
    "(issue #15, 'Years later')"
)


@dataclass(frozen=True)
class FinishedRun:
    case_reference: str
    flow_run_id: str
    flow_name: str
    run_name: str
    state: str
    """The state the run ended in, as Prefect names it: Completed, Failed, Crashed..."""
    state_type: str
    started_at: datetime | None
    ended_at: datetime | None
    ui_url: str | None
    event_id: int | None = None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def record_finished_run(session: Session, run: FinishedRun, at: datetime) -> bool:
    """One audit row for the run; False (nothing written) for a run not about a case, e.g. one
    started by hand with a made-up reference."""
    if not is_case_reference(run.case_reference):
        return False
    audit.record(
        session,
        actor=SYSTEM_USERNAME,
        role=SYSTEM_ROLE,
        action=FLOW_RUN_FINISHED,
        case_reference=run.case_reference,
        after={
            "flow_run_id": run.flow_run_id,
            "flow": run.flow_name,
            "run_name": run.run_name,
            # Not "event_id": that key marks the row recording an event's own outcome.
            "case_event_id": run.event_id,
            "state": run.state,
            "state_type": run.state_type,
            "started_at": _iso(run.started_at),
            "ended_at": _iso(run.ended_at),
            "ui_url": run.ui_url,
        },
        basis=BASIS,
        at=at,
    )
    return True


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def finished_run_of(case_reference: str, after: dict[str, Any] | None) -> FinishedRun | None:
    """The run an audit row's ``after`` records, or None when it names no run id."""
    if not after or not isinstance(after.get("flow_run_id"), str):
        return None
    event_id = after.get("case_event_id")
    return FinishedRun(
        case_reference=case_reference,
        flow_run_id=after["flow_run_id"],
        flow_name=_text(after.get("flow")) or "",
        run_name=_text(after.get("run_name")) or "",
        state=_text(after.get("state")) or "unknown",
        state_type=_text(after.get("state_type")) or "",
        started_at=_moment(after.get("started_at")),
        ended_at=_moment(after.get("ended_at")),
        ui_url=_text(after.get("ui_url")),
        event_id=event_id if isinstance(event_id, int) else None,
    )
