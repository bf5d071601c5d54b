"""``pathways simulate SCENARIO.yaml``: play a scenario through the real flows and check it.

The scenario is validated completely before anything is created, so a malformed file exits 2
having written nothing. Then a fresh database (a temporary SQLite file unless --database-url
is given), an in-process SMTP server and a real Prefect server (``PREFECT_API_URL``, or a
temporary one) are set up, the scenario is played with a progress bar, and the timeline and
checks are printed. Exit status: 0 when every check holds, 1 when any fails, 2 for a bad
scenario file or database.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from cli.common import FAILURE, console, fail
from simulation.plan import play_order
from simulation.report import print_report
from simulation.scenario import ScenarioError, load_scenario
from simulation.scenario_format import Scenario

if TYPE_CHECKING:
    from simulation.plan import Play
    from simulation.result import SimulationResult
    from simulation.smtp import SmtpSink

# Prefect (through the runner) is imported only when a scenario is played: importing it for
# every `pathways` command would cost seconds and fix its settings before `serve` sets them.


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)


@contextmanager
def _temporary_database(keep: bool, notices: Console) -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="pathways-simulation-"))
    path = folder / "simulation.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        if keep:
            notices.print(f"database kept: {escape(str(path))}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def _check_fresh(database_url: str) -> None:
    """Fails fast, before a Prefect server is started, on a database that cannot be used."""
    from simulation.runner import DatabaseNotFreshError, require_fresh

    try:
        require_fresh(database_url)
    except DatabaseNotFreshError as error:
        fail(f"--database-url: {error}")
    except ArgumentError as error:
        fail(f"--database-url: not a database URL ({error})")
    except SQLAlchemyError as error:
        fail(f"--database-url: cannot use the database ({type(error).__name__}: {error})")


def _play(
    scenario: Scenario, database_url: str, sink: SmtpSink, notices: Console
) -> SimulationResult:
    from simulation.runner import run_scenario

    total = len(play_order(scenario))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=notices) as progress:
        task = progress.add_task("setting up", total=total)

        def show(done: int, play: Play) -> None:
            progress.update(task, completed=done, description=escape(f"{play.where} {play.title}"))

        result = run_scenario(scenario, database_url=database_url, smtp=sink, on_play=show)
        progress.update(task, completed=total, description="played")
    return result


def simulate_command(
    scenario_file: Annotated[
        Path, typer.Argument(metavar="SCENARIO.yaml", help="The scenario to play.")
    ],
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="A fresh database to play into (it is kept). Default: a temporary SQLite file.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the timeline and checks as JSON.")
    ] = False,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep the temporary SQLite database and say where.")
    ] = False,
) -> None:
    """Play a scenario (events at virtual times) through the real flows and check its
    expectations: prints the timeline of transitions, timer firings and notifications."""
    try:
        scenario = load_scenario(scenario_file)
    except ScenarioError as error:
        fail(str(error))
    from simulation.prefect_server import console_logs_at_warning, prefect_api
    from simulation.smtp import running_sink

    notices = Console(stderr=True)
    with ExitStack() as resources:
        url = database_url or resources.enter_context(_temporary_database(keep, notices))
        _check_fresh(url)
        resources.enter_context(console_logs_at_warning())
        sink = resources.enter_context(running_sink())
        resources.enter_context(prefect_api())
        result = _play(scenario, url, sink, notices)
    if as_json:
        typer.echo(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        print_report(console(), result)
    if not result.ok:
        raise typer.Exit(FAILURE)
