"""The timer sweep: claim due timers, fire each once, queue its alerts, all in one transaction;
then run the events the firings created. Each firing's audit event covers the timer as fired,
the messages it queued and the timer's next occurrence (``application.audit_coverage``).

A batch is set-based: one ``UPDATE ... RETURNING`` claims it through the (status, next_fire_at)
index (``application.sweep_claim``), so the cost follows the number of due timers, not all open
ones; the alerts and audit events are built in memory and written in bulk
(``application.sweep_firings``). On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets two sweepers run
side by side without firing a timer twice.

``sweep`` is the one loop: the ``timer-sweep`` flow and the tests both call it. Running an
event means running a Prefect flow, which this layer may not import, so the caller passes the
dispatcher in (``flows.dispatch.run_pathway_event``).
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import Engine

from application.cases import FollowUp
from application.job_runs import SWEEP, record_finished
from application.recovery import running_alone, stale_pending_events
from application.sweep_claim import claim_due
from application.sweep_firings import Batch
from infrastructure.audit_anchors import anchor_head
from infrastructure.db import session_scope
from pathways.audit_anchors import Anchor

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    fired: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    notifications: int = 0
    batches: int = 0
    """Batches that claimed at least one timer."""
    follow_ups: list[FollowUp] = field(default_factory=list)
    """Events the firings created (e.g. an on-breach transition), in firing order."""
    events_run: int = 0
    """Follow-ups plus events a crash left pending, run after the last batch (by this sweeper:
    one that another sweeper was running, or had run, is left to it)."""
    anchor: Anchor | None = None
    """The audit chain's head as this sweep recorded it outside the database."""

    def add(self, other: SweepResult) -> None:
        self.fired += other.fired
        self.notifications += other.notifications
        self.batches += other.batches
        self.follow_ups.extend(other.follow_ups)
        self.events_run += other.events_run
        for kind, count in other.by_kind.items():
            self.by_kind[kind] = self.by_kind.get(kind, 0) + count


def fire_due_timers(engine: Engine, now: datetime, limit: int = 5000) -> SweepResult:
    """One batch: at most ``limit`` due timers, committed together."""
    with collector_paused(), session_scope(engine) as session:
        rows = claim_due(session, now, limit)
        if not rows:
            return SweepResult()
        batch = Batch(session, now, rows)
        for row in rows:
            batch.add(row)
        follow_ups = batch.write()
    return SweepResult(
        fired=len(batch.fired),
        by_kind=batch.by_kind,
        notifications=len(batch.outbox),
        batches=1,
        follow_ups=follow_ups,
    )


@contextmanager
def collector_paused() -> Iterator[None]:
    """A batch builds some hundred thousand dicts and rows and holds them until it commits;
    none of them is cyclic, and the cyclic collector would walk them all again and again."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


RunEvent = Callable[[str, str, int], object]
"""Runs one pending event, given (pathway, case reference, event id)."""
FireBatch = Callable[[datetime, int], SweepResult]
"""Fires one batch: (now, limit) -> what it did."""
FindStale = Callable[[], list[FollowUp]]


def sweep(
    engine: Engine,
    now: datetime,
    run_event: RunEvent,
    *,
    batch_size: int = 5000,
    max_batches: int | None = None,
    fire_batch: FireBatch | None = None,
    find_stale: FindStale | None = None,
) -> SweepResult:
    """Fire every timer due at ``now``, batch by batch, then run the events that created.

    Batches go on until one claims nothing (or ``max_batches``): a late sweep walks a breached
    timer up its chain one level per batch. Then each follow-up, and each event a crash left
    pending, is run once through ``run_event``. ``fire_batch`` and ``find_stale`` default to
    this engine's; the flow passes its tasks instead, so each batch shows as a task run.
    """
    fire_one = fire_batch or partial(fire_due_timers, engine)
    stale = find_stale or partial(stale_pending_events, engine)
    total = SweepResult()
    done = 0
    while max_batches is None or done < max_batches:
        batch = fire_one(now, batch_size)
        done += 1
        total.add(batch)
        if batch.batches == 0:
            break
    # A follow-up is pending until it runs, so it may also be found stale: run it once.
    pending = list(dict.fromkeys([*total.follow_ups, *stale()]))
    for pathway, case_reference, event_id in pending:
        # Another sweeper may have found the same stale event: one flow run for it, not two.
        with running_alone(engine, event_id) as ours:
            if ours:
                run_event(pathway, case_reference, event_id)
                total.events_run += 1
    record_finished(
        engine,
        SWEEP,
        as_of=now,
        summary={
            "fired": total.fired,
            "notifications": total.notifications,
            "events_run": total.events_run,
        },
    )
    try:
        total.anchor = anchor_head(engine)
    except OSError as unwritable:
        # The sweep's work is committed; a missing anchor only narrows what verify can prove.
        log.error("audit anchor not written: %s", type(unwritable).__name__)
    return total
