"""Concurrent writers: steps per second on PostgreSQL with 1, 4 and 16 writers at once.

Each writer (benchmarks/writer_pool.py) is a process signed in as a housing officer, recording
weekly reviews on cases no other writer touches. A step is what ``record_step`` does for the
CLI and the dashboard: the event checked and written (one transaction), then applied, the
transition with its timer, its outbox rows and its audit event (a second transaction), both
committed when the call returns.

The edges pass ``flows.dispatch.run_pathway_event`` as the runner, which applies the event in
a Prefect flow run; here the runner applies it in the same ``apply_event`` transaction the
flow's task runs, without the flow. A flow run costs a second of Prefect's own
(benchmarks/event_latency.py), and sixteen at once would measure the Prefect server on two
cores, not the application's writes. So the audit row the flow's final-state hook writes (the
run's facts) is not in these figures.

Each level has fresh cases of its own, and every case takes the same number of steps whatever
the level, so all levels decide against histories of the same length. The steps are recorded
in rounds, the levels taking turns (forwards, then backwards), so the load other processes put
on a shared machine falls on every level alike. Afterwards every event must be applied and
audited, and the hash chain must verify.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from application.directory import import_directory
from benchmarks import pathway
from benchmarks.databases import application_on, fresh_postgres
from benchmarks.event_latency import open_in_support, sign_in_officer
from benchmarks.report import INFO, Result, measured, not_run
from benchmarks.scale import Scale
from benchmarks.writer_pool import Round, Step, writer_levels
from infrastructure.audit import ChainReport, verify_chain
from infrastructure.db import session_scope
from models import AuditEvent, CaseEvent

log = logging.getLogger(__name__)

WRITER_COUNTS = (1, 4, 16)
RATIO_TARGET = ">= 2.5"
REVIEW_ACTION = f"{pathway.NAME}.record_review"
CEILING = "writers_cpu_ceiling_ratio"


def _level_names(writers: int) -> list[tuple[str, str, str]]:
    return [
        (f"writers_{writers}_events_per_second", "ev/s", INFO),
        (f"writers_{writers}_p50_ms", "ms", INFO),
        (f"writers_{writers}_p95_ms", "ms", INFO),
    ]


RESULT_NAMES: tuple[tuple[str, str, str], ...] = (
    *(name for writers in WRITER_COUNTS for name in _level_names(writers)),
    ("writers_16_vs_1_throughput_ratio", "x", RATIO_TARGET),
    ("writers_events_lost", "events", "<= 0"),
    ("writers_audit_chain_intact", "events", "intact"),
    ("writers_16_audit_head_wait_share", "%", INFO),
    ("writers_16_audit_head_hold_p50_ms", "ms", INFO),
    (CEILING, "x", INFO),
)


@dataclass(frozen=True)
class Level:
    """Every round of one writer count, taken together."""

    writers: int
    rounds: list[Round]

    @property
    def steps(self) -> list[Step]:
        return [step for one in self.rounds for step in one.steps]

    @property
    def seconds(self) -> float:
        return sum(one.window for one in self.rounds)

    @property
    def throughput(self) -> float:
        return len(self.steps) / self.seconds

    def quantile_ms(self, cut: int) -> float:
        """``cut`` of 100 (50 is the median) of the step latencies, in ms."""
        cuts = statistics.quantiles([s.seconds for s in self.steps], n=100, method="inclusive")
        return cuts[cut - 1] * 1000

    @property
    def machine_busy(self) -> float:
        return sum(one.machine_busy * one.window for one in self.rounds) / self.seconds

    @property
    def writer_cpu_per_step(self) -> float:
        return sum(one.writer_cpu for one in self.rounds) / len(self.steps)

    @property
    def server_cpu_per_step(self) -> float | None:
        """None when the server's CPU time is unknown (it runs elsewhere)."""
        server = [one.backend_cpu for one in self.rounds]
        if any(seconds is None for seconds in server):
            return None
        return sum(s or 0.0 for s in server) / len(self.steps)

    @property
    def cpu_per_step(self) -> float | None:
        """Writer and server CPU seconds per step."""
        server = self.server_cpu_per_step
        return None if server is None else self.writer_cpu_per_step + server

    def cpu_words(self) -> str:
        server = self.server_cpu_per_step
        words = f"CPU a step: writer {self.writer_cpu_per_step * 1000:.0f} ms"
        return words if server is None else f"{words} + server {server * 1000:.0f} ms"


def check_applied(engine: Engine, event_ids: Sequence[int]) -> int:
    """How many steps were lost: not applied, not audited, or recorded twice."""
    wanted = set(event_ids)
    with Session(engine) as session:
        applied = session.exec(
            select(func.count())
            .select_from(CaseEvent)
            .where(col(CaseEvent.id).in_(wanted), CaseEvent.status == "applied")
        ).one()
        audited = [
            int(after["event_id"])
            for after in session.exec(
                select(AuditEvent.after).where(AuditEvent.action == REVIEW_ACTION)
            )
            if after and after.get("event_id") in wanted
        ]
    twice = len(audited) - len(set(audited)) + len(event_ids) - len(wanted)
    return len(wanted) - min(int(applied), len(set(audited))) + twice


