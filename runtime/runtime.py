"""``pathways serve``: everything one machine needs, started in order and stopped in reverse.

1. the application database: migrations and the contact directory;
2. the demo SMTP sink, unless ``PATHWAYS_SMTP_URL`` names a real relay;
3. a Prefect server: ``PREFECT_API_URL`` if set, else ``prefect server start`` as a child;
4. one ``python -m deployments.serve`` child running every deployment;
5. the dashboard (``dashboard.app:app`` under uvicorn), once it exists;
6. a one-off child playing the demo scenarios (``simulation.demo``, listed in config/demo.yaml).

SIGINT and SIGTERM stop the parts in reverse order, one console line each, within seconds (a
stuck child is killed; the deployment runs it leaves are cancelled on the server), and return
0; a service that dies on its own stops everything and raises ``ChildExitedError``.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from application.accounts import DemoAccounts, seed_demo_accounts
from application.directory import import_directory
from infrastructure import running_system
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, migrate, session_scope
from infrastructure.running_system import RunningSystem
from infrastructure.settings import VAR_DIR, get_settings
from runtime.demo_mail_guard import may_seed_demo
from runtime.mail_sink import start_mail_sink
from runtime.prefect_server import (
    EMBEDDED_STARTUP,
    EMBEDDED_STOP,
    EXTERNAL_STARTUP,
    STOPPED_LINE,
    api_url,
    embedded_command,
    embedded_environment,
    ui_url,
    wait_until_healthy,
)
from runtime.shutdown import ChildGroup, cancel_in_flight, stopping
from runtime.supervisor import Child, StopRequestedError, StopSignal, start_child, stop_child

log = logging.getLogger(__name__)

DEMO_MODULE = "simulation.demo"
DEMO_RUNNER = "runtime.demo_runner"
DASHBOARD_MODULE = "dashboard.app"
RUNNER_POLL_SECONDS = "5"


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8080
    prefect_port: int = 4200
    smtp_port: int = 1025
    demo: bool = True
    demo_with_real_relay: bool = False


@dataclass(frozen=True)
class Endpoints:
    prefect_ui: str
    dashboard: str | None
    mail_dir: Path | None
    log_dir: Path
    demo_accounts: DemoAccounts | None = None


class ServeUsageError(ValueError):
    """An option names something this machine cannot provide, such as a busy port."""


class ChildExitedError(RuntimeError):
    pass


class DatabaseUnavailableError(RuntimeError):
    pass


Say = Callable[[str], None]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        # As the servers themselves do, so a port in TIME_WAIT does not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _check_ports(wanted: Sequence[tuple[str, str, int]]) -> None:
    for option, host, port in wanted:
        if not port_is_free(host, port):
            raise ServeUsageError(f"{option}: {host}:{port} is already in use")


def _app_environment(options: ServeOptions, sink: bool) -> dict[str, str]:
    updates = {
        "PREFECT_HOME": os.environ.get("PREFECT_HOME") or str(VAR_DIR / "prefect"),
        # Links in notifications point at this dashboard.
        "PATHWAYS_BASE_URL": os.environ.get("PATHWAYS_BASE_URL")
        or f"http://{options.host}:{options.port}",
    }
    if sink:
        updates["PATHWAYS_SMTP_URL"] = (
            f"mailto://127.0.0.1:{options.smtp_port}?from=pathways@localhost&mode=insecure"
        )
    return updates


def prepare_database(database_url: str, say: Say) -> None:
    """Migrate, then import the directory (a no-op when unchanged): safe on every start."""
    shown = make_url(database_url).render_as_string(hide_password=True)
    try:
        migrate(database_url)
        with session_scope(get_engine(database_url)) as session:
            result = import_directory(session)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise DatabaseUnavailableError(f"database {shown}: {reason}") from error
    say(
        f"database {shown}: migrated; directory {result.created} created, "
        f"{result.updated} updated, {result.unchanged} unchanged"
    )


def _start_demo_seed(running: ExitStack, log_dir: Path, say: Say) -> Child | None:
    if importlib.util.find_spec(DEMO_MODULE) is None:
        say(f"demo data: {DEMO_MODULE} is not built yet, so no demo cases")
        return None
    seed = start_child("demo-seed", [sys.executable, "-m", DEMO_RUNNER], {**os.environ}, log_dir)
    seeding = ChildGroup(say)
    seeding.add("the demo seeding", seed)
    running.callback(seeding.stop)
    say(f"demo data: seeding in the background (progress in {seed.log_path})")
    return seed


def _start_prefect(
    options: ServeOptions, running: ExitStack, stop: StopSignal, log_dir: Path, say: Say
) -> str:
    external = os.environ.get("PREFECT_API_URL")
    if external:
        wait_until_healthy(external, EXTERNAL_STARTUP, stop)
        say(f"Prefect: using {external}")
        return external
    api = api_url(options.prefect_port)
    env = embedded_environment(
        {**os.environ, "PREFECT_API_URL": api}, Path(os.environ["PREFECT_HOME"])
    )
    command = embedded_command(options.prefect_port)
    server = start_child(
        "prefect-server", command, env, log_dir, stop_signal=signal.SIGINT, done_line=STOPPED_LINE
    )
    running.callback(
        stopping, say, "the Prefect server", partial(stop_child, server, EMBEDDED_STOP)
    )
    # Unwound before the server stops and after the deployments have: their runs left over.
    running.callback(cancel_in_flight, say, api)
    say(f"Prefect: starting a server on {api} (PREFECT_HOME={env['PREFECT_HOME']})")
    wait_until_healthy(api, EMBEDDED_STARTUP, stop, server)
    return api


def _start_services(
    options: ServeOptions, running: ExitStack, log_dir: Path, say: Say
) -> list[Child]:
    env = {**os.environ}
    env.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", RUNNER_POLL_SECONDS)
    services = ChildGroup(say)
    running.callback(services.stop)
    served = start_child("deployments", [sys.executable, "-m", "deployments.serve"], env, log_dir)
    children = [services.add("the deployments", served)]
    if not dashboard_built():
        say("dashboard: not built yet")
        return children
    command = [sys.executable, "-m", "uvicorn", f"{DASHBOARD_MODULE}:app",
               "--host", options.host, "--port", str(options.port)]  # fmt: skip
    children.append(services.add("the dashboard", start_child("dashboard", command, env, log_dir)))
    return children


def _watch(children: Sequence[Child], seed: Child | None, stop: StopSignal, say: Say) -> None:
    """Until a stop is asked for: a service that exits is fatal; the one-off seed may end."""
    while not stop.wait(1.0):
        if seed is not None and (code := seed.exit_code()) is not None:
            # The product works without demo cases, so a failed seed is reported, not fatal.
            say(
                "demo data: seeded"
                if code == 0
                else f"demo data: seeding failed; see {seed.log_path}"
            )
            seed = None
        for child in children:
            code = child.exit_code()
            if code is not None:
                log.error("%s exited on its own with code %s", child.name, code)
                raise ChildExitedError(
                    f"{child.name} exited with code {code}; see {child.log_path}"
                )


def announce_running(api: str, running: ExitStack) -> None:
    """Lets every other ``pathways`` command find this system's Prefect server."""
    running_system.record(RunningSystem(prefect_api_url=api, pid=os.getpid()))
    running.callback(running_system.forget, os.getpid())


