"""Event latency: from recording an event to its transition committed with its outbox rows.

Runs against a real Prefect server (``prefect_test_harness`` starts one in a subprocess) and a
fresh SQLite application database. ``record_step`` is what the API and CLI call: it checks the
event, writes it, and runs the pathway flow in this process; when it returns, the transition,
its timers, its outbox rows and its audit event are committed.

The yardstick is an empty flow run on the same server, with Prefect's default settings.
Events run their flow without the per-run heartbeat thread (flows/inline_runs.py), which
is most of an empty run's second, so a second, like-for-like yardstick is reported too: an
empty run under the same settings. Empty runs and events alternate, so all see the same load
on a shared machine.
"""

from __future__ import annotations

import logging
import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from prefect import flow
from sqlalchemy import Engine, event, func
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from application.case_commands import act_as, record_step
from application.cases import Submitted, apply_event, open_case, submit_event
from application.directory import import_directory
from application.principals import Acting
from application.staff import add_staff
from benchmarks import pathway
from benchmarks.databases import application_on, fresh_sqlite
from benchmarks.report import INFO, Result, measured
from benchmarks.scale import Scale
from flows.dispatch import run_pathway_event
from flows.inline_runs import inline_run_settings
from infrastructure import clock
from infrastructure.db import session_scope
from models import CaseEvent, Notification
from pathways.refusal import Refusal

log = logging.getLogger(__name__)

HO = "lha-housing-officer"
AUTHORITY = "dartford"
PAYLOAD = {"young_person": {"full_name": "Bench Person", "date_of_birth": "2009-05-01"}}
VISIT = {"visited_family": True, "visited_young_person": True}

RESULT_NAMES: tuple[tuple[str, str, str], ...] = (
    ("event_latency_median_ratio", "x", "<= 1.5"),
    ("event_latency_p95_seconds", "s", "<= 3"),
    ("event_latency_median_ratio_same_settings", "x", INFO),
    ("event_latency_p95_ratio", "x", INFO),
    ("event_commit_median_ms", "ms", INFO),
    ("event_refusal_median_ms", "ms", INFO),
)


class LatencyCheckError(RuntimeError):
    """An event did not do what the benchmark times (not applied, or no outbox row)."""


@flow(name="bench-empty", persist_result=False, log_prints=False)
def empty_flow() -> None:
    """The yardstick: a flow run that does nothing."""


@dataclass(frozen=True)
class Latencies:
    empty: list[float]
    empty_inline: list[float]
    events: list[float]
    commits: list[float]
    refusals: list[float]


class CommitClock:
    """When the last ORM transaction in this process committed.

    The flow runs in this process, so the last commit before ``record_step`` returns is the
    transition's: the moment other readers see it. What follows is the flow run winding down.
    """

    def __init__(self) -> None:
        self.last = 0.0

    def _committed(self, _session: OrmSession) -> None:
        self.last = time.perf_counter()

    def __enter__(self) -> CommitClock:
        event.listen(OrmSession, "after_commit", self._committed)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(OrmSession, "after_commit", self._committed)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def sign_in_officer(engine: Engine) -> Acting:
    """The housing officer every benchmark event is recorded by, signed in once."""
    with session_scope(engine) as session:
        add_staff(
            session,
            username="ho1",
            display_name="Benchmark Housing Officer",
            email="ho1@bench.example",
            roles=[HO],
            team="lha",
            authority_id=AUTHORITY,
            actor="bench",
            actor_role="system",
            basis="benchmark set-up",
        )
    officer = act_as("ho1", HO, attempted="benchmark")
    if isinstance(officer, Refusal):
        raise LatencyCheckError(f"signing in the benchmark officer: {officer.reason}")
    return officer


def open_in_support(engine: Engine, officer: Acting, count: int) -> list[str]:
    """Cases that have had their visit, so a weekly review may be recorded on them.

    Prepared through the same service calls the flow makes, without flow runs: at a second or
    more per run, preparing through Prefect would double the benchmark's time.
    """
    references = []
    for _ in range(count):
        with session_scope(engine) as session:
            opened = open_case(
                session,
                pathway=pathway.NAME,
                authority_id=AUTHORITY,
                payload=PAYLOAD,
                acting=officer,
                now=clock.now(engine),
                idempotency_key=uuid.uuid4().hex,
            )
        if isinstance(opened, Refusal):
            raise LatencyCheckError(f"preparing a case: {opened.reason}")
        _apply(engine, opened)
        with session_scope(engine) as session:
            visit = submit_event(
                session,
                case_reference=opened.case_reference,
                transition="record_visit",
                payload=VISIT,
                acting=officer,
                now=clock.now(engine),
                idempotency_key=uuid.uuid4().hex,
            )
        if isinstance(visit, Refusal):
            raise LatencyCheckError(f"preparing {opened.case_reference}: {visit.reason}")
        _apply(engine, visit)
        references.append(opened.case_reference)
    return references


