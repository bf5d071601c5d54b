"""``pathways audit``: check the audit trail (``verify``), read it (``log``) and see which
keys sign it (``keys``).

``verify`` checks the hash chain, the anchors each sweep wrote outside the database and the
case records the chain covers; exit 0 when all hold, 1 naming the first bad row and what is
wrong with it. ``log`` prints the events, oldest first, as a table that fits 80 columns or as
JSON. Audit rows name staff and rules, never the people a case is about. ``keys`` prints key
ids (public fingerprints), never a key.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.audit_integrity import ChainStatus, chain_status
from application.audit_key_usage import KeyUsage, key_usage, record_key_in_use
from application.audit_trail import AuditLog, AuditLogError, audit_log
from application.case_commands import act_as
from application.cases import CaseNotFoundError
from application.principals import Acting
from cli.common import CLI_ROLE, FAILURE, cli_actor, console, fail, migrated_engine
from infrastructure.audit import AuditKeyMissingError
from infrastructure.audit_anchors import database_id, read_anchors
from infrastructure.audit_keys import not_configured
from infrastructure.db import get_engine, migrate, session_scope
from infrastructure.settings import get_settings
from pathways.audit_anchors import AnchorLog
from pathways.principal import Actor
from pathways.references import is_case_reference
from pathways.refusal import Refusal

LONDON = ZoneInfo("Europe/London")
audit_app = typer.Typer(no_args_is_help=True, help="The audit log.")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
CaseOption = Annotated[
    str | None, typer.Option("--case", metavar="REF", help="Only this case (e.g. JP-7K3Q-9D2F).")
]


def _reference(value: str | None) -> str | None:
    if value is None:
        return None
    reference = value.strip().upper()
    if not is_case_reference(reference):
        fail(f"--case: '{value}' is not a case reference such as JP-7K3Q-9D2F")
    return reference


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)")


def _said(status: ChainStatus, reference: str | None) -> str:
    scope = f"case {reference}: " if reference else ""
    held = "anchor holds" if status.anchors == 1 else "anchors hold"
    notes = f"; {status.anchors} {held}" if status.anchors else ""
    if status.legacy_cases:
        notes += (
            f"; {status.legacy_cases} cases opened before the chain covered all their "
            "records: only the records written since are checked"
        )
    return f"{scope}{status.checked} events verified{notes}"


def _with_prefect_anchors(url: str) -> AnchorLog:
    """The anchor file's anchors and the copies the Prefect server keeps."""
    # Imported only when asked: loading Prefect costs every other command its start-up time.
    from flows.anchor_artifacts import prefect_anchors

    kept = read_anchors()
    try:
        copies = prefect_anchors(database_id(url))
    except Exception as unreadable:  # any failure to reach or read the server means the same
        fail(f"--prefect: cannot read the Prefect server ({type(unreadable).__name__})", FAILURE)
    return AnchorLog((*kept.anchors, *copies), kept.last_line_hash, kept.problem)


