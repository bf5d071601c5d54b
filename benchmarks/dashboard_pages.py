"""Dashboard pages at scale: the caseload and the case page against a bare SELECT of their rows.

For each backend, one fresh database holds ``dashboard_cases`` 16/17 intake cases
(``benchmarks.dashboard_seed``) and a signed-in coordinator of the main authority. The dashboard
runs as ``pathways serve`` runs it, ``python -m uvicorn dashboard.app:app`` in its own process,
and is asked over loopback HTTP with the session cookie: the request is parsed, routed, checked
for a session, read and rendered as in production, and the client's timing does not share a
GIL or an event loop with the server. (An in-process TestClient would skip the HTTP server and
bill the client's own work to the page.)

The yardstick is the SQL a page cannot do without, written out and run with no ORM and no
rendering, on the application's kind of engine in this process: the page of case rows (same
filters, order, offset and limit; the page's ids chosen first, as application.worklists does,
which is several times faster on SQLite than sorting whole rows) and the running timers of
those rows; for the case page, the case row, its timers and its steps. It leaves out the
caseload's count of every visible case, which the page also makes.

A page and its yardstick take turns, request by request, so both see the same load; the row is
the page's p95 over the yardstick's p95. The rows the yardstick selects are checked to be the
ones the page shows.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import httpx
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.engine import make_url

from application.worklists import PAGE_SIZE
from benchmarks.dashboard_seed import Caseload, seed_caseload
from benchmarks.databases import BENCH_DIR, application_on, fresh_database
from benchmarks.report import Result, measured
from benchmarks.scale import Scale
from dashboard.security import SESSION_COOKIE
from infrastructure.db import make_engine
from infrastructure.settings import PROJECT_ROOT
from simulation.smtp import free_port

log = logging.getLogger(__name__)

RATIO_TARGET: Final = "<= 10"
DEEP_AT: Final = 0.8
"""A deep page is this far through the pages."""
FILTERS: Final = {"step": "support_package", "status": "open"}
SERVER_START_WITHIN: Final = 120.0
REQUEST_TIMEOUT: Final = 60.0

VISIBLE = (
    "(c.authority_id IN :covers OR c.id IN "
    "(SELECT s.case_id FROM caseshare s WHERE s.authority_id IN :covers))"
)
FILTERED = " AND c.state = :step AND c.status = :status"
NEWEST_FIRST = "ORDER BY c.opened_at DESC, c.id DESC"
RUNNING_TIMERS = text(
    "SELECT * FROM timer WHERE case_id IN :ids AND status IN ('open', 'warned', 'breached') "
    "ORDER BY due_at, id"
).bindparams(bindparam("ids", expanding=True))
CASE_ROW = text('SELECT * FROM "case" WHERE reference = :reference')
CASE_TIMERS = text("SELECT * FROM timer WHERE case_id = :id ORDER BY due_at, id")
CASE_STEPS = text(
    "SELECT s.*, e.role FROM casestep s LEFT JOIN caseevent e ON e.id = s.event_id "
    "WHERE s.case_id = :id ORDER BY s.completed_at, s.id"
)


class PageCheckError(RuntimeError):
    """The dashboard failed, or a page does not show the rows its yardstick selects: no ratio
    would mean anything."""


@dataclass(frozen=True)
class Probe:
    """One page to time, and the bare SELECT of its rows (returning the references shown)."""

    name: str
    description: str
    path: str
    baseline: Callable[[Engine], list[str]]


@dataclass(frozen=True)
class Timing:
    probe: Probe
    page_p95: float
    baseline_p95: float

    @property
    def ratio(self) -> float:
        return self.page_p95 / self.baseline_p95


PROBE_NAMES: Final = (
    "caseload_first",
    "caseload_deep",
    "caseload_filtered_first",
    "caseload_filtered_deep",
    "case_page",
)


def result_names(backend: str) -> list[tuple[str, str, str]]:
    return [(f"dashboard_{name}_ratio_{backend}", "x", RATIO_TARGET) for name in PROBE_NAMES]


def _caseload_sql(filtered: bool, select: str, tail: str = "") -> str:
    return f'SELECT {select} FROM "case" c WHERE {VISIBLE}{FILTERED if filtered else ""}{tail}'


def _caseload_page(
    covers: tuple[str, ...], filtered: bool, page: int
) -> Callable[[Engine], list[str]]:
    page_ids = _caseload_sql(filtered, "c.id", f" {NEWEST_FIRST} LIMIT :limit OFFSET :offset")
    statement = text(
        f'SELECT c.* FROM "case" c WHERE c.id IN ({page_ids}) {NEWEST_FIRST}'
    ).bindparams(bindparam("covers", expanding=True))
    params: dict[str, object] = {
        "covers": list(covers),
        "limit": PAGE_SIZE,
        "offset": (page - 1) * PAGE_SIZE,
        **(FILTERS if filtered else {}),
    }

    def baseline(engine: Engine) -> list[str]:
        with engine.connect() as connection:
            cases = connection.execute(statement, params).all()
            ids = [row.id for row in cases]
            if ids:
                connection.execute(RUNNING_TIMERS, {"ids": ids}).all()
        return [row.reference for row in cases]

    return baseline


def _case_page(reference: str) -> Callable[[Engine], list[str]]:
    def baseline(engine: Engine) -> list[str]:
        with engine.connect() as connection:
            case = connection.execute(CASE_ROW, {"reference": reference}).one()
            connection.execute(CASE_TIMERS, {"id": case.id}).all()
            connection.execute(CASE_STEPS, {"id": case.id}).all()
        return [case.reference]

    return baseline


def _pages(engine: Engine, covers: tuple[str, ...], filtered: bool) -> int:
    statement = text(_caseload_sql(filtered, "count(*)")).bindparams(
        bindparam("covers", expanding=True)
    )
    with engine.connect() as connection:
        total = connection.execute(
            statement, {"covers": list(covers), **(FILTERS if filtered else {})}
        ).scalar_one()
    return max(1, -(-int(total) // PAGE_SIZE))


def _path(filtered: bool, page: int) -> str:
    query: dict[str, object] = dict(FILTERS) if filtered else {}
    if page > 1:
        query["page"] = page
    return f"/cases?{urllib.parse.urlencode(query)}" if query else "/cases"


def probes(engine: Engine, caseload: Caseload) -> list[Probe]:
    found = []
    for filtered, label in ((False, "caseload"), (True, "caseload_filtered")):
        deep = max(1, round(_pages(engine, caseload.covers, filtered) * DEEP_AT))
        shown = " ".join(f"{k}={v}" for k, v in FILTERS.items()) if filtered else "no filter"
        for depth, page in (("first", 1), ("deep", deep)):
            found.append(
                Probe(
                    f"{label}_{depth}",
                    f"GET /cases page {page}, {shown}",
                    _path(filtered, page),
                    _caseload_page(caseload.covers, filtered, page),
                )
            )
    reference = caseload.case_reference
    found.append(
        Probe("case_page", "GET /cases/{ref}", f"/cases/{reference}", _case_page(reference))
    )
    return found


@contextmanager
def served_dashboard(url: str) -> Iterator[str]:
    """The dashboard under uvicorn on a free loopback port, on ``url``; yields its base URL.
    Its log, named after the database, is kept under var/bench/ only when something failed."""
    log_path = BENCH_DIR / f"{Path(make_url(url).database or 'dashboard').stem}.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # The command `pathways serve` runs (runtime.runtime), on the benchmark's database.
    command = [sys.executable, "-m", "uvicorn", "dashboard.app:app",
               "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    env = {**os.environ, "PATHWAYS_DATABASE_URL": url}
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as output:
        server = subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        _wait_until_up(base, server, log_path)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    log_path.unlink()


def _wait_until_up(base: str, server: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_WITHIN
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise PageCheckError(f"the dashboard exited with {server.returncode}; see {log_path}")
        try:
            if httpx.get(f"{base}/sign-in", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise PageCheckError(f"the dashboard did not answer within {SERVER_START_WITHIN:.0f} s")


def _fetch(client: httpx.Client, probe: Probe) -> str:
    response = client.get(probe.path)
    if response.status_code != 200:
        # The status only: the body may name the people on a case.
        raise PageCheckError(
            f"{probe.description} answered {response.status_code}; the dashboard's log is "
            f"kept under {BENCH_DIR}"
        )
    return response.text


def _check_same_rows(client: httpx.Client, engine: Engine, probe: Probe) -> None:
    page = _fetch(client, probe)
    selected = probe.baseline(engine)
    missing = [reference for reference in selected if reference not in page]
    if missing or not selected:
        raise PageCheckError(
            f"{probe.description} does not show the {len(selected)} cases its bare SELECT "
            f"selects ({len(missing)} missing)"
        )


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[-1]


def time_probe(client: httpx.Client, engine: Engine, probe: Probe, scale: Scale) -> Timing:
    """p95 of the page and of its bare SELECT, taking turns (who goes first alternates)."""
    _check_same_rows(client, engine, probe)
    pages: list[float] = []
    baselines: list[float] = []

    def page() -> None:
        started = time.perf_counter()
        _fetch(client, probe)
        pages.append(time.perf_counter() - started)

    def baseline() -> None:
        started = time.perf_counter()
        probe.baseline(engine)
        baselines.append(time.perf_counter() - started)

    for turn in range(scale.page_warmup + scale.page_requests):
        if turn == scale.page_warmup:
            pages.clear()
            baselines.clear()
        first, second = (page, baseline) if turn % 2 == 0 else (baseline, page)
        first()
        second()
    return Timing(probe, p95(pages), p95(baselines))


def summarise(backend: str, scale: Scale, timings: list[Timing]) -> list[Result]:
    return [
        measured(
            f"dashboard_{timing.probe.name}_ratio_{backend}",
            timing.ratio,
            "x",
            RATIO_TARGET,
            f"{timing.probe.description}: p95 {timing.page_p95 * 1000:.1f} ms vs bare SELECT "
            f"{timing.baseline_p95 * 1000:.2f} ms ({scale.page_requests} requests, "
            f"{scale.dashboard_cases:,} cases)",
        )
        for timing in timings
    ]


def measure(url: str, engine: Engine, scale: Scale, backend: str) -> list[Result]:
    started = time.perf_counter()
    caseload = seed_caseload(engine, scale.dashboard_cases)
    log.info(
        "%s: seeded %s cases in %.1f s",
        backend,
        f"{scale.dashboard_cases:,}",
        time.perf_counter() - started,
    )
    yardstick = make_engine(url)
    try:
        found = probes(yardstick, caseload)
        with (
            served_dashboard(url) as base,
            httpx.Client(
                base_url=base,
                headers={"Cookie": f"{SESSION_COOKIE}={caseload.session_token}"},
                timeout=REQUEST_TIMEOUT,
            ) as client,
        ):
            timings = []
            for probe in found:
                timings.append(time_probe(client, yardstick, probe, scale))
                log.info(
                    "%s: %s: p95 %.1f ms, bare SELECT %.2f ms (%.1fx)",
                    backend,
                    probe.description,
                    timings[-1].page_p95 * 1000,
                    timings[-1].baseline_p95 * 1000,
                    timings[-1].ratio,
                )
    finally:
        yardstick.dispose()
    return summarise(backend, scale, timings)


def run(scale: Scale, backend: str) -> list[Result]:
    with fresh_database(backend, "dashboard") as url, application_on(url) as engine:
        return measure(url, engine, scale, backend)
