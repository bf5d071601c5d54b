"""``pathways serve``: run the whole product on this machine (``make run``)."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from cli.common import FAILURE, console, fail, parse_port
from infrastructure.authority_config import AuthorityConfigError
from infrastructure.settings import get_settings
from notifications.redaction import redact_url
from runtime.demo_mail_guard import DemoMailRefusedError
from runtime.prefect_server import PrefectServerError
from runtime.runtime import (
    ChildExitedError,
    DatabaseUnavailableError,
    Endpoints,
    ServeOptions,
    ServeUsageError,
    serve,
)

log = logging.getLogger(__name__)


def _say(message: str) -> None:
    try:
        console().print(f"[dim]•[/dim] {message}", highlight=False)
    except OSError:
        # The terminal has gone (SIGHUP): stopping goes on, and the log file keeps the line.
        log.info("%s", message)


def _show(endpoints: Endpoints) -> None:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Prefect UI", endpoints.prefect_ui)
    table.add_row("Dashboard", endpoints.dashboard or "not built yet")
    # The relay URL may carry a password: only its redacted form is ever printed.
    relay = f"sent via {redact_url(get_settings().smtp_url)} (PATHWAYS_SMTP_URL)"
    table.add_row("Mail", str(endpoints.mail_dir) if endpoints.mail_dir else relay)
    table.add_row("Logs", str(endpoints.log_dir))
    if endpoints.demo_accounts is not None:
        # Demo accounts only, with a password made for this run: the one secret ever shown.
        demo = endpoints.demo_accounts
        table.add_row("Sign in", endpoints.dashboard or "the dashboard, once it is built")
        table.add_row("", f"password {demo.password} (every demo account)")
        shown = ", ".join(demo.usernames[role] for role in ("coordinator", "auditor", "operator"))
        table.add_row("", f"{shown},")
        table.add_row("", "and demo.<role> for every other role")
    console().print(
        Panel(
            table,
            title="Joint Protocol Pathways is running",
            subtitle="Ctrl-C stops everything",
            expand=False,
        )
    )


def serve_options(
    *,
    host: str,
    port: str,
    prefect_port: str,
    smtp_port: str,
    no_demo: bool,
    demo_with_real_relay: bool,
) -> ServeOptions:
    """The options as given on the command line, checked; a bad port exits 2 naming it."""
    return ServeOptions(
        host=host,
        port=parse_port("--port", port),
        prefect_port=parse_port("--prefect-port", prefect_port),
        smtp_port=parse_port("--smtp-port", smtp_port),
        demo=not no_demo,
        demo_with_real_relay=demo_with_real_relay,
    )


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Dashboard address.")] = "127.0.0.1",
    port: Annotated[str, typer.Option("--port", metavar="PORT", help="Dashboard port.")] = "8080",
    prefect_port: Annotated[
        str,
        typer.Option(
            "--prefect-port",
            metavar="PORT",
            help="Port of the Prefect server started here (ignored when PREFECT_API_URL is set).",
        ),
    ] = "4200",
    smtp_port: Annotated[
        str,
        typer.Option(
            "--smtp-port",
            metavar="PORT",
            help="Port of the demo SMTP sink (none when PATHWAYS_SMTP_URL is set).",
        ),
    ] = "1025",
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Do not seed demo cases.")] = False,
    demo_with_real_relay: Annotated[
        bool,
        typer.Option(
            "--demo-with-real-relay",
            help="Seed the demo cases even though PATHWAYS_SMTP_URL names a real relay: their "
            "notifications then reach the directory's real council inboxes.",
        ),
    ] = False,
) -> None:
    """Start the Prefect server, the deployments, the SMTP sink and the dashboard."""
    options = serve_options(
        host=host,
        port=port,
        prefect_port=prefect_port,
        smtp_port=smtp_port,
        no_demo=no_demo,
        demo_with_real_relay=demo_with_real_relay,
    )
    try:
        code = serve(options, _say, _show)
    except (ServeUsageError, DemoMailRefusedError, AuthorityConfigError) as error:
        fail(str(error))
    except (PrefectServerError, ChildExitedError, DatabaseUnavailableError) as error:
        fail(str(error), FAILURE)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
