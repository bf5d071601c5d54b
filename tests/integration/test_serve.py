"""``pathways serve`` end to end: a real Prefect server, the served deployments and the SMTP
sink come up; SIGINT stops all of them within seconds, saying what it stops, even while a
delivery run waits on a relay that never answers, and leaves no process behind. And the start-up
clean-up of ``deployments.serve`` against a real Prefect server."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import ConcurrencyLimitStrategy, FlowRun
from prefect.client.schemas.responses import DeploymentResponse
from prefect.client.schemas.schedules import IntervalSchedule
from prefect.deployments.runner import RunnerDeployment
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.states import Pending, Running, Scheduled
from sqlmodel import select

from deployments.declarations import ONE_AT_A_TIME, SWEEP_INTERVAL
from deployments.recovery import recover
from flows.timer_sweep import timer_sweep
from infrastructure.db import make_engine, migrate, session_scope
from infrastructure.settings import PROJECT_ROOT
from models import Notification
from runtime.in_flight_runs import cancel_unfinished_runs
from simulation.smtp import free_port
from tests.support.off_loop import run_coroutine

PATHWAYS = Path(sys.executable).parent / "pathways"
# Bounds the waits so a broken start fails instead of hanging; it says nothing about speed.
GIVE_UP_AFTER = 300.0
# What the operator waits after Ctrl-C, however stuck a delivery is: a requirement, generous so
# a loaded machine passes; the stop takes about 4 s.
STOP_WITHIN = 10.0
# Enough queued mail for the relay that never answers to keep one delivery run busy throughout.
QUEUED_FOR_SILENT_RELAY = 50


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # Field 2 is the command name in parentheses, and may itself contain spaces.
    return stat[stat.rindex(")") + 2 :].split()


def descendants(root: int) -> dict[int, str]:
    """Every process below ``root``, each with its start time, so a reused pid is not mistaken
    for the original."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        fields = _stat_fields(int(entry.name)) if entry.name.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: dict[int, str] = {}
    pending = [root]
    while pending:
        for child in children.get(pending.pop(), []):
            fields = _stat_fields(child)
            if fields is not None and child not in found:
                found[child] = fields[19]
                pending.append(child)
    return found


def still_running(pid: int, started: str) -> bool:
    fields = _stat_fields(pid)
    return fields is not None and fields[19] == started and fields[0] != "Z"


