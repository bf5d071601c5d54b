"""What each pathway flow run did, as a Prefect table artifact an auditor can read in the UI.

The table holds protocol vocabulary only: the transition, step names, timer names, rule ids,
due times and notification route kinds (``lha``, ``role:...``), never a person or an address.
A rejection's reason stays in the audit log; the table says only that the event was rejected.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from prefect import get_run_logger
from prefect.artifacts import create_table_artifact

from application.cases import Applied, TransitionSummary

Row = dict[str, str]
COLUMNS = ("what", "value", "rule_id", "due_at")
# Prefect's rule for artifact keys; a key groups one case's runs into one artifact history.
ARTIFACT_KEY = re.compile(r"^[a-z0-9-]+$")


def _row(what: str, value: str, rule_id: str = "", due_at: str = "") -> Row:
    # Every row has every column, so the UI draws one table rather than ragged rows.
    return dict(zip(COLUMNS, (what, value, rule_id, due_at), strict=True))


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def summary_rows(summary: TransitionSummary) -> list[Row]:
    return [
        _row("transition", summary.transition),
        _row("step before", summary.from_step),
        _row("step after", summary.to_step),
        *(_row("timer opened", t.name, t.rule_id, _utc(t.due_at)) for t in summary.timers_opened),
        *(_row("timer closed", name) for name in summary.timers_closed),
        *(_row("notification queued", route) for route in summary.notifications),
    ]


def outcome_status(applied: Applied) -> str:
    return "replayed" if applied.replay else applied.status


def history_rows(applied: Applied) -> list[Row]:
    """The summary's rows, or one status row when this run changed nothing."""
    if applied.summary is None:
        return [_row("status", outcome_status(applied))]
    return summary_rows(applied.summary)


def history_description(applied: Applied) -> str:
    if applied.summary is None:
        return f"{applied.case_reference} · event {applied.event_id} {outcome_status(applied)}"
    summary = applied.summary
    return (
        f"{applied.case_reference} · {summary.transition}: {summary.from_step} → {summary.to_step}"
    )


def history_key(case_reference: str) -> str | None:
    key = f"case-{case_reference.lower()}"
    return key if ARTIFACT_KEY.match(key) else None


def publish_run_history(applied: Applied) -> None:
    """Attaches the table to the current flow run.

    A plain call rather than a task: a task run would cost the server round trips on every
    event for nothing an auditor needs. It never fails the run: by now the transition is
    committed, and a caller told the step failed might record it again.
    """
    try:
        create_table_artifact(
            table=history_rows(applied),
            key=history_key(applied.case_reference),
            description=history_description(applied),
        )
    except Exception as exc:
        get_run_logger().warning(
            "case %s event %s: run history not published (%s)",
            applied.case_reference,
            applied.event_id,
            type(exc).__name__,
        )