def dashboard_built() -> bool:
    try:
        return importlib.util.find_spec(DASHBOARD_MODULE) is not None
    except ModuleNotFoundError:  # not even the package yet
        return False


def serve(options: ServeOptions, say: Say, on_ready: Callable[[Endpoints], None]) -> int:
    """Run until SIGINT or SIGTERM, then stop everything; 0 on a requested stop."""
    sink = "PATHWAYS_SMTP_URL" not in os.environ
    dashboard = dashboard_built()
    ports = []
    if "PREFECT_API_URL" not in os.environ:
        ports.append(("--prefect-port", "127.0.0.1", options.prefect_port))
    if sink:
        ports.append(("--smtp-port", "127.0.0.1", options.smtp_port))
    if dashboard:
        ports.append(("--port", options.host, options.port))
    _check_ports(ports)
    os.environ.update(_app_environment(options, sink))
    # Settings read from here on (the relay shown, the demo guard) must see the new environment.
    reset_caches()
    settings = get_settings()
    with StopSignal() as stop, ExitStack() as running:
        try:
            prepare_database(settings.database_url, say)
            # Before any delivery can run: demo mail must not reach a real inbox.
            seed_demo = may_seed_demo(
                get_engine(settings.database_url),
                demo_requested=options.demo,
                relay_is_local_sink=sink,
                real_relay_allowed=options.demo_with_real_relay or settings.demo_with_real_relay,
                smtp_url=settings.smtp_url,
                say=say,
            )
            demo_accounts = None
            if seed_demo:
                with session_scope(get_engine(settings.database_url)) as session:
                    demo_accounts = seed_demo_accounts(session)
            stop.check()
            if sink:
                mail_sink = start_mail_sink(options.smtp_port, settings.mail_dir)
                running.callback(stopping, say, "the mail sink", mail_sink.stop)
                say(f"mail: SMTP sink on port {options.smtp_port}, saving to {settings.mail_dir}")
            api = _start_prefect(options, running, stop, settings.log_dir, say)
            os.environ["PREFECT_API_URL"] = api
            announce_running(api, running)
            children = _start_services(options, running, settings.log_dir, say)
            seed = _start_demo_seed(running, settings.log_dir, say) if seed_demo else None
            on_ready(
                Endpoints(
                    prefect_ui=ui_url(api),
                    dashboard=f"http://{options.host}:{options.port}" if dashboard else None,
                    mail_dir=settings.mail_dir if sink else None,
                    log_dir=settings.log_dir,
                    demo_accounts=demo_accounts,
                )
            )
            _watch(children, seed, stop, say)
        except StopRequestedError:
            pass
        say("stopping…")
        stop_began = time.monotonic()
    say(f"stopped in {time.monotonic() - stop_began:.1f} s")
    return 0