def _apply(engine: Engine, submitted: Submitted) -> None:
    with session_scope(engine) as session:
        applied = apply_event(session, submitted.case_reference, submitted.event_id)
    if applied.status != "applied":
        raise LatencyCheckError(f"preparing {submitted.case_reference}: {applied.reason}")


def _review(officer: Acting, reference: str, number: int) -> int:
    applied = record_step(
        acting=officer,
        case_reference=reference,
        transition="record_review",
        payload={"progress": f"review {number}"},
        runner=run_pathway_event,
        idempotency_key=uuid.uuid4().hex,
    )
    if isinstance(applied, Refusal) or applied.status != "applied":
        raise LatencyCheckError(f"review {number} on {reference}: refused or not applied")
    return applied.event_id


def _refuse(officer: Acting, reference: str) -> None:
    # A visit on a case already in support breaks the pure rules: refused before any flow.
    refused = record_step(
        acting=officer,
        case_reference=reference,
        transition="record_visit",
        payload=VISIT,
        runner=run_pathway_event,
    )
    if not isinstance(refused, Refusal):
        raise LatencyCheckError("an invalid event was accepted")


def _check_outbox(engine: Engine, event_ids: list[int]) -> None:
    with Session(engine) as session:
        keys = session.exec(
            select(Notification.idempotency_key).where(
                col(Notification.event_type) == pathway.REVIEW_NOTICE.template
            )
        ).all()
    notified = {int(key.split(":")[1]) for key in keys}
    missing = [event_id for event_id in event_ids if event_id not in notified]
    if missing:
        raise LatencyCheckError(f"{len(missing)} events committed without an outbox row")


def _event_count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(CaseEvent)).one())


def measure(engine: Engine, scale: Scale) -> Latencies:
    officer = sign_in_officer(engine)
    references = open_in_support(engine, officer, scale.event_cases)
    # The first run of each flow registers it with the server: not what is being timed.
    empty_flow()
    _review(officer, references[0], 0)
    empty: list[float] = []
    empty_inline: list[float] = []
    events: list[float] = []
    commits: list[float] = []
    event_ids: list[int] = []
    every = max(1, scale.events // scale.empty_runs)
    with CommitClock() as committed:
        for number in range(scale.events):
            if number % every == 0:
                empty.append(_timed(empty_flow))
                with inline_run_settings():
                    empty_inline.append(_timed(empty_flow))
            started = time.perf_counter()
            event_ids.append(_review(officer, references[number % len(references)], number + 1))
            events.append(time.perf_counter() - started)
            commits.append(committed.last - started)
    _check_outbox(engine, event_ids)
    before = _event_count(engine)
    refusals = [_timed(lambda: _refuse(officer, references[0])) for _ in range(scale.refusals)]
    if _event_count(engine) != before:
        raise LatencyCheckError("a refused event was written")
    return Latencies(empty, empty_inline, events, commits, refusals)


def summarise(latencies: Latencies) -> list[Result]:
    empty_median = statistics.median(latencies.empty)
    event_median = statistics.median(latencies.events)
    empty_p95 = p95(latencies.empty)
    event_p95 = p95(latencies.events)
    count = len(latencies.events)
    return [
        measured(
            "event_latency_median_ratio",
            event_median / empty_median,
            "x",
            "<= 1.5",
            f"median of {count} events {event_median * 1000:.0f} ms vs "
            f"{len(latencies.empty)} empty flow runs {empty_median * 1000:.0f} ms",
        ),
        measured(
            "event_latency_p95_seconds",
            event_p95,
            "s",
            "<= 3",
            f"p95 of {count} events (empty flow run p95 {empty_p95 * 1000:.0f} ms)",
        ),
        measured(
            "event_latency_median_ratio_same_settings",
            event_median / statistics.median(latencies.empty_inline),
            "x",
            INFO,
            f"vs {len(latencies.empty_inline)} empty flow runs without the heartbeat thread, "
            f"{statistics.median(latencies.empty_inline) * 1000:.0f} ms",
        ),
        measured(
            "event_latency_p95_ratio",
            event_p95 / empty_p95,
            "x",
            INFO,
            "p95 event / p95 empty flow run",
        ),
        measured(
            "event_commit_median_ms",
            statistics.median(latencies.commits) * 1000,
            "ms",
            INFO,
            "call to the transition's commit (visible to others); the rest is the flow run "
            "winding down",
        ),
        measured(
            "event_refusal_median_ms",
            statistics.median(latencies.refusals) * 1000,
            "ms",
            INFO,
            f"median of {len(latencies.refusals)} invalid events, refused before any flow ran",
        ),
    ]


def run(scale: Scale) -> list[Result]:
    from prefect.testing.utilities import prefect_test_harness

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        log.info("Prefect server up in %.1f s", time.perf_counter() - started)
        with fresh_sqlite("events") as url, application_on(url) as engine:
            with session_scope(engine) as session:
                import_directory(session)
            latencies = measure(engine, scale)
    return summarise(latencies)
