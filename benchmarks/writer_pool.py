"""The writer processes of the concurrent-writers benchmark, and what each reports.

Each writer is its own process: two cores here, and Python threads would share one
interpreter lock, so the figure would measure that lock. A writer signs in as the benchmark's
housing officer, records one untimed step (its first compiles this process's statements), says
it is ready, and then records its share of each round when the parent opens the round's gate.
It stays alive between rounds, so a round times steps, not process start-up.

A step is ``record_step``, the use case the CLI and the dashboard call, with
``tests.support.cases.apply_now`` as its runner: the same ``apply_event`` transaction the
pathway flow's task runs, without the flow (benchmarks/concurrent_writers.py says why).
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier
from queue import Empty
from typing import Any, TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session as OrmSession

from application.case_commands import act_as, record_step
from application.principals import Acting
from benchmarks.cpu_use import backends_cpu, busy_share, cpu_spent, machine_ticks
from benchmarks.event_latency import HO
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine
from pathways.refusal import Refusal
from tests.support.cases import apply_now

GATE_TIMEOUT_SECONDS = 900
OFFICER = "ho1"


class WritersCheckError(RuntimeError):
    """A writer failed, or a step it recorded was not applied and audited."""


@dataclass(frozen=True)
class Step:
    started: float
    ended: float
    event_id: int
    head_wait: float
    """Seconds spent waiting for the audit head's row lock."""
    head_hold: float
    """Seconds from holding that lock to the commit that released it."""

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass(frozen=True)
class Ready:
    """A writer has warmed up and waits at the first round's gate."""

    index: int
    warmup_event_id: int


@dataclass(frozen=True)
class RoundReport:
    index: int
    steps: list[Step]
    cpu_seconds: float


@dataclass(frozen=True)
class WriterFailure:
    index: int
    reason: str


Message = TypeVar("Message", Ready, RoundReport)


@dataclass(frozen=True)
class Round:
    """One round of one level: every writer's steps and the CPU they cost."""

    steps: list[Step]
    writer_cpu: float
    backend_cpu: float | None
    machine_busy: float

    @property
    def window(self) -> float:
        return max(s.ended for s in self.steps) - min(s.started for s in self.steps)


