"""What the operations commands share: one-line errors, the audit actor, a wide console, and
the check that the database is migrated."""

from __future__ import annotations

import getpass
import os
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from infrastructure.db import SCHEMA_HEAD, current_revision, get_engine
from infrastructure.settings import get_settings
from pathways.roles import OPERATOR_ROLE

USAGE_ERROR = 2
FAILURE = 1
CLI_ROLE = OPERATOR_ROLE
"""Operations on the server's own command line are a person's, recorded as the operator's,
never as the system's: only the sweep and recovery act as the system."""


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def cli_actor() -> str:
    """Who the audit log names for a CLI change: the operating-system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER, as in some containers
        return "cli"


WIDE = 200


def console(wide: bool = False) -> Console:
    """The terminal, whose width tables fit (``COLUMNS`` when set); asked for wide, or piped
    with no ``COLUMNS``, one line per row."""
    found = Console()
    fits = found.is_terminal or "COLUMNS" in os.environ
    return found if fits and not wide else Console(width=WIDE)


def parse_port(option: str, value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        fail(f"{option}: '{value}' is not a port number (1-65535)")
    return int(value)


def schema_revisions(url: str) -> tuple[str | None, str]:
    """(the database's migration, the newest one), read without writing anything."""
    return current_revision(url), SCHEMA_HEAD


def migrated_engine() -> Engine:
    """The application database, refusing (exit 1) one that is not at the newest migration:
    these commands act on a running system and leave schema changes to ``pathways migrate``."""
    url = get_settings().database_url
    current, head = schema_revisions(url)
    if current != head:
        state = "not migrated" if current is None else f"at migration {current}, not {head}"
        fail(f"the database is {state}: run `pathways migrate` first", FAILURE)
    return get_engine(url)
