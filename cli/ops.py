"""``pathways migrate``, ``pathways sweep`` and ``pathways deliver``.

``sweep`` and ``deliver`` run the real flows once, now, in this process (handy in a demo after
``pathways clock advance``). The runs go to the running system's Prefect server (the one
``pathways serve`` recorded, or ``PREFECT_API_URL``), so they appear in its UI.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlalchemy.engine import make_url

from application.directory import import_directory
from cli.common import fail, migrated_engine, schema_revisions
from cli.prefect_api import product_prefect
from infrastructure.authority_config import AuthorityConfigError
from infrastructure.db import get_engine, migrate, session_scope
from infrastructure.settings import get_settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def migrate_command() -> None:
    """Bring the application database to the newest migration, then import the directory, as
    `pathways serve` does on every start (each a no-op when current)."""
    url = get_settings().database_url
    migrate(url)
    revision, _head = schema_revisions(url)
    # A cluster runs no `pathways serve`: without this its authorities would never be imported
    # and every case would be refused for an unknown authority.
    try:
        with session_scope(get_engine(url)) as session:
            imported = import_directory(session)
    except AuthorityConfigError as refused:
        fail(str(refused))
    shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(
        f"database {shown}: at migration {revision}; directory {imported.created} created, "
        f"{imported.updated} updated, {imported.unchanged} unchanged"
    )


def _print(summary: dict[str, Any], text: str, as_json: bool) -> None:
    typer.echo(json.dumps(summary) if as_json else text)


def sweep_command(as_json: JsonFlag = False) -> None:
    """Fire every timer due now (by the shared clock), as the scheduled sweep would."""
    migrated_engine()
    # Imported here so the other commands start without loading Prefect.
    from flows.timer_sweep import timer_sweep

    with product_prefect():
        summary = timer_sweep()
    fired = ", ".join(f"{kind} {count}" for kind, count in sorted(summary["fired"].items()))
    _print(
        summary,
        f"timers fired: {fired or 'none'}; notifications queued: {summary['notifications']}; "
        f"events run: {summary['events_run']}",
        as_json,
    )


def deliver_command(as_json: JsonFlag = False) -> None:
    """Send every notification due now, as the scheduled delivery run would."""
    migrated_engine()
    from flows.deliver_notifications import deliver_notifications

    with product_prefect():
        totals = deliver_notifications()
    _print(
        totals,
        f"sent {totals['sent']}, retry later {totals['retried']}, dead letters {totals['dead']}",
        as_json,
    )


def register(app: typer.Typer) -> None:
    app.command("migrate")(migrate_command)
    app.command("sweep")(sweep_command)
    app.command("deliver")(deliver_command)
