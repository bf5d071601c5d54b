"""``pathways users``: the sign-in accounts of the staff directory's members: add, list,
disable, set a password and issue an API token.

Operator commands on the server's own command line, audited as the operating-system account
that ran them (role ``operator``). A password is read from a hidden prompt, typed twice, or
with ``--password-stdin`` from the first line of standard input; it is never echoed, and an
API token is printed once, when it is made.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.accounts import (
    AccountError,
    AccountView,
    add_account,
    disable_account,
    issue_api_token,
    list_accounts,
    set_password,
)
from cli.common import cli_actor, console, fail, migrated_engine
from infrastructure.db import session_scope

LONDON = ZoneInfo("Europe/London")
WIDTH = 80

users_app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Sign-in accounts of the staff directory."
)

Username = Annotated[str, typer.Argument(metavar="USERNAME", help="A member of staff.")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    entered: str = typer.prompt(
        "Password (at least 12 characters)", hide_input=True, confirmation_prompt=True
    )
    return entered


@users_app.command("add")
def add_command(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Give an active member of staff an account to sign in with."""
    password = _password(password_stdin)
    try:
        with session_scope(migrated_engine()) as session:
            add_account(session, username, password, by=cli_actor())
    except AccountError as refused:
        fail(str(refused))
    typer.echo(f"added an account for {username.strip()}")


@users_app.command("set-password")
def set_password_command(username: Username, password_stdin: PasswordStdin = False) -> None:
    """Set a new password: this also unlocks the account and ends its sessions."""
    password = _password(password_stdin)
    try:
        with session_scope(migrated_engine()) as session:
            set_password(session, username, password, by=cli_actor())
    except AccountError as refused:
        fail(str(refused))
    typer.echo(f"password set for {username.strip()}: unlocked, every session ended")


@users_app.command("disable")
def disable_command(username: Username) -> None:
    """Stop an account signing in: its sessions end and its API tokens are revoked."""
    try:
        with session_scope(migrated_engine()) as session:
            disable_account(session, username, by=cli_actor())
    except AccountError as refused:
        fail(str(refused))
    typer.echo(f"disabled the account of {username.strip()}")


@users_app.command("token")
def token_command(username: Username) -> None:
    """Issue an API bearer token (printed once; only its hash is kept)."""
    try:
        with session_scope(migrated_engine()) as session:
            token = issue_api_token(session, username, by=cli_actor())
    except AccountError as refused:
        fail(str(refused))
    # The note goes to stderr, so `TOKEN=$(pathways users token NAME)` captures the token only.
    typer.echo(
        f"API token for {username.strip()}, shown only now (it cannot be shown again):", err=True
    )
    typer.echo(token)


def _when(moment: datetime | None, empty: str) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") if moment else empty


def _state(account: AccountView) -> str:
    if not account.active:
        return "disabled"
    if account.locked_until is not None:
        # A lock lasts minutes, so the time of day is enough; two lines keep the column narrow.
        return f"locked\nto {account.locked_until.astimezone(LONDON):%H:%M}"
    return "active"


def _account_cell(account: AccountView) -> Text:
    cell = Text(account.username)
    for role in account.roles:
        cell.append(f"\n  {role}", style="dim")
    return cell


@users_app.command("list")
def list_command() -> None:
    """Every account, with the roles its member of staff holds (times are UK time)."""
    with session_scope(migrated_engine()) as session:
        accounts = list_accounts(session)
    # Simple rules, no side borders, and the roles under each username: 80 columns hold even
    # the longest role name without folding it.
    table = Table(
        title="Accounts",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for heading in ("username and roles", "authority", "state", "last sign-in"):
        table.add_column(heading, overflow="fold")
    for account in accounts:
        table.add_row(
            _account_cell(account),
            Text(account.authority_id or "—"),
            Text(_state(account)),
            Text(_when(account.last_sign_in_at, "never")),
        )
    Console(width=min(console().width, WIDTH)).print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
