"""The ``pathways`` command line."""

from __future__ import annotations

import typer

from cli import audit, cases, clock, deadline, directory, notifications, ops, serve, simulate
from infrastructure.logging_setup import configure_logging
from infrastructure.settings import get_settings
from pathways.definitions import load_modules

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Joint Protocol Pathways")
deadline.register(app)
directory.register(app)
audit.register(app)
simulate.register(app)
serve.register(app)
notifications.register(app)
clock.register(app)
ops.register(app)
cases.register(app)


def main() -> None:
    configure_logging(get_settings().log_dir)
    # Extra definitions (e.g. the test-only example pathway) register themselves on import.
    try:
        load_modules(get_settings().definition_modules)
    except ImportError as error:
        typer.echo(f"error: PATHWAYS_DEFINITION_MODULES: {error}", err=True)
        raise SystemExit(2) from error
    app()


if __name__ == "__main__":
    main()
