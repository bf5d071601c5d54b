"""``pathways staff``: the staff directory people act from: add, list and disable members.

These are operator commands on the server's own command line, audited as the operating-system
account that ran them (role ``operator``). A member of staff then acts with ``--as USERNAME``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from application.staff import StaffError, add_staff, disable_staff, list_staff
from cli.common import CLI_ROLE, cli_actor, console, fail, migrated_engine
from infrastructure.db import session_scope

BASIS = "staff directory, by the operator (pathways staff)"

staff_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="The staff directory people act from."
)


@staff_app.command("add")
def add_command(
    username: Annotated[str, typer.Argument(metavar="USERNAME", help="e.g. ho.dartford.")],
    display_name: Annotated[str, typer.Option("--name", help="How they are shown.")],
    email: Annotated[str, typer.Option("--email", help="Where their alerts go.")],
    roles: Annotated[
        list[str],
        typer.Option("--role", metavar="ROLE", help="A role they hold; repeat for several."),
    ],
    team: Annotated[str, typer.Option("--team", metavar="lha|ics", help="Their agency.")],
    authority: Annotated[
        str | None, typer.Option("--authority", metavar="ID", help="Their authority.")
    ] = None,
    team_name: Annotated[
        str | None,
        typer.Option(
            "--team-name",
            metavar="NAME",
            help="A children's services team in config/authorities.yaml whose districts they "
            "cover.",
        ),
    ] = None,
) -> None:
    """Add a member of staff with every role they hold."""
    try:
        with session_scope(migrated_engine()) as session:
            add_staff(
                session,
                username=username.strip(),
                display_name=display_name,
                email=email,
                roles=roles,
                team=team,
                team_name=team_name,
                authority_id=authority,
                actor=cli_actor(),
                actor_role=CLI_ROLE,
                basis=BASIS,
            )
    except StaffError as refused:
        fail(str(refused))
    typer.echo(f"added {username.strip()}: {', '.join(roles)}")


@staff_app.command("disable")
def disable_command(
    username: Annotated[str, typer.Argument(metavar="USERNAME")],
) -> None:
    """Stop a member of staff acting or receiving alerts; what they did stays on the record."""
    try:
        with session_scope(migrated_engine()) as session:
            disable_staff(
                session, username.strip(), actor=cli_actor(), actor_role=CLI_ROLE, basis=BASIS
            )
    except StaffError as refused:
        fail(str(refused))
    typer.echo(f"disabled {username.strip()}")


@staff_app.command("list")
def list_command(
    authority: Annotated[
        str | None, typer.Option("--authority", metavar="ID", help="Only this authority's.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every member of staff, with the roles they hold."""
    with session_scope(migrated_engine()) as session:
        staff = list_staff(session, authority)
    if as_json:
        typer.echo(json.dumps([asdict(member) for member in staff], indent=2))
        return
    table = Table(title="Staff", title_justify="left")
    for heading in ("username", "name", "roles", "authority", "team", "active"):
        table.add_column(heading, overflow="fold")
    for member in staff:
        table.add_row(
            *(
                Text(cell)
                for cell in (
                    member.username,
                    member.display_name,
                    "\n".join(member.roles),
                    member.authority_id or "—",
                    member.team_name or member.team,
                    "yes" if member.active else "no",
                )
            )
        )
    console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(staff_app, name="staff")
