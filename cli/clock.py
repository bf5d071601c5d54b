"""``pathways clock``: show or move the shared virtual clock (demos; audited).

Every process on the database reads the same clock, so moving it here makes the served timer
sweep fire what is due at the new time. Moving is refused unless PATHWAYS_ALLOW_TIME_TRAVEL=1;
one move goes at most PATHWAYS_MAX_CLOCK_MOVE_DAYS, and never backwards while cases exist.
Each move, and each refused one, is audited as the operator who ran it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from application.time_travel import (
    ClockReading,
    TimeTravelRefusedError,
    ensure_allowed,
    move_clock,
    read_clock,
)
from cli.common import CLI_ROLE, cli_actor, console, fail, migrated_engine
from infrastructure.settings import get_settings
from pathways.clock_moves import (
    AdvanceBy,
    ClockMoveRefused,
    ClockRequest,
    ResetToReal,
    SetTo,
    duration_seconds,
)
from pathways.principal import Actor

LONDON = ZoneInfo("Europe/London")

clock_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="The shared virtual clock (demos)."
)


def parse_duration(value: str) -> int:
    """``26h``, ``3d``, ``1d12h``, ``90m``, ``2w``: a positive number of whole seconds."""
    seconds = duration_seconds(value)
    if seconds is None:
        fail(f"DURATION: '{value[:40]}' is not a duration such as 26h, 3d, 1d12h or 90m")
    if seconds <= 0:
        fail(f"DURATION: '{value}' must be longer than zero")
    return seconds


def parse_moment(value: str) -> datetime:
    """An ISO date or datetime; without an offset it is UK time, as staff read deadlines."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        fail(f"ISO_DATETIME: '{value[:40]}' is not an ISO date or datetime, e.g. 2026-12-21T09:00")
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


def _print(reading: ClockReading, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(reading.as_dict()))
        return
    state = "frozen" if reading.frozen else "running"
    offset = timedelta(seconds=round(reading.offset.total_seconds()))
    console().print(
        f"now {reading.now.astimezone(LONDON).isoformat(timespec='seconds')} (UK time, {state}); "
        f"real time {'+' if offset >= timedelta(0) else '-'}{abs(offset)}",
        highlight=False,
    )


def _ensure_allowed() -> None:
    """Checked before the arguments, so a refused command says so whatever it was given."""
    try:
        ensure_allowed(get_settings())
    except TimeTravelRefusedError as refused:
        fail(str(refused))


def _move(request: ClockRequest, as_json: bool) -> None:
    """A refused move exits 2 with its one-line reason; its audit row is already written."""
    outcome = move_clock(
        migrated_engine(), request, actor=Actor(cli_actor(), CLI_ROLE), settings=get_settings()
    )
    if isinstance(outcome, ClockMoveRefused):
        fail(outcome.reason)
    _print(outcome, as_json)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


@clock_app.command("show")
def show_command(as_json: JsonFlag = False) -> None:
    """The time the application sees, and how far it is from real time."""
    _print(read_clock(migrated_engine()), as_json)


@clock_app.command("set")
def set_command(
    moment: Annotated[str, typer.Argument(metavar="ISO_DATETIME", help="e.g. 2026-12-21T09:00")],
    as_json: JsonFlag = False,
) -> None:
    """Move the clock to a date and time (UK time unless an offset is given).

    At most PATHWAYS_MAX_CLOCK_MOVE_DAYS from the clock's time, and not earlier while cases
    exist."""
    _ensure_allowed()
    _move(SetTo(parse_moment(moment), moment.strip()), as_json)


@clock_app.command("advance")
def advance_command(
    duration: Annotated[str, typer.Argument(metavar="DURATION", help="e.g. 26h, 3d, 1d12h")],
    as_json: JsonFlag = False,
) -> None:
    """Move the clock forward from the time the application sees now, by at most
    PATHWAYS_MAX_CLOCK_MOVE_DAYS (200 days unless configured)."""
    _ensure_allowed()
    _move(AdvanceBy(parse_duration(duration), duration.strip()), as_json)


@clock_app.command("reset")
def reset_command(as_json: JsonFlag = False) -> None:
    """Return to real time; refused while cases exist if that moves the clock backwards."""
    _ensure_allowed()
    _move(ResetToReal(), as_json)


def register(app: typer.Typer) -> None:
    app.add_typer(clock_app, name="clock")
