"""``pathways report``: the compliance report and the H-CLIC export, from the command line.

Who reads is resolved by the application layer from the staff directory (``--as``); without
``--as`` the compliance report is the server operator's, over every authority, with override
rationales withheld. Every rule lives in ``application.compliance`` and ``application.hclic``:
this module parses dates, prints tables that fit 80 columns and writes files. Exit codes: 2
for input it cannot use or a refusal about who asks, 3 for a role that may not do this.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.case_commands import act_as
from application.compliance import SECTIONS, ComplianceReport, compliance_report, section_csv
from application.hclic import hclic_export
from application.principals import Acting
from application.report_scope import ReportPeriod, report_period, server_operator
from cli.common import FAILURE, cli_actor, console, fail, migrated_engine
from infrastructure import clock
from infrastructure.db import session_scope
from infrastructure.hclic_config import NOT_OFFICIAL, HclicConfigError, load_hclic_config
from pathways.refusal import Refusal
from pathways.roles import ROLES

FORBIDDEN = 3
LONDON = ZoneInfo("Europe/London")

report_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Compliance reports and the H-CLIC export."
)

From = Annotated[str, typer.Option("--from", metavar="DATE", help="First day (YYYY-MM-DD).")]
To = Annotated[str, typer.Option("--to", metavar="DATE", help="Last day (YYYY-MM-DD).")]
Role = Annotated[
    str | None,
    typer.Option("--role", metavar="ROLE", help="Which of their roles; needed if several."),
]


def _day(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)")


def _period(first: str, last: str) -> ReportPeriod:
    found = report_period(_day("--from", first), _day("--to", last))
    if isinstance(found, Refusal):
        fail(found.reason.replace("to: ", "--to: ", 1))
    return found


def _refused(refusal: Refusal) -> NoReturn:
    """A refusal of the report itself: 3 for a role that may not, 2 for input it cannot use."""
    reason = " ".join(refusal.reason.split()).replace("authority: ", "--authority: ", 1)
    if refusal.http_status == 403:
        typer.echo(f"refused (403): {reason}", err=True)
        raise typer.Exit(FORBIDDEN)
    fail(reason)


def _acting(username: str | None, role: str | None, attempted: str) -> Acting:
    if role is not None and role not in ROLES:
        fail(f"--role: unknown role '{role}' (known: {', '.join(ROLES)})")
    engine = migrated_engine()
    if username is None:
        with session_scope(engine) as session:
            return server_operator(session, cli_actor())
    name = username.strip()
    if not name or len(name) > 80 or not name.isprintable():
        fail("--as: give the username of who reads (1-80 printable characters)")
    found = act_as(name, role, attempted=attempted)
    if isinstance(found, Refusal):
        fail(f"refused ({found.http_status}): {' '.join(found.reason.split())}")
    return found


def when(moment: datetime | None) -> str:
    return moment.astimezone(LONDON).strftime("%d %b %Y %H:%M") if moment else "—"


def _table(
    out: Console, title: str, headings: Sequence[str], rows: Sequence[Sequence[str]]
) -> None:
    """Fits 80 columns: case references stay whole, prose folds onto more lines."""
    if not rows:
        out.print(Text(f"{title}: none in the period.", style="bold"))
        return
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY, pad_edge=False)
    for index, heading in enumerate(headings):
        if heading == "case":
            widest = max([len(heading), *(len(row[index]) for row in rows)])
            table.add_column(heading, no_wrap=True, min_width=widest)
        else:
            table.add_column(heading, overflow="fold")
    for row in rows:
        # Plain Text: citations such as "[S000]" are not rich markup.
        table.add_row(*(Text(cell) for cell in row))
    out.print(table)


def _print(report: ComplianceReport, wide: bool) -> None:
    out = console(wide)
    out.print(Text(f"Compliance, {report.period.text}. {report.scope}", style="bold"))
    out.print(Text(f"As at {when(report.generated_at)} (UK time)."))
    timers = [
        [
            f"{r.rule_id}: {r.title}\n{r.citation}",
            *map(str, (r.met, r.late, r.still_open, r.overdue)),
        ]
        for r in report.timers
    ]
    _table(out, "Timers falling due, by rule", ("rule", "met", "late", "open", "overdue"), timers)
    signed = [
        [
            when(s.decided_at),
            s.case_reference,
            f"{s.kind}:\n{s.outcome}",
            f"{s.decided_by}\n{s.role}",
        ]
        for s in report.sign_offs
    ]
    _table(out, "Sign-offs and decisions", ("when", "case", "decision", "by (role)"), signed)
    headings = ["when", "case", "override", "by (role)"]
    if report.rationale_shown:
        headings.append("rationale")
    overrides = [
        [
            when(o.at),
            o.case_reference,
            f"{o.source}: {o.purpose}",
            f"{o.recorded_by}\n{o.role}",
            *([o.rationale or ""] if report.rationale_shown else []),
        ]
        for o in report.overrides
    ]
    _table(out, "Consent overrides", headings, overrides)
    if report.overrides and not report.rationale_shown:
        out.print(Text("Rationales not shown: --rationale shows them (the read is audited)."))
    escalations = [
        [
            e.case_reference,
            f"{e.timer} ({e.rule_id})",
            str(e.escalations),
            f"{when(e.first_at)}\n{when(e.last_at)}",
            f"{e.level} of {e.chain_levels} ({e.chain}): {e.top_role}"
            + (f"; at {e.level_now} now" if e.level_now != e.level else ""),
        ]
        for e in report.escalations
    ]
    headings = ["case", "timer", "times", "first / last", "level reached"]
    _table(out, "Escalations", headings, escalations)
    closures = [
        [
            c.case_reference,
            f"{c.step} ({c.outcome_code or '—'}), {c.version}",
            when(c.closed_at),
            c.missing,
        ]
        for c in report.ungated_closures
    ]
    headings = ["case", "step, version", "closed", "missing"]
    _table(out, "Closures that did not pass the closure gate", headings, closures)


def _write_csv(report: ComplianceReport, directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for key in SECTIONS:
            path = directory / f"compliance-{key}.csv"
            path.write_text(section_csv(report, key), encoding="utf-8", newline="")
            typer.echo(f"wrote {path}")
    except OSError as unwritable:
        fail(f"--csv: cannot write to '{directory}': {unwritable.strerror}", FAILURE)


@report_app.command("compliance")
def compliance_command(
    first: From,
    last: To,
    authority: Annotated[
        str | None, typer.Option("--authority", metavar="ID", help="Only this authority.")
    ] = None,
    username: Annotated[
        str | None,
        typer.Option("--as", metavar="USERNAME", help="Who reads (default: the operator)."),
    ] = None,
    role: Role = None,
    rationale: Annotated[
        bool, typer.Option("--rationale", help="Show override rationales (audited).")
    ] = False,
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", metavar="DIR", help="Also write each section here.")
    ] = None,
    wide: Annotated[bool, typer.Option("--wide", help="One line per row.")] = False,
) -> None:
    """Timers by rule, sign-offs, consent overrides, escalations and ungated closures."""
    period = _period(first, last)
    reader = _acting(username, role, "report.compliance")
    engine = migrated_engine()
    with session_scope(engine) as session:
        report = compliance_report(
            session,
            reader,
            period,
            clock.now(engine),
            authority_id=authority.strip() if authority else None,
            with_rationale=rationale,
            view="cli: pathways report compliance",
        )
    if isinstance(report, Refusal):
        _refused(report)
    _print(report, wide)
    if csv_dir is not None:
        _write_csv(report, csv_dir)


@report_app.command("hclic")
def hclic_command(
    first: From,
    last: To,
    authority: Annotated[str, typer.Option("--authority", metavar="ID", help="The council.")],
    username: Annotated[
        str, typer.Option("--as", metavar="USERNAME", help="Who exports (a role allowed to).")
    ],
    out: Annotated[Path, typer.Option("--out", metavar="FILE", help="The zip to write.")],
    role: Role = None,
) -> None:
    """The case-level rows of the quarterly return: nine CSVs in one zip (personal data)."""
    period = _period(first, last)
    if out.exists():
        fail(f"--out: '{out}' exists; the export does not overwrite a file")
    try:
        config = load_hclic_config()
    except HclicConfigError as broken:
        fail(f"H-CLIC configuration: {broken}", FAILURE)
    exporter = _acting(username, role, "report.hclic")
    engine = migrated_engine()
    with session_scope(engine) as session:
        made = hclic_export(session, exporter, period, authority.strip(), clock.now(engine), config)
    if isinstance(made, Refusal):
        _refused(made)
    try:
        out.write_bytes(made.content)
    except OSError as unwritable:
        fail(f"--out: cannot write '{out}': {unwritable.strerror}", FAILURE)
    typer.echo(f"wrote {out}: {made.cases} cases, sha256 {made.sha256}")
    typer.echo(", ".join(f"{key} {count}" for key, count in made.rows.items()))
    typer.echo(f"{NOT_OFFICIAL}. The file holds personal data: keep it as the return requires.")


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
