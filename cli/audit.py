"""``pathways audit``: check the hash chain of the audit log."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from infrastructure.audit import verify_chain
from infrastructure.db import get_engine, migrate, session_scope
from infrastructure.settings import get_settings

audit_app = typer.Typer(no_args_is_help=True, help="The audit log.")


@audit_app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print the report as JSON.")) -> None:
    """Exit 0 when the chain is intact; exit 1 naming the first bad row otherwise."""
    url = get_settings().database_url
    # A fresh database has an empty chain and its head row only once migrated.
    migrate(url)
    with session_scope(get_engine(url)) as session:
        report = verify_chain(session)
    if as_json:
        typer.echo(json.dumps(report.__dict__))
    elif report.ok:
        Console().print(f"[green]audit chain intact[/green]: {report.checked} events verified")
    else:
        Console(stderr=True).print(
            f"[red]audit chain broken[/red] at event {report.first_bad_id}: {report.problem} "
            f"({report.checked} events verified before it)"
        )
    raise typer.Exit(0 if report.ok else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