class HeadLockProbe:
    """How long this process waits for, and then holds, the audit head's row lock.

    The lock is taken by ``infrastructure.audit.lock_head``'s ``SELECT … FOR UPDATE`` and
    released when the transaction ends; both moments are read from SQLAlchemy's events.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.wait = 0.0
        self.hold = 0.0
        self._asked = 0.0
        self._held_since: float | None = None

    @staticmethod
    def _locks_head(statement: str) -> bool:
        return "FROM audithead" in statement and "FOR UPDATE" in statement

    def _before(self, *args: Any) -> None:
        if self._locks_head(args[2]):
            self._asked = time.perf_counter()

    def _after(self, *args: Any) -> None:
        if self._locks_head(args[2]):
            self._held_since = time.perf_counter()
            self.wait += self._held_since - self._asked

    def _ended(self, _session: OrmSession) -> None:
        if self._held_since is not None:
            self.hold += time.perf_counter() - self._held_since
            self._held_since = None

    def __enter__(self) -> HeadLockProbe:
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        event.listen(OrmSession, "after_commit", self._ended)
        event.listen(OrmSession, "after_rollback", self._ended)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        event.remove(OrmSession, "after_commit", self._ended)
        event.remove(OrmSession, "after_rollback", self._ended)


def review(officer: Acting, reference: str, number: int) -> int:
    """One step: a weekly review recorded and applied; its event id."""
    applied = record_step(
        acting=officer,
        case_reference=reference,
        transition="record_review",
        payload={"progress": f"review {number}"},
        runner=apply_now,
        idempotency_key=uuid.uuid4().hex,
    )
    if isinstance(applied, Refusal) or applied.status != "applied":
        raise WritersCheckError(f"review {number} on {reference}: refused or not applied")
    return applied.event_id


def _timed_steps(
    officer: Acting, references: Sequence[str], numbers: range, probe: HeadLockProbe
) -> list[Step]:
    steps = []
    for number in numbers:
        wait, hold = probe.wait, probe.hold
        started = time.perf_counter()
        event_id = review(officer, references[number % len(references)], number + 1)
        ended = time.perf_counter()
        steps.append(Step(started, ended, event_id, probe.wait - wait, probe.hold - hold))
    return steps


@dataclass(frozen=True)
class Assignment:
    """What one writer does: its cases, and how many steps in each of how many rounds."""

    url: str
    index: int
    references: tuple[str, ...]
    per_round: int
    rounds: int


def write_steps(job: Assignment, gates: tuple[Barrier, Barrier], reports: Any) -> None:
    """One writer process (the target the parent starts)."""
    start, done = gates
    os.environ["PATHWAYS_DATABASE_URL"] = job.url
    reset_caches()
    try:
        officer = act_as(OFFICER, HO, attempted="benchmark")
        if isinstance(officer, Refusal):
            raise WritersCheckError(f"signing in writer {job.index}: {officer.reason}")
        with HeadLockProbe(get_engine()) as probe:
            reports.put(Ready(job.index, review(officer, job.references[0], 0)))
            for number in range(job.rounds):
                start.wait(GATE_TIMEOUT_SECONDS)
                cpu = time.process_time()
                first = number * job.per_round
                steps = _timed_steps(
                    officer, job.references, range(first, first + job.per_round), probe
                )
                reports.put(RoundReport(job.index, steps, time.process_time() - cpu))
                # Held until the parent has read the server's CPU time for this round.
                done.wait(GATE_TIMEOUT_SECONDS)
    except BaseException as error:
        reports.put(WriterFailure(job.index, f"{type(error).__name__}: {error}"[:500]))


@dataclass
class Writers:
    """One level's writer processes, their two gates, and the queue they report on."""

    processes: list[BaseProcess]
    start: Barrier
    done: Barrier
    reports: Any
    warmup_event_ids: list[int]

    def gather(self, kind: type[Message]) -> list[Message]:
        """One ``kind`` message from every writer; a failure, or a writer that died without a
        word (it could not start), is raised at once rather than waited out."""
        found: list[Message] = []
        deadline = time.monotonic() + GATE_TIMEOUT_SECONDS
        while len(found) < len(self.processes):
            try:
                message = self.reports.get(timeout=1)
            except Empty:
                dead = [p.name or "" for p in self.processes if p.exitcode not in (None, 0)]
                if dead or time.monotonic() > deadline:
                    raise WritersCheckError(
                        f"{', '.join(dead)} exited" if dead else "writers timed out"
                    ) from None
                continue
            if isinstance(message, WriterFailure):
                raise WritersCheckError(f"writer {message.index}: {message.reason}")
            if isinstance(message, kind):
                found.append(message)
        return found

    def ready(self) -> None:
        self.warmup_event_ids = [ready.warmup_event_id for ready in self.gather(Ready)]

    def run_round(self, engine: Engine) -> Round:
        """Opens the gate, waits for every writer's round, and reads what it cost."""
        self.start.wait(GATE_TIMEOUT_SECONDS)
        ticks = machine_ticks()
        backends = backends_cpu(engine)
        found = self.gather(RoundReport)
        backends_spent = cpu_spent(backends, backends_cpu(engine))
        busy = busy_share(ticks, machine_ticks())
        self.done.wait(GATE_TIMEOUT_SECONDS)
        return Round(
            [step for report in found for step in report.steps],
            sum(report.cpu_seconds for report in found),
            backends_spent,
            busy,
        )


@contextmanager
def _level(context: Any, jobs: Sequence[Assignment]) -> Iterator[Writers]:
    start = context.Barrier(len(jobs) + 1)
    done = context.Barrier(len(jobs) + 1)
    reports = context.Queue()
    processes: list[BaseProcess] = [
        context.Process(
            target=write_steps, args=(job, (start, done), reports), name=f"writer {job.index}"
        )
        for job in jobs
    ]
    for process in processes:
        process.start()
    try:
        yield Writers(processes, start, done, reports, [])
    finally:
        start.abort()
        done.abort()
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
                process.join()


def _assignments(
    url: str, writers: int, references: Sequence[str], per_round: int, rounds: int
) -> list[Assignment]:
    """``writers`` writers dealt ``references`` in turn, sharing ``per_round`` steps a round."""
    share = per_round // writers
    return [
        Assignment(url, index, tuple(references[index::writers]), share, rounds)
        for index in range(writers)
    ]


@contextmanager
def writer_levels(
    url: str, cases: Mapping[int, Sequence[str]], per_round: int, rounds: int
) -> Iterator[dict[int, Writers]]:
    """For each writer count, that many writers sharing its cases, all warmed up and waiting.

    Every level is started at once, so rounds of different levels can alternate (a shared
    machine's load then falls on them alike); an idle level's writers block on its gate.
    """
    # forkserver: writers start from a clean process that imported this module once, neither
    # as forks of this one (its pool and Prefect threads) nor each as a fresh interpreter.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ExitStack() as stack:
        levels = {
            writers: stack.enter_context(
                _level(context, _assignments(url, writers, references, per_round, rounds))
            )
            for writers, references in cases.items()
        }
        for level in levels.values():
            level.ready()
        yield levels