def wait_for(condition: str, check: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + GIVE_UP_AFTER
    while not check():
        assert process.poll() is None, (
            f"pathways serve exited early ({condition}); its output ends:\n{_output_tail(process)}"
        )
        assert time.monotonic() < deadline, f"gave up waiting: {condition}"
        time.sleep(1)


# Where each serve process writes, so a failed start shows why.
OUTPUT_OF: dict[int, Path] = {}


def _output_tail(process: subprocess.Popen[bytes], lines: int = 40) -> str:
    path = OUTPUT_OF.get(process.pid)
    if path is None or not path.exists():
        return "(no output captured)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def registered(api: str) -> dict[str, DeploymentResponse]:
    async def read() -> dict[str, DeploymentResponse]:
        with temporary_settings({PREFECT_API_URL: api}):
            async with get_client() as client:
                return {d.name: d for d in await client.read_deployments(limit=200)}

    return run_coroutine(read())


@pytest.fixture
def silent_relay() -> Iterator[int]:
    """A relay that accepts connections (the kernel completes them) and never says a word."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(QUEUED_FOR_SILENT_RELAY)
        yield int(hole.getsockname()[1])


def queue_mail_for(database_url: str, route: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    due = datetime.now(UTC) - timedelta(minutes=1)
    context = {
        "case_reference": "JP-TEST-0001",
        "pathway": "example",
        "event": "opened",
        "due": None,
        "owning_team": "lha",
        "link": "http://127.0.0.1/cases/JP-TEST-0001",
    }
    with session_scope(engine) as session:
        for n in range(QUEUED_FOR_SILENT_RELAY):
            session.add(
                Notification(
                    idempotency_key=f"silent-relay-{n}",
                    case_reference="JP-TEST-0001",
                    event_type="case_opened",
                    context=context,
                    recipient="lha",
                    route=route,
                    next_attempt_at=due,
                )
            )
    engine.dispose()


def claimed_any(database_url: str) -> bool:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            return any(row.attempts > 0 for row in session.exec(select(Notification)))
    finally:
        engine.dispose()


def trigger(api: str, deployment_id: uuid.UUID) -> None:
    async def create() -> None:
        with temporary_settings({PREFECT_API_URL: api}):
            async with get_client() as client:
                await client.create_flow_run_from_deployment(deployment_id)

    run_coroutine(create())


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


@pytest.fixture
def serve_process(
    tmp_path: Path, silent_relay: int
) -> Iterator[tuple[subprocess.Popen[bytes], dict[str, int]]]:
    ports = {"port": free_port(), "prefect": free_port(), "smtp": free_port()}
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    # The team inboxes go to the demo sink; this one channel goes to the relay that never answers.
    queue_mail_for(database_url, "route:silent-relay")
    silent = (
        f"mailto://127.0.0.1:{silent_relay}?from=pathways@localhost&mode=insecure&to=team@localhost"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PREFECT_API_URL", "PATHWAYS_SMTP_URL")
    }
    env |= {
        "PATHWAYS_DATABASE_URL": database_url,
        "PATHWAYS_ROUTES": json.dumps({"silent-relay": silent}),
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        "PATHWAYS_MAIL_DIR": str(tmp_path / "mail"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        # An extra definition module must reach the served process too.
        "PATHWAYS_DEFINITION_MODULES": "tests.support.example_pathway",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    command = [str(PATHWAYS), "serve", "--no-demo", "--port", str(ports["port"])]
    command += ["--prefect-port", str(ports["prefect"]), "--smtp-port", str(ports["smtp"])]
    with (tmp_path / "serve.out").open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    OUTPUT_OF[process.pid] = tmp_path / "serve.out"
    try:
        yield process, ports
    finally:
        if process.poll() is None:  # only when the test failed before stopping it
            left = descendants(process.pid)
            process.kill()
            process.wait()
            for pid, start in left.items():
                if still_running(pid, start):
                    os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_serve_starts_everything_and_sigint_stops_it_all(
    serve_process: tuple[subprocess.Popen[bytes], dict[str, int]], tmp_path: Path
) -> None:
    process, ports = serve_process
    api = f"http://127.0.0.1:{ports['prefect']}/api"

    wait_for("Prefect API healthy", lambda: healthy(api), process)
    wanted = {"timer-sweep", "deliver-notifications", "pathway-example"}
    wait_for("deployments registered", lambda: wanted <= set(registered(api)), process)

    deployments = registered(api)
    for name, interval in (("timer-sweep", 60), ("deliver-notifications", 30)):
        deployment = deployments[name]
        schedule = deployment.schedules[0].schedule
        assert isinstance(schedule, IntervalSchedule)
        assert schedule.interval == timedelta(seconds=interval)
        assert deployment.global_concurrency_limit is not None
        assert deployment.global_concurrency_limit.limit == 1
        assert deployment.concurrency_options is not None
        assert deployment.concurrency_options.collision_strategy is (
            ConcurrencyLimitStrategy.CANCEL_NEW
        )
    assert "pathway:example" in deployments["pathway-example"].tags
    assert not deployments["pathway-example"].schedules

    # The demo SMTP sink keeps every message as a file someone can open.
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@localhost", "team@localhost", "ping"
    message.set_content("JP-TEST-0001")
    with smtplib.SMTP("127.0.0.1", ports["smtp"], timeout=30) as smtp:
        smtp.send_message(message)
    mail_dir = tmp_path / "mail"
    wait_for("mail saved", lambda: any(mail_dir.glob("*.eml")), process)
    (saved,) = mail_dir.glob("*.eml")
    assert "JP-TEST-0001" in saved.read_text()

    # A delivery run is now stuck sending to the relay that never answers.
    trigger(api, deployments["deliver-notifications"].id)
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    wait_for("a delivery run claimed the queued mail", lambda: claimed_any(database_url), process)

    started = descendants(process.pid)
    commands = {Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") for pid in started}
    assert any(b"prefect server start" in command for command in commands)
    assert any(b"deployments.serve" in command for command in commands)

    process.send_signal(signal.SIGINT)
    sent_at = time.monotonic()
    try:
        code = process.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still stopping {STOP_WITHIN} s after SIGINT:\n{_output_tail(process)}")
    output = (tmp_path / "serve.out").read_text()
    assert code == 0, output
    assert time.monotonic() - sent_at < STOP_WITHIN
    # One line per part, in the order they stop, through the console.
    said = [line for line in output.splitlines() if "stopp" in line or "cancelled" in line]
    parts = ["stopping…", "stopping the dashboard and the deployments…", "cancelled",
             "stopping the Prefect server…",
             "stopping the mail sink…", "stopped in"]  # fmt: skip
    assert len(said) == len(parts), output
    for line, part in zip(said, parts, strict=True):
        assert part in line, output
    # The stuck delivery run (and any sweep that was running) is cancelled, not left running.
    assert re.search(r"cancelled ([1-9]\d*) of \1 unfinished deployment run", output), output
    # Children were stopped and reaped before serve returned; a SIGKILLed grandchild may take a
    # moment to finish dying.
    deadline = time.monotonic() + GIVE_UP_AFTER
    while survivors := [p for p, start in started.items() if still_running(p, start)]:
        assert time.monotonic() < deadline, f"processes outlived pathways serve: {survivors}"
        time.sleep(0.5)
    assert not healthy(api)
    assert (tmp_path / "logs" / "prefect-server.log").exists()


def state_of(run: FlowRun) -> str:
    assert run.state_type is not None
    return str(run.state_type.value)


@pytest.mark.usefixtures("prefect_server")
def test_start_up_frees_a_slot_held_by_a_dead_run_and_skips_only_missed_scheduled_runs() -> None:
    # A name of its own, so runs other tests leave on this server do not share its slot.
    sweep = RunnerDeployment.from_flow(
        timer_sweep,
        name=f"timer-sweep-{uuid.uuid4().hex[:8]}",
        interval=SWEEP_INTERVAL,
        concurrency_limit=ONE_AT_A_TIME,
    )

    async def scenario() -> dict[str, str]:
        deployment_id = await sweep.aapply()
        now = datetime.now(UTC)
        async with get_client() as client:

            async def run(at: datetime, tags: list[str]) -> uuid.UUID:
                created = await client.create_flow_run_from_deployment(
                    deployment_id, state=Scheduled(scheduled_time=at), tags=tags
                )
                return created.id

            async def propose_pending(run_id: uuid.UUID) -> str:
                await client.set_flow_run_state(run_id, Pending())
                return state_of(await client.read_flow_run(run_id))

            # A run that took the only slot, then its process died mid-run.
            dead = await run(now, [])
            assert await propose_pending(dead) == "PENDING"
            await client.set_flow_run_state(dead, Running())
            blocked = await run(now, [])
            assert await propose_pending(blocked) == "CANCELLED"  # the slot is still taken

            missed = await run(now - timedelta(minutes=30), ["auto-scheduled"])
            asked_for = await run(now - timedelta(minutes=30), [])
            upcoming = await run(now + timedelta(hours=1), ["auto-scheduled"])

            recovery = await recover(client, [sweep], [sweep], now)
            assert recovery.crashed >= 1 and recovery.skipped >= 1

            after = await run(now, [])
            states = {"next": await propose_pending(after)}
            for name, run_id in (
                ("dead", dead), ("missed", missed), ("asked_for", asked_for),
                ("upcoming", upcoming),
            ):  # fmt: skip
                states[name] = state_of(await client.read_flow_run(run_id))
            return states

    assert run_coroutine(scenario()) == {
        "dead": "CRASHED",
        "next": "PENDING",  # the slot is free again
        "missed": "CANCELLED",
        "asked_for": "SCHEDULED",  # only the scheduler's own runs are skipped
        "upcoming": "SCHEDULED",
    }


@pytest.mark.usefixtures("prefect_server")
def test_stopping_cancels_the_runs_left_unfinished_and_frees_their_slot() -> None:
    sweep = RunnerDeployment.from_flow(
        timer_sweep,
        name=f"timer-sweep-{uuid.uuid4().hex[:8]}",
        interval=SWEEP_INTERVAL,
        concurrency_limit=ONE_AT_A_TIME,
    )

    async def scenario() -> tuple[str, str | None, str, int, int]:
        deployment_id = await sweep.aapply()
        async with get_client() as client:
            # A run that took the only slot when its runner was killed mid-run.
            held = (await client.create_flow_run_from_deployment(deployment_id)).id
            await client.set_flow_run_state(held, Pending())
            await client.set_flow_run_state(held, Running())
            found, cancelled = await asyncio.to_thread(cancel_unfinished_runs, str(client.api_url))
            run = await client.read_flow_run(held)
            assert run.state is not None
            after = (await client.create_flow_run_from_deployment(deployment_id)).id
            await client.set_flow_run_state(after, Pending())
            following = state_of(await client.read_flow_run(after))
            return state_of(run), run.state.message, following, found, cancelled

    state, message, following, found, cancelled = run_coroutine(scenario())
    assert (state, message) == (
        "CANCELLED",
        "pathways serve stopped while this run was in progress",
    )
    assert following == "PENDING"  # the slot is free again
    assert found >= 1 and cancelled == found
