"""Shows a simulation's result: the timeline as a table, then each check with ✓ or ✗."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from notifications.context import LONDON
from simulation.result import SimulationResult, TimelineEntry

KIND_STYLES = {
    "opened": "bold",
    "refused": "yellow",
    "timer warning": "yellow",
    "timer breach": "red",
    "timer escalation": "magenta",
    "notification delivered": "green",
    "notification not delivered": "bold red",
}


def _case_cell(entry: TimelineEntry) -> str:
    if entry.case and entry.reference:
        return escape(f"{entry.case} ({entry.reference})")
    return escape(entry.case or entry.reference or "—")


def timeline_table(result: SimulationResult) -> Table:
    table = Table(title=escape(f"{result.scenario} ({result.pathway})"), title_justify="left")
    table.add_column("when", no_wrap=True)
    table.add_column("virtual time (UK)", no_wrap=True)
    table.add_column("scenario", no_wrap=True)
    table.add_column("case", no_wrap=True)
    table.add_column("what", no_wrap=True)
    table.add_column("detail")
    for entry in result.timeline:
        style = KIND_STYLES.get(entry.kind, "")
        table.add_row(
            entry.offset,
            entry.at.astimezone(LONDON).strftime("%a %d %b %Y %H:%M %Z"),
            entry.where,
            _case_cell(entry),
            f"[{style}]{entry.kind}[/]" if style else entry.kind,
            escape(entry.detail),
        )
    return table


def print_report(console: Console, result: SimulationResult) -> None:
    console.print(timeline_table(result))
    console.print()
    for check in result.checks:
        if check.ok:
            console.print(f"[green]✓[/] {escape(check.where)}: {escape(check.expectation)}")
        else:
            console.print(f"[red]✗ {escape(check.message)}[/]")
    if result.stopped_at is not None:
        console.print(
            f"[bold red]Play stopped at {escape(result.stopped_at)}; "
            "the expectations were not checked.[/]"
        )
    failures = result.failures
    if result.ok:
        console.print(f"[bold green]All {len(result.checks)} checks hold.[/]")
    elif failures:
        console.print(f"[bold red]{len(failures)} of {len(result.checks)} checks failed:[/]")
        for failure in failures:
            console.print(f"  [red]• {escape(failure)}[/]")
