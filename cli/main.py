"""The ``pathways`` command line."""

from __future__ import annotations

import typer

from cli import deadline, directory

app = typer.Typer(no_args_is_help=True, add_completion=False, help="Joint Protocol Pathways")
deadline.register(app)
directory.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
