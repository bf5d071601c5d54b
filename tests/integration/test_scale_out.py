"""The README's scale-out section, run as written on PostgreSQL with a process worker.

The recipe's blocks are read from the README (``tests.support.readme_recipe``) with only their
placeholders filled in: a ``prefect server start`` on a fresh PostgreSQL database and a free
port, ``pathways migrate`` on another, a process work pool, the deployments and
``prefect worker start``, with ``PATHWAYS_DISPATCH=deployment``. Then a social worker works a
16/17 intake case from the command line, the shared clock moves past its timers, two sweepers
run at once and two deliverers after them, and the test checks what the issue asks: every event
ran exactly once, on the worker; no timer fired twice; every notification reached the relay
once; the audit chain verifies.

The test's own configuration, beside the placeholders: its own ``PREFECT_HOME`` and state
directories, the Prefect scheduler off (the scheduled sweep and delivery would be more sweepers
at moments the test does not choose), a worker that asks for runs every second, time travel,
and the session's SMTP sink as the relay.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from infrastructure.db import make_engine
from infrastructure.settings import PROJECT_ROOT
from models import AuditEvent, Case, CaseEvent, Notification
from simulation.smtp import SmtpSink, free_port
from tests.support.readme_recipe import Machine, is_service, recipe, substituted
from tests.support.scale_out import Phases, Services, running_services

pytestmark = pytest.mark.postgres

PATHWAYS = Path(sys.executable).parent / "pathways"
POOL = "pathways"
SERVER_STARTUP_S = 180.0
COMMAND_TIMEOUT_S = 180.0
REFERENCE = re.compile(r"opened (JP-[0-9A-Z]{4}-[0-9A-Z]{4})")
README_SMTP_URL = (
    "mailto://RELAY_USER:RELAY_PASSWORD@RELAY_HOST:587?from=FROM_ADDRESS&mode=starttls"
)
EXAMPLES = PROJECT_ROOT / "examples" / "youth-1617-intake"
# The case's events, in order; the last is the one the sweep records once the s.20
# placement has lasted more than 24 hours.
EVENTS = ["record_enquiry", "triage_not_safe_tonight", "place_under_s20", "mark_looked_after"]
FIRINGS = {("joint_visit", "timer.breach"), ("looked_after_24h", "timer.breach")}
SOME_DEPLOYMENTS = {"pathway-youth-1617-intake", "timer-sweep", "deliver-notifications"}


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _drop(admin_url: str, *names: str) -> None:
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as connection:
        for name in names:
            drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            connection.execute(drop)


def _clean_environment() -> dict[str, str]:
    """This process's environment without any Prefect or Pathways setting of its own."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PATHWAYS_"))}


def run(command: str | list[str], env: Mapping[str, str]) -> str:
    """One command to completion: exit 0 and no traceback, or the test fails showing both."""
    args = ["bash", "-c", command] if isinstance(command, str) else command
    done = subprocess.run(
        args,
        env=dict(env),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT_S,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{command}\nexit {done.returncode}:\n{output}"
    assert "Traceback" not in output, f"{command}\n{output}"
    return done.stdout


def together(
    args: list[str], times: int, env: Mapping[str, str], out_dir: Path
) -> list[dict[str, Any]]:
    """``times`` copies of one command started at once; their ``--json`` summaries. Output goes
    to files: a full pipe would stall one copy while the test waits on the other."""
    started = []
    for copy in range(times):
        out, err = out_dir / f"{args[1]}-{copy}.out", out_dir / f"{args[1]}-{copy}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                args, env=dict(env), cwd=PROJECT_ROOT, stdout=stdout, stderr=stderr
            )
        started.append((process, out, err))
    summaries = []
    for process, out, err in started:
        code = process.wait(timeout=COMMAND_TIMEOUT_S)
        assert code == 0, f"{args} exit {code}:\n{out.read_text()}\n{err.read_text()[-4000:]}"
        summaries.append(json.loads(out.read_text()))
    return summaries


def wait_until_healthy(api: str, services: Services) -> None:
    deadline = time.monotonic() + SERVER_STARTUP_S
    while True:
        services.check_running()
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"no Prefect server at {api}:\n{services.log('server')}"
        time.sleep(0.25)


def read_api(api: str, path: str) -> list[dict[str, Any]]:
    answer = httpx.post(f"{api}{path}", json={"limit": 200}, timeout=10)
    answer.raise_for_status()
    rows: list[dict[str, Any]] = answer.json()
    return rows


