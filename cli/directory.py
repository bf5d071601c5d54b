"""``pathways directory``: list and show the LHA contact directory (seed 002, spec §9).

Both commands migrate the database named by ``PATHWAYS_DATABASE_URL`` and import the seed when
the directory is empty, so they work on a fresh database. ``show`` checks the id against
``config/authorities.yaml`` first, so an unknown id writes nothing. Routes are references
(``email:<address>``, ``route:<name>``); the relay they go through is shown redacted, so no
credential from ``PATHWAYS_SMTP_URL`` or ``PATHWAYS_ROUTES`` is ever printed.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlmodel import Session

from application.directory import (
    directory_is_empty,
    escalation_chain,
    get_authority,
    import_directory,
    list_authorities,
)
from infrastructure.authority_config import (
    AuthorityConfigError,
    UnknownAuthorityError,
    authority_config,
)
from infrastructure.db import get_engine, migrate, session_scope
from infrastructure.settings import get_settings
from models.directory import Authority
from notifications.redaction import redact_url

ROUTE_FIELDS = ("routes", "ics_routes", "ooh_routes")

directory_app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="The LHA contact directory (seed 002 merged with config/authorities.yaml).",
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    app.add_typer(directory_app, name="directory")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def _ensure_imported(session: Session) -> None:
    if directory_is_empty(session):
        try:
            import_directory(session)
        except AuthorityConfigError as refused:
            _fail(str(refused))


def _as_dict(row: Authority) -> dict[str, Any]:
    dumped = row.model_dump(mode="json")
    data: dict[str, Any] = {name: dumped[name] for name in Authority.model_fields}
    for name in ROUTE_FIELDS:
        # References hold no secret; a row from before them might, so each is redacted.
        data[name] = [redact_url(route) for route in data[name]]
    data["escalation"] = {team: escalation_chain(row, team) for team in ("lha", "ics", "ifd")}
    return data


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _console() -> Console:
    console = Console()
    if not console.is_terminal:
        # Piped or captured output: do not squeeze the table into 80 columns.
        console = Console(width=200)
    return console


def _cell(value: Any) -> str:
    """Seed and config text shown literally (rich would read "[...]" as markup)."""
    return escape("—" if value is None or value == "" else str(value))


@directory_app.command("list")
def list_command(as_json: JsonFlag = False) -> None:
    """Every authority: id, name, kind, children's services, numbers, e-mail and gap count."""
    url = get_settings().database_url
    migrate(url)
    with session_scope(get_engine(url)) as session:
        _ensure_imported(session)
        rows = [_as_dict(row) for row in list_authorities(session)]
    if as_json:
        _print_json(rows)
        return
    table = Table(title="LHA contact directory (seed 002)")
    for heading in ("id", "name", "kind", "children's services", "main", "OOH"):
        table.add_column(heading, no_wrap=heading != "name")
    for heading in ("OOH verified", "email", "gaps"):
        table.add_column(heading)
    for row in rows:
        table.add_row(
            _cell(row["id"]),
            _cell(row["name"]),
            _cell(row["kind"]),
            _cell(row["children_services_authority"]),
            _cell(row["main_phone"]),
            _cell(row["ooh_phone"]),
            _yes_no(row["ooh_verified"]),
            _cell(row["email"]),
            str(len(row["data_gaps"])),
        )
    _console().print(table)


@directory_app.command("show")
def show_command(
    authority_id: Annotated[str, typer.Argument(help="Authority id, e.g. dartford.")],
    as_json: JsonFlag = False,
) -> None:
    """One authority with its routes, escalation chains and data gaps."""
    authority_id = authority_id.strip().lower()
    configured = list(authority_config().authorities)
    if authority_id not in configured:
        # Checked before touching the database, so a mistyped id writes nothing.
        _fail(str(UnknownAuthorityError(authority_id, configured)))
    url = get_settings().database_url
    migrate(url)
    try:
        with session_scope(get_engine(url)) as session:
            _ensure_imported(session)
            data = _as_dict(get_authority(session, authority_id))
    except UnknownAuthorityError as exc:
        _fail(str(exc))
    data["mail_relay"] = redact_url(get_settings().smtp_url)
    if as_json:
        _print_json(data)
        return
    _print_authority(data)


def _print_authority(data: dict[str, Any]) -> None:
    table = Table(title=f"{data['name']} ({data['id']})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for label, key in (
        ("kind", "kind"),
        ("children's services", "children_services_authority"),
        ("main", "main_phone"),
        ("OOH", "ooh_phone"),
        ("email", "email"),
        ("website", "website"),
        ("last verified", "last_verified"),
        ("source", "source"),
    ):
        table.add_row(label, _cell(data[key]))
    table.add_row("OOH verified", _yes_no(data["ooh_verified"]))
    for extra in data["extra_contacts"]:
        parts = [extra.get("phone"), extra.get("office"), extra.get("address"), extra.get("hours")]
        details = ", ".join(str(part) for part in parts if part)
        table.add_row("extra contact", _cell(f"{extra.get('label')}: {details}"))
    for label, key in (
        ("routes", "routes"),
        ("ICS routes", "ics_routes"),
        ("OOH routes", "ooh_routes"),
    ):
        table.add_row(label, _cell("\n".join(data[key])))
    table.add_row("e-mail routes via", _cell(data["mail_relay"]))
    for team, levels in data["escalation"].items():
        chain = " → ".join(levels)
        if team == "lha" and not data["escalation_chains"].get("lha_top"):
            chain += " → [top level not configured]"
        table.add_row(f"escalation ({team})", _cell(chain))
    table.add_row("data gaps", _cell("\n".join(f"• {gap}" for gap in data["data_gaps"])))
    _console().print(table)
