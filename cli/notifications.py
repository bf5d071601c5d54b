"""``pathways notifications``: list the outbox, summarise the dead letters (permanent failures)
and put them back in the queue."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, cast

import typer
from rich.markup import escape
from rich.table import Table

from application.outbox_admin import (
    STATUSES,
    DeadLetterSummary,
    NotDeadError,
    NotificationRow,
    Status,
    UnknownNotificationError,
    dead_letter_summary,
    list_notifications,
    retry_dead_letters,
)
from cli.common import CLI_ROLE, cli_actor, console, fail, migrated_engine
from infrastructure import clock
from infrastructure.db import session_scope
from pathways.references import is_case_reference

notifications_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="The notification outbox."
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _when(moment: datetime | None) -> str:
    # A space, not ISO's "T", so a narrow terminal wraps the time under the date.
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "—"


def _table(rows: list[NotificationRow]) -> Table:
    table = Table(title="Notification outbox (newest first)")
    # The reference and the state keep their width on a narrow terminal; the rest wraps.
    table.add_column("id", no_wrap=True)
    table.add_column("case ref", no_wrap=True, min_width=12)
    table.add_column("event type", overflow="fold")
    table.add_column("recipient", overflow="fold")
    table.add_column("status", no_wrap=True, min_width=len("permanent-failure"))
    table.add_column("tries")
    table.add_column("next attempt (UTC)", overflow="fold")
    table.add_column("last error", overflow="fold")
    for row in rows:
        table.add_row(
            str(row.id),
            row.case_reference or "—",
            row.event_type,
            row.recipient,
            row.status,
            str(row.attempts),
            _when(row.next_attempt_at),
            escape(row.last_error or "—"),
        )
    return table


def _dead_letter_table(summary: DeadLetterSummary) -> Table:
    kinds = ", ".join(f"{kind} {count}" for kind, count in summary.by_kind.items()) or "none"
    table = Table(
        title=f"Dead letters: {summary.total} ({kinds}); newest first",
        caption="`pathways notifications retry ID` (or --all-dead) queues one again",
    )
    table.add_column("id", no_wrap=True)
    table.add_column("case ref", no_wrap=True, min_width=12)
    table.add_column("event type", overflow="fold")
    table.add_column("recipient", overflow="fold")
    table.add_column("failed (UTC)", overflow="fold")
    table.add_column("alerted", no_wrap=True)
    table.add_column("error", overflow="fold")
    for row in summary.newest:
        table.add_row(
            str(row.id),
            row.case_reference or "—",
            row.event_type,
            row.recipient,
            _when(row.failed_at),
            "yes" if row.alerted_at else "no",
            escape(row.last_error or "—"),
        )
    return table


def _positive(option: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        fail(f"{option}: '{value}' is not a positive whole number")
    return int(value)


@notifications_app.command("list")
def list_command(
    status: Annotated[
        str | None,
        typer.Option("--status", metavar="|".join(STATUSES), help="Only rows in this state."),
    ] = None,
    case: Annotated[
        str | None, typer.Option("--case", metavar="REF", help="Only this case, e.g. JP-7K3Q-9D2F.")
    ] = None,
    limit: Annotated[str, typer.Option("--limit", metavar="N", help="At most N rows.")] = "100",
    as_json: JsonFlag = False,
) -> None:
    """Outbox rows with their recipient label and delivery state (never the route itself)."""
    if status is not None and status not in STATUSES:
        fail(f"--status: '{status}' is not one of {', '.join(STATUSES)}")
    if case is not None and not is_case_reference(case.strip().upper()):
        fail(f"--case: '{case}' is not a case reference such as JP-7K3Q-9D2F")
    count = _positive("--limit", limit)
    with session_scope(migrated_engine()) as session:
        rows = list_notifications(
            session,
            status=cast(Status | None, status),
            case_reference=case.strip().upper() if case else None,
            limit=count,
        )
    if as_json:
        typer.echo(json.dumps([asdict(row) for row in rows], default=str, indent=2))
        return
    console().print(_table(rows))


@notifications_app.command("dead-letters")
def dead_letters_command(
    limit: Annotated[str, typer.Option("--limit", metavar="N", help="Show the N newest.")] = "20",
    as_json: JsonFlag = False,
) -> None:
    """The dead letters (permanent failures): how many of each error kind, and the newest with
    their specific error and whether operations were alerted."""
    count = _positive("--limit", limit)
    with session_scope(migrated_engine()) as session:
        summary = dead_letter_summary(session, limit=count)
    if as_json:
        typer.echo(json.dumps(asdict(summary), default=str, indent=2))
        return
    console().print(_dead_letter_table(summary))


@notifications_app.command("retry")
def retry_command(
    notification_id: Annotated[
        str | None, typer.Argument(metavar="ID", help="The dead letter to send again.")
    ] = None,
    all_dead: Annotated[bool, typer.Option("--all-dead", help="Every dead letter.")] = False,
) -> None:
    """Put a dead letter (or all of them) back in the queue; the next delivery run sends it."""
    if (notification_id is None) == (not all_dead):
        fail("give either a notification ID or --all-dead")
    if notification_id is not None and not notification_id.isdigit():
        fail(f"ID: '{notification_id}' is not a notification id (a whole number)")
    engine = migrated_engine()
    try:
        with session_scope(engine) as session:
            retried = retry_dead_letters(
                session,
                now=clock.now(engine),
                actor=cli_actor(),
                role=CLI_ROLE,
                notification_id=int(notification_id) if notification_id else None,
            )
    except (UnknownNotificationError, NotDeadError) as refused:
        fail(f"ID: {refused}")
    if not retried:
        typer.echo("no dead letters to retry")
        return
    typer.echo(f"queued again: {', '.join(str(row_id) for row_id in retried)}")


def register(app: typer.Typer) -> None:
    app.add_typer(notifications_app, name="notifications")