@audit_app.command("verify")
def verify(
    case: CaseOption = None,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect", help="Also check the anchors the Prefect server keeps as artifacts."
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Exit 0 when the trail is intact; exit 1 naming the first bad row otherwise."""
    reference = _reference(case)
    url = get_settings().database_url
    # A fresh database has an empty chain and its head row only once migrated.
    migrate(url)
    anchors = _with_prefect_anchors(url) if prefect else None
    try:
        with session_scope(get_engine(url)) as session:
            status = chain_status(session, reference, anchors=anchors)
    except CaseNotFoundError as missing:
        fail(f"--case: {missing}")
    if as_json:
        typer.echo(json.dumps({**asdict(status), "bad_row": status.bad_row}))
    elif status.ok:
        Console().print(
            Text.assemble(("audit chain intact", "green"), f": {_said(status, reference)}"),
            soft_wrap=True,
        )
    else:
        where = f" at {status.bad_row}" if status.bad_row else ""
        Console(stderr=True).print(
            Text.assemble(
                ("audit chain broken", "red"),
                f"{where}: {status.problem} ({status.checked} events verified before it)",
            ),
            soft_wrap=True,
        )
    raise typer.Exit(0 if status.ok else 1)


def _when(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M")


def _change(before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
    """The plain values that changed, as ``state: a -> b``; facts and lists are left to --json."""
    before, after = before or {}, after or {}
    changed = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old != new and key != "facts" and not isinstance(new, dict | list):
            changed.append(f"{key}: {old} -> {new}" if key in before else f"{key}: {new}")
    return "; ".join(changed)


def _table(log: AuditLog, *, one_case: bool, wide: bool) -> Table:
    """80 columns: who and what share a cell, the case column goes when one case is shown, and
    the rule relied on is in --wide and --json (citations run long)."""
    table = Table(box=box.SIMPLE_HEAVY, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("when (London)", no_wrap=True, min_width=16)
    table.add_column("what, by whom", overflow="fold", width=33)
    if not one_case:
        table.add_column("case", no_wrap=True)
    table.add_column("change", overflow="fold")
    if wide:
        table.add_column("rule")
    for row in log.rows:
        cells: list[str | Text] = [
            str(row.id),
            _when(row.occurred_at),
            Text(f"{row.action}\n{row.actor} ({row.role})"),
            *([] if one_case else [row.case_reference or "—"]),
            Text(_change(row.before, row.after)),
            *([Text(row.basis)] if wide else []),
        ]
        table.add_row(*cells)
    return table


def _jsonable(log: AuditLog) -> dict[str, Any]:
    return {
        "events": [{**asdict(row), "occurred_at": row.occurred_at.isoformat()} for row in log.rows],
        "more": log.more,
    }


@audit_app.command("log")
def log(
    case: CaseOption = None,
    since: Annotated[
        str | None, typer.Option("--from", metavar="DATE", help="From this London day (in).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", metavar="DATE", help="To this London day (in).")
    ] = None,
    username: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="USERNAME",
            help="Read as this member of staff: only the cases they may see. Without it, the "
            "operator on the server reads every event.",
        ),
    ] = None,
    role: Annotated[
        str | None,
        typer.Option("--role", metavar="ROLE", help="Their role, when they hold several."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many events.")] = 1000,
    wide: Annotated[
        bool, typer.Option("--wide", help="One line per event, with the rule relied on.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """The audit events, oldest first: who did what, when, under which rule."""
    reference = _reference(case)
    first, last = _day("--from", since), _day("--to", until)
    engine = migrated_engine()
    viewer: Acting | None = None
    if username is not None:
        found_as = act_as(username.strip(), role, attempted="audit.log", case_reference=reference)
        if isinstance(found_as, Refusal):
            fail(f"refused ({found_as.http_status}): {found_as.reason}")
        viewer = found_as
    try:
        with session_scope(engine) as session:
            found = audit_log(
                session,
                viewer=viewer,
                case_reference=reference,
                since=first,
                until=last,
                limit=limit,
            )
    except AuditLogError as unusable:
        fail(str(unusable))
    except CaseNotFoundError as missing:
        fail(f"--case: {missing}")
    if isinstance(found, Refusal):
        fail(f"refused ({found.http_status}): {found.reason}")
    if as_json:
        typer.echo(json.dumps(_jsonable(found), indent=2, default=str))
        return
    out = console(wide)
    if not found.rows:
        out.print("No audit events match.")
        return
    out.print(_table(found, one_case=reference is not None, wide=wide))
    if found.more:
        out.print(f"Only the first {limit} events are shown: narrow --from/--to or raise --limit.")


def _key_lines(usage: KeyUsage) -> list[str]:
    lines = [
        f"{use.status:<8} {use.key_id}  signed {use.rows} audit rows; keys the commitments "
        f"of {use.cases} cases"
        for use in usage.keys
        if use.status != "not configured"
    ]
    if not lines:
        lines.append("no audit key configured (PATHWAYS_AUDIT_KEY): new rows are plain SHA-256")
    lines.append(
        f"plain SHA-256: {usage.plain_rows} audit rows; the commitments of "
        f"{usage.plain_cases} cases"
    )
    if usage.unnamed_rows:
        lines.append(
            f"hmac-sha256 without a key id (written before rows named their key; verify tries "
            f"each configured key): {usage.unnamed_rows} audit rows"
        )
    for scheme, count in sorted(usage.other_rows.items()):
        lines.append(f"unknown scheme '{scheme}': {count} audit rows (verify names them)")
    return lines


@audit_app.command("keys")
def keys(
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="First write one audit row under the current key: after a rotation, so "
            "verify holds before the service has written anything.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """The audit key ids (current, retired; never a key), how many audit rows each signed and
    how many cases' commitments each keys. Exit 1 when the trail uses a key that is not
    configured."""
    engine = migrated_engine()
    recorded = None
    if record:
        try:
            with session_scope(engine) as session:
                recorded = record_key_in_use(session, Actor(cli_actor(), CLI_ROLE))
        except AuditKeyMissingError as missing:
            fail(f"--record: {missing}", FAILURE)
    with session_scope(engine) as session:
        usage = key_usage(session)
    if as_json:
        typer.echo(json.dumps({**asdict(usage), "recorded_event": recorded}))
    else:
        if recorded is not None:
            typer.echo(f"recorded audit event {recorded} under the current key")
        for line in _key_lines(usage):
            typer.echo(line)
        for use in usage.missing:
            typer.echo(
                f"warning: {use.rows} audit rows and the commitments of {use.cases} cases are "
                f"keyed with {not_configured(use.key_id)}",
                err=True,
            )
    raise typer.Exit(1 if usage.missing else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
