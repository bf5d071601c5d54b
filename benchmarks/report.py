"""Benchmark results: one row per measured number, shown as a table and written as JSON.

A target is a short string a reader can check by eye (``"<= 5"``, ``">= 20"``) and that
``meets`` can check by machine. Targets that are not a bound (``"linear"``, ``"info"``) are
judged by the benchmark that made the row and passed in as ``ok``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

INFO = "info"
_BOUND = re.compile(r"^\s*(<=|>=)\s*([0-9.]+)\s*$")


@dataclass(frozen=True)
class Result:
    name: str
    value: float | None
    unit: str
    target: str
    ok: bool
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        row = asdict(self)
        if self.value is not None and not math.isfinite(self.value):
            row["value"] = None
        return row


def meets(value: float | None, target: str) -> bool:
    """Whether ``value`` satisfies a bound target; a missing or non-finite value never does."""
    if value is None or not math.isfinite(value):
        return False
    bound = _BOUND.match(target)
    if bound is None:
        raise ValueError(f"target '{target}' is not a bound; judge it where the row is made")
    operator, limit = bound.group(1), float(bound.group(2))
    return value <= limit if operator == "<=" else value >= limit


def measured(name: str, value: float, unit: str, target: str, note: str = "") -> Result:
    """A row whose ok follows from its bound target (or is always true for ``info``)."""
    ok = math.isfinite(value) if target == INFO else meets(value, target)
    return Result(name, value, unit, target, ok, note)


def not_run(name: str, unit: str, target: str, reason: str) -> Result:
    """A row that could not be measured: it shows, and it counts as a missed target."""
    return Result(name, None, unit, target, False, reason)


def _format_value(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:.3g}" if abs(value) < 0.01 else f"{value:.2f}"


NOTES_INLINE_WIDTH = 140
"""Narrower than this (an 80-column terminal), the notes go under the table: in a column of
their own they squeeze the figures to an ellipsis."""


def table(results: Sequence[Result], title: str, with_notes: bool = True) -> Table:
    grid = Table(title=title, title_justify="left")
    grid.add_column("name", overflow="fold")
    grid.add_column("value", justify="right", no_wrap=True)
    grid.add_column("unit", no_wrap=True)
    grid.add_column("target", no_wrap=True)
    grid.add_column("ok", no_wrap=True)
    if with_notes:
        grid.add_column("note", overflow="fold")
    for row in results:
        cells = [
            row.name,
            _format_value(row.value),
            row.unit,
            row.target,
            "[green]yes[/green]" if row.ok else "[red]NO[/red]",
        ]
        grid.add_row(*cells, *([row.note] if with_notes else []))
    return grid


def print_table(results: Sequence[Result], title: str, console: Console | None = None) -> None:
    if console is None:
        console = Console()
        if not console.is_terminal:
            # Piped into a log: rich would fold the notes into 80 columns.
            console = Console(width=220)
    inline = console.width >= NOTES_INLINE_WIDTH
    console.print(table(results, title, with_notes=inline))
    if not inline:
        for row in results:
            if row.note:
                console.print(f"[bold]{row.name}[/bold]: {row.note}", highlight=False)


def to_json(results: Iterable[Result]) -> list[dict[str, Any]]:
    return [row.as_json() for row in results]


def write_json(results: Iterable[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # allow_nan=False: a NaN would make the file unreadable to strict JSON parsers.
    path.write_text(json.dumps(to_json(results), indent=2, allow_nan=False) + "\n")
