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

from cli.common import migrated_engine, schema_revisions
from cli.prefect_api import product_prefect
from infrastructure.db import migrate
from infrastructure.settings import get_settings

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def migrate_command() -> None:
    """Bring the application database to the newest migration (a no-op when current)."""
    url = get_settings().database_url
    migrate(url)
    revision, _head = schema_revisions(url)
    shown = make_url(url).render_as_string(hide_password=True)
    typer.echo(f"database {shown}: at migration {revision}")


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
