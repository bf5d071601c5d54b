"""``pathways case timeline REF`` and ``pathways case export REF``: a case's whole story for an
auditor (audit events, Prefect flow runs, deliveries and timers, with whether the case's audit
chain verifies), on the terminal or as a zip a third party can check.

Prefect is read from the running system's server (or ``PREFECT_API_URL``); when it cannot be
read, each run is shown as our audit trail recorded it, and the output says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from application.auditor_timeline import (
    AuditorEntry,
    AuditorTimeline,
    RunHistory,
    read_auditor_timeline,
)
from application.case_export import export_case, timeline_document
from cli.cases import As, JsonFlag, Role, WideFlag, _acting, _reference, _refused
from cli.common import FAILURE, console, fail
from pathways.refusal import Refusal

LONDON = ZoneInfo("Europe/London")
Reference = Annotated[str, typer.Argument(metavar="REF", help="e.g. JP-7K3Q-9D2F.")]


def _run_history(reference: str) -> RunHistory:
    # Imported here: the other case commands run no flow and must not load the Prefect layer.
    from flows.run_history import case_run_history

    return case_run_history(reference)


def _at(entry: AuditorEntry) -> str:
    return entry.at.astimezone(LONDON).strftime("%d %b %Y %H:%M")


def _detail(entry: AuditorEntry) -> str:
    """What changed, or the run, timer or delivery: the rest (links, citations) is in --json."""
    lines = [f"{c.field}: {c.before} -> {c.after}" for c in entry.changes]
    if entry.run is not None:
        run = entry.run
        lines = [f"run {run.flow_run_id}", f"{run.state}; {run.availability_note}"]
        lines += [f"task {task.name}: {task.state or 'unknown'}" for task in run.task_runs]
    if entry.timer is not None and entry.timer.due_at is not None:
        met = {True: "; met", False: "; not met", None: ""}[entry.timer.met]
        lines.append(f"due {entry.timer.due_at.astimezone(LONDON):%d %b %Y %H:%M}{met}")
    if entry.delivery is not None:
        sent = entry.delivery
        lines.append(f"{sent.outcome} after {sent.attempts} attempt(s)")
    if entry.kind == "audit" and entry.basis:
        lines.append(f"basis: {entry.basis}")
    return "\n".join(lines)


def _table(timeline: AuditorTimeline) -> Table:
    # No vertical rules, and the detail gets the most room: 80 columns are all there may be.
    table = Table(
        title="Timeline (UK time)",
        title_justify="left",
        box=box.SIMPLE_HEAVY,
        pad_edge=False,
        expand=True,
    )
    table.add_column("when", no_wrap=True, min_width=len("21 Dec 2026 09:00"))
    table.add_column("what, by whom", overflow="fold", ratio=2)
    table.add_column("detail", overflow="fold", ratio=3)
    for e in timeline.entries:
        what = f"{e.title}\nby {e.actor} ({e.role})" if e.actor else e.title
        # Plain Text: titles and values may hold "[...]" that rich would read as markup.
        table.add_row(Text(_at(e)), Text(what), Text(_detail(e)))
    return table


def _print(timeline: AuditorTimeline, wide: bool) -> None:
    out = console(wide)
    out.print(
        Text(
            f"{timeline.reference}: {timeline.pathway}, {timeline.authority_id}, "
            f"{timeline.status}; {len(timeline.entries)} entries"
        )
    )
    chain = timeline.chain
    if chain.ok:
        out.print(Text(f"audit chain verified ({chain.checked} events)", style="green"))
    else:
        at = f" at {chain.bad_row}" if chain.bad_row else ""
        out.print(Text(f"audit chain does not verify{at}: {chain.problem}", style="bold red"))
    if timeline.prefect_problem:
        out.print(Text(f"Prefect not read ({timeline.prefect_problem}): runs as recorded"))
    out.print(_table(timeline))


def timeline_command(
    reference: Reference,
    username: As,
    role: Role = None,
    as_json: JsonFlag = False,
    wide: WideFlag = False,
) -> None:
    """A case's whole story, oldest first: audit events (who, role, rule, before -> after),
    Prefect flow runs with their task runs, alert deliveries and timers."""
    reference = _reference(reference)
    viewer = _acting(username, role, "case.timeline", reference)
    shown = read_auditor_timeline(viewer, reference, _run_history(reference))
    if isinstance(shown, Refusal):
        _refused(shown)
    if as_json:
        typer.echo(json.dumps(timeline_document(shown), indent=2))
        return
    _print(shown, wide)


def _write_new(path: Path, data: bytes) -> None:
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"--out: '{path}' already exists: an export is never written over a file")
    except OSError as unwritable:
        fail(f"--out: cannot create '{path}': {unwritable.strerror}", FAILURE)
    with os.fdopen(handle, "wb") as out:
        out.write(data)


def export_command(
    reference: Reference,
    username: As,
    out: Annotated[
        Path, typer.Option("--out", metavar="FILE.zip", help="Where to write it (a new file).")
    ],
    role: Role = None,
) -> None:
    """The timeline as JSON, CSV and a printable HTML page, in a zip with a manifest of each
    file's SHA-256. Keep the manifest's hash printed here: `pathways export verify FILE
    --manifest-sha256 HASH` then proves the zip is the one issued. The export is audited."""
    reference = _reference(reference)
    viewer = _acting(username, role, "case.export", reference)
    made = export_case(viewer, reference, _run_history(reference))
    if isinstance(made, Refusal):
        _refused(made)
    _write_new(out, made.data)
    typer.echo(f"{made.case_reference}: export written to {out} ({len(made.files)} files)")
    typer.echo(f"manifest: {made.manifest_sha256}")


def register(case_app: typer.Typer) -> None:
    case_app.command("timeline")(timeline_command)
    case_app.command("export")(export_command)
