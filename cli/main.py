"""The ``pathways`` command line.

A command's module is imported only when that command runs (help imports them all, to show
their help): the flow commands load Prefect and the database commands SQLAlchemy and Alembic,
and ``pathways deadline`` should wait for neither.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup
from typer.main import get_group

from infrastructure.error_reference import describe, report_unexpected
from infrastructure.logging_setup import configure_logging
from infrastructure.settings import SettingsError, get_settings
from infrastructure.storage_faults import storage_fault

if TYPE_CHECKING:
    from typer._click import Command, Context

# Command -> the module whose ``register(app)`` adds it. Help lists them in this order (single
# commands first, then groups, as Typer orders them).
COMMAND_MODULES: dict[str, str] = {
    "deadline": "cli.deadline",
    "simulate": "cli.simulate",
    "serve": "cli.serve",
    "migrate": "cli.ops",
    "sweep": "cli.ops",
    "deliver": "cli.ops",
    "directory": "cli.directory",
    "audit": "cli.audit",
    "notifications": "cli.notifications",
    "clock": "cli.clock",
    "staff": "cli.staff",
    "users": "cli.users",
    "report": "cli.reports",
    "case": "cli.case_group",
    "export": "cli.export",
    "retention": "cli.retention",
}


def commands_of(module_name: str) -> dict[str, Command]:
    """The commands ``module_name``'s ``register(app)`` adds, built as the app would build them."""
    holder = typer.Typer()
    importlib.import_module(module_name).register(holder)
    return dict(get_group(holder).commands)


class _LazyCommands(MutableMapping[str, "Command"]):
    """The group's commands, each built from its module on first look-up.

    The names are known without importing anything, so a mistyped command still gets its
    "Did you mean" suggestion for free.
    """

    def __init__(self, modules: Mapping[str, str], loaded: Mapping[str, Command]) -> None:
        self._modules = dict(modules)
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> Command:
        if name not in self._loaded:
            module = self._modules[name]
            self._loaded.update(commands_of(module))
        return self._loaded[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._modules.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._modules or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._modules, *self._loaded]))

    def __len__(self) -> int:
        return len(self._modules.keys() | self._loaded.keys())


UNEXPECTED_ERROR = 1
# What the command line itself turns into a message and an exit code.
HANDLED = (typer.TyperException, typer.Exit, typer.Abort, EOFError, BrokenPipeError)
log = logging.getLogger(__name__)


def _database_url() -> str | None:
    try:
        return get_settings().database_url
    except SettingsError:
        return None


def unexpected_error(error: Exception) -> NoReturn:
    """One line and exit 1 for an error no command expected. Its message, arguments and the
    values in its frames may hold the input (a name, a date of birth), so neither the
    terminal nor the log sees them: the log has the reference, the type and the location.
    A database that is full or read-only is named instead, as the operator can fix that."""
    fault = storage_fault(error, _database_url())
    if fault is not None:
        log.error("%s: %s", fault, describe(error))
        typer.echo(f"error: {fault}", err=True)
        raise typer.Exit(UNEXPECTED_ERROR) from None
    reference = report_unexpected(error, log)
    typer.echo(
        f"error: unexpected error, reference {reference} (logged); "
        "unfinished changes were rolled back and the input is not shown",
        err=True,
    )
    raise typer.Exit(UNEXPECTED_ERROR) from None


class LazyGroup(TyperGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = _LazyCommands(COMMAND_MODULES, self.commands)

    def list_commands(self, ctx: Context) -> list[str]:
        # Typer's own version reads every value, which would import every module.
        return list(self.commands)

    def invoke(self, ctx: Context) -> Any:
        # Here rather than only in main(), so every way of running the app (the console
        # script, CliRunner in the tests) reports an unexpected error the same way.
        try:
            return super().invoke(ctx)
        except HANDLED:
            raise
        except Exception as error:
            unexpected_error(error)


app = typer.Typer(
    cls=LazyGroup,
    no_args_is_help=True,
    add_completion=False,
    help="Joint Protocol Pathways",
    # Should anything still escape, a traceback must not print the values of local variables.
    pretty_exceptions_show_locals=False,
    pretty_exceptions_short=True,
)


@app.callback()
def _root() -> None:
    # Typer builds a group only for an app with a callback or registered commands, and this
    # one registers its commands lazily.
    pass


def main() -> None:
    try:
        settings = get_settings()
    except SettingsError as error:
        for line in str(error).splitlines():
            typer.echo(f"error: {line}", err=True)
        raise SystemExit(2) from None
    try:
        _run(settings.log_dir, settings.definition_modules)
    except HANDLED:
        raise
    except Exception as error:
        try:
            unexpected_error(error)
        except typer.Exit as stop:
            raise SystemExit(stop.exit_code) from None


def _run(log_dir: Path, definition_modules: tuple[str, ...]) -> None:
    configure_logging(log_dir)
    if definition_modules:
        # Extra definitions (e.g. the test-only example pathway) register themselves on import.
        from pathways.definitions import load_modules

        try:
            load_modules(definition_modules)
        except ImportError as error:
            typer.echo(f"error: PATHWAYS_DEFINITION_MODULES: {error}", err=True)
            raise SystemExit(2) from error
    app()


if __name__ == "__main__":
    main()