@pytest.fixture
def cluster_databases(postgres_admin_url: str) -> Iterator[tuple[str, str]]:
    """Names for the two databases the recipe's ``psql`` creates; dropped afterwards."""
    suffix = uuid.uuid4().hex[:12]
    names = (f"jpp_test_scale_prefect_{suffix}", f"jpp_test_scale_app_{suffix}")
    try:
        yield names
    finally:
        _drop(postgres_admin_url, *names)


def test_the_readme_scale_out_recipe_runs_a_case_exactly_once_on_the_worker(
    postgres_admin_url: str,
    cluster_databases: tuple[str, str],
    smtp_sink: SmtpSink,
    tmp_path: Path,
) -> None:
    phases = Phases()
    admin = make_url(postgres_admin_url)
    app_url = admin.set(database=cluster_databases[1]).render_as_string(hide_password=False)
    api = f"http://127.0.0.1:{free_port()}/api"
    prefect_host, *others = substituted(
        recipe(), _fill_in(postgres_admin_url, cluster_databases, api, smtp_sink)
    )
    base = _clean_environment() | ({"PGPASSWORD": admin.password} if admin.password else {})
    host_env = base | prefect_host.exports
    host_env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-host"),
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env = base | {name: value for machine in others for name, value in machine.exports.items()}
    env |= {
        "PREFECT_HOME": str(tmp_path / "prefect-client"),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PATHWAYS_AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.jsonl"),
        "PATHWAYS_LOG_DIR": str(tmp_path / "logs"),
        "PATHWAYS_RUN_DIR": str(tmp_path / "run"),
        "PATHWAYS_MAIL_DIR": str(tmp_path / "mail"),
        "PATHWAYS_ALLOW_TIME_TRAVEL": "1",
        "COLUMNS": "200",
    }
    assert env["PATHWAYS_DISPATCH"] == "deployment"
    with ExitStack() as stack:
        services = stack.enter_context(running_services(tmp_path))
        _run_machine(prefect_host, host_env, services, "server")
        wait_until_healthy(api, services)
        phases.mark("prefect server on PostgreSQL")
        for machine in others:
            _run_machine(machine, env, services, "worker")
        phases.mark("migrate, pool, deployments, worker")

        reference = _work_a_case(env, tmp_path)
        phases.mark("case opened and two steps, on the worker")
        run([str(PATHWAYS), "clock", "advance", "25h"], env)
        sweeps = together([str(PATHWAYS), "sweep", "--json"], 2, env, tmp_path)
        phases.mark("two sweepers at once")
        deliveries = together([str(PATHWAYS), "deliver", "--json"], 2, env, tmp_path)
        phases.mark("two deliverers at once")
        verified = run([str(PATHWAYS), "audit", "verify", "--prefect"], env)
        phases.mark("audit verify --prefect")
        services.check_running()

        engine = make_engine(app_url)
        stack.callback(engine.dispose)
        with Session(engine) as session:
            _check_events_ran_once_on_the_worker(session, api, reference)
            _check_timers_fired_once(session, reference, sweeps)
            _check_notifications_delivered_once(session, smtp_sink, deliveries)
        assert "audit chain intact" in verified, verified
        assert "anchors hold" in verified, verified
    print(f"scale-out: {phases.summary()}")


def _fill_in(
    admin_url: str, databases: tuple[str, str], api: str, sink: SmtpSink
) -> dict[str, str]:
    """The README's placeholders, each with this test's value."""
    admin = make_url(admin_url)
    prefect_db, app_db = databases
    host, port = admin.host or "127.0.0.1", admin.port or 5432
    return {
        "psql -h DBHOST -U postgres": f"psql -h {host} -p {port} -U {admin.username or 'postgres'}",
        "'CREATE DATABASE prefect'": f"'CREATE DATABASE {prefect_db}'",
        "'CREATE DATABASE pathways'": f"'CREATE DATABASE {app_db}'",
        "postgresql+asyncpg://USER:PASSWORD@DBHOST:5432/prefect": admin.set(
            drivername="postgresql+asyncpg", database=prefect_db
        ).render_as_string(hide_password=False),
        "postgresql+psycopg://USER:PASSWORD@DBHOST:5432/pathways": admin.set(
            database=app_db
        ).render_as_string(hide_password=False),
        "--host 0.0.0.0 --port 4200": f"--host 127.0.0.1 --port {make_url(api).port}",
        "http://PREFECT_HOST:4200/api": api,
        README_SMTP_URL: sink.url,
        "AUDIT_KEY": secrets.token_hex(24),
    }