def _prepare(engine: Engine, scale: Scale, counts: Sequence[int]) -> dict[int, list[str]]:
    """Fresh cases in support for each level, as many at every level."""
    officer = sign_in_officer(engine)
    per_level = scale.writer_events // scale.writer_events_per_case
    per_round = scale.writer_events // scale.writer_rounds
    for writers in counts:
        if per_level % writers or per_round % writers:
            raise ValueError(f"the scale's writer steps do not split between {writers} writers")
    started = time.perf_counter()
    cases = {writers: open_in_support(engine, officer, per_level) for writers in counts}
    log.info(
        "writers: %d cases in support in %.1f s",
        per_level * len(counts),
        time.perf_counter() - started,
    )
    return cases


def measure(
    engine: Engine, url: str, scale: Scale, counts: Sequence[int] = WRITER_COUNTS
) -> tuple[list[Level], int, ChainReport]:
    """Each of ``counts`` writers at once: every level's rounds, the steps lost, and the audit
    chain's verification afterwards."""
    cases = _prepare(engine, scale, counts)
    rounds: dict[int, list[Round]] = {writers: [] for writers in counts}
    per_round = scale.writer_events // scale.writer_rounds
    with writer_levels(url, cases, per_round, scale.writer_rounds) as levels:
        for number in range(scale.writer_rounds):
            order = counts if number % 2 == 0 else counts[::-1]
            for writers in order:
                done = levels[writers].run_round(engine)
                rounds[writers].append(done)
                log.info(
                    "writers: round %d, %d at once: %.1f steps/s, machine %.0f%% busy",
                    number + 1,
                    writers,
                    len(done.steps) / done.window,
                    done.machine_busy * 100,
                )
        warmups = [i for level in levels.values() for i in level.warmup_event_ids]
    measured_levels = [Level(writers, rounds[writers]) for writers in counts]
    steps = [step.event_id for level in measured_levels for step in level.steps]
    lost = check_applied(engine, steps + warmups)
    with Session(engine) as session:
        return measured_levels, lost, verify_chain(session)


def _ceiling(one: Level, cores: int) -> Result:
    cpu = one.cpu_per_step
    if cpu is None:
        return not_run(CEILING, "x", INFO, "the server is not on this machine")
    single = statistics.mean(s.seconds for s in one.steps)
    return measured(
        CEILING,
        cores * single / cpu,
        "x",
        INFO,
        f"{cores} cores / the cores one writer keeps busy (its CPU, writer and server, "
        f"{cpu * 1000:.0f} ms a {single * 1000:.0f} ms step): the best ratio any number could "
        "reach with the cores to themselves and steps no dearer than one writer's",
    )


def summarise(levels: Sequence[Level], lost: int, chain: ChainReport, cores: int) -> list[Result]:
    rows: list[Result] = []
    for level in levels:
        rows += [
            measured(
                f"writers_{level.writers}_events_per_second",
                level.throughput,
                "ev/s",
                INFO,
                f"{len(level.steps)} steps in {len(level.rounds)} rounds, "
                f"{level.seconds:.1f} s; {level.cpu_words()}; machine CPU "
                f"{level.machine_busy:.0%} busy",
            ),
            measured(f"writers_{level.writers}_p50_ms", level.quantile_ms(50), "ms", INFO),
            measured(f"writers_{level.writers}_p95_ms", level.quantile_ms(95), "ms", INFO),
        ]
    one, most = levels[0], levels[-1]
    total = sum(len(level.steps) for level in levels)
    waited = sum(s.head_wait for s in most.steps) / sum(s.seconds for s in most.steps)
    return [
        *rows,
        measured(
            f"writers_{most.writers}_vs_{one.writers}_throughput_ratio",
            most.throughput / one.throughput,
            "x",
            RATIO_TARGET,
            f"{most.throughput:.1f} vs {one.throughput:.1f} steps/s",
        ),
        measured(
            "writers_events_lost",
            lost,
            "events",
            "<= 0",
            f"of {total} steps (and each writer's warm-up): applied and audited once each",
        ),
        Result(
            "writers_audit_chain_intact",
            chain.checked,
            "events",
            "intact",
            chain.ok,
            f"verify_chain after the run: {chain.checked} events"
            + ("" if chain.ok else f"; broken at event {chain.first_bad_id}: {chain.problem}"),
        ),
        measured(
            f"writers_{most.writers}_audit_head_wait_share",
            waited * 100,
            "%",
            INFO,
            "of step time spent waiting for the audit head's row lock",
        ),
        measured(
            f"writers_{most.writers}_audit_head_hold_p50_ms",
            statistics.median(s.head_hold for s in most.steps) * 1000,
            "ms",
            INFO,
            "from taking the head's lock to the commit that releases it",
        ),
        _ceiling(one, cores),
    ]


def run(scale: Scale) -> list[Result]:
    with fresh_postgres("writers") as url, application_on(url) as engine:
        with session_scope(engine) as session:
            import_directory(session)
        levels, lost, chain = measure(engine, url, scale)
    return summarise(levels, lost, chain, os.cpu_count() or 1)
