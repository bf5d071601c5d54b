"""A progress bar on the terminal while a benchmark seeds its rows, and nothing elsewhere.

Seeding a million timers takes minutes with nothing else to show. The bar goes to stderr, so
the results table on stdout stays clean; piped into a file or run by a test (stderr is not a
terminal), it is not drawn at all, and counting costs one call per ``EVERY`` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

Advance = Callable[[int], None]
Row = TypeVar("Row")
EVERY = 10_000


def _ignore(_count: int) -> None:
    """What ``advance`` is when no bar is drawn."""


@contextmanager
def seeding(description: str, total: int, console: Console | None = None) -> Iterator[Advance]:
    """A bar of ``total`` rows while the block runs; yields the function that moves it on."""
    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield _ignore
        return
    # Narrow enough for an 80-column terminal beside a 40-character description.
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=12),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    with bar:
        task = bar.add_task(description, total=total)
        yield lambda count: bar.advance(task, count)


def counted(rows: Iterable[Row], advance: Advance, every: int = EVERY) -> Iterator[Row]:
    """``rows`` unchanged, calling ``advance`` every ``every`` rows and for the rest at the end."""
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == every:
            advance(pending)
            pending = 0
    if pending:
        advance(pending)