def _run_machine(machine: Machine, env: Mapping[str, str], services: Services, name: str) -> None:
    """One block's commands in order; the one that keeps running goes to the background."""
    for command in machine.commands:
        if is_service(command):
            services.start(name, command, env)
        else:
            run(command, env)


def _work_a_case(env: Mapping[str, str], tmp_path: Path) -> str:
    """A young person not safe tonight, placed under s.20: three steps, each a flow run."""
    # A social worker may take the first enquiry as well as the two steps: one staff command.
    run([str(PATHWAYS), "staff", "add", "sw.swale", "--name", "Social Worker (Swale)",
         "--email", "sw@swale.example", "--role", "ics-social-worker", "--team", "ics",
         "--authority", "swale"], env)  # fmt: skip
    enquiry = json.loads((EXAMPLES / "record_enquiry.json").read_text())
    (tmp_path / "enquiry.json").write_text(json.dumps(enquiry | {"safe_tonight": False}))
    opened = run([str(PATHWAYS), "case", "open", "youth-1617-intake", "--authority", "swale",
                  "--as", "sw.swale", "--input", str(tmp_path / "enquiry.json")], env)  # fmt: skip
    found = REFERENCE.search(opened)
    assert found, opened
    reference = found.group(1)
    run([str(PATHWAYS), "case", "record", reference, "triage_not_safe_tonight",
         "--as", "sw.swale"], env)  # fmt: skip
    run([str(PATHWAYS), "case", "record", reference, "place_under_s20", "--as", "sw.swale",
         "--input", str(EXAMPLES / "place_under_s20.json")], env)  # fmt: skip
    return reference


def _check_events_ran_once_on_the_worker(session: Session, api: str, reference: str) -> None:
    case = session.exec(select(Case).where(Case.reference == reference)).one()
    assert case.state == "looked_after", case.state
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
    ).all()
    assert [event.transition for event in events] == EVENTS
    assert {event.status for event in events} == {"applied"}, [e.status for e in events]

    runs = [found for found in read_api(api, "/flow_runs/filter") if found["deployment_id"]]
    per_event = Counter(flow_run["parameters"]["event_id"] for flow_run in runs)
    assert per_event == Counter(event.id for event in events), per_event
    assert {flow_run["parameters"]["case_ref"] for flow_run in runs} == {reference}
    assert {flow_run["state_type"] for flow_run in runs} == {"COMPLETED"}, runs
    assert {flow_run["work_pool_name"] for flow_run in runs} == {POOL}, runs
    deployments = read_api(api, "/deployments/filter")
    assert {deployment["work_pool_name"] for deployment in deployments} == {POOL}
    assert {deployment["name"] for deployment in deployments} >= SOME_DEPLOYMENTS

    # Each run wrote its own facts into the audit chain when it ended, once.
    finished = session.exec(
        select(AuditEvent).where(
            AuditEvent.action == "flow_run.finished", AuditEvent.case_reference == reference
        )
    ).all()
    recorded = {row.after["flow_run_id"]: row.after for row in finished if row.after}
    assert len(recorded) == len(finished) == len(runs)
    for flow_run in runs:
        assert recorded[flow_run["id"]]["case_event_id"] == flow_run["parameters"]["event_id"]
        assert recorded[flow_run["id"]]["state_type"] == "COMPLETED"


def _check_timers_fired_once(
    session: Session, reference: str, sweeps: list[dict[str, Any]]
) -> None:
    firings = [
        (row.after["timer"], row.after["occurrence"], row.action, row.after["level"])
        for row in session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action).startswith("timer."), AuditEvent.case_reference == reference
            )
        )
        if row.after
    ]
    assert len(firings) == len(set(firings)), firings
    assert {(timer, action) for timer, _, action, _ in firings} == FIRINGS
    # What the two sweepers say they did adds up to that, and one of them ran the follow-up.
    fired = sum(count for sweep in sweeps for count in sweep["fired"].values())
    assert fired == len(firings), sweeps
    assert sum(sweep["events_run"] for sweep in sweeps) == 1, sweeps


def _check_notifications_delivered_once(
    session: Session, sink: SmtpSink, deliveries: list[dict[str, Any]]
) -> None:
    queued = session.exec(select(Notification)).all()
    assert queued, "nothing was queued"
    assert {row.status for row in queued} == {"sent"}, Counter(row.status for row in queued)
    received = Counter(mail.key for mail in sink.received)
    assert set(received) == {row.idempotency_key for row in queued}
    assert set(received.values()) == {1}, received
    assert sum(delivery["sent"] for delivery in deliveries) == len(queued), deliveries
