"""Records each finished run of the scheduled jobs, and reads the last one back.

A row per job, overwritten by an upsert: two sweepers finishing together (PostgreSQL, ``SKIP
LOCKED``) both succeed, and the table never grows. The audit chain is not used for this: a
sweep a minute would bury the case history under rows that change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import Engine, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from infrastructure import clock
from infrastructure.db import session_scope
from models import JobRun

Job = Literal["timer-sweep", "deliver-notifications"]
SWEEP: Final[Job] = "timer-sweep"
DELIVERY: Final[Job] = "deliver-notifications"
UPDATED: Final = ("finished_at", "as_of", "summary")


@dataclass(frozen=True)
class LastRun:
    job: str
    finished_at: datetime
    """Wall-clock time, so a stalled job shows even while the shared clock is frozen."""
    as_of: datetime
    summary: dict[str, int]


def record_finished(
    engine: Engine, job: Job, *, as_of: datetime, summary: Mapping[str, int]
) -> None:
    """Marks ``job`` finished now, in a transaction of its own."""
    table = JobRun.metadata.tables["jobrun"]
    values: dict[str, Any] = {
        "job": job,
        "finished_at": clock.system_now(),
        "as_of": as_of,
        "summary": dict(summary),
    }
    insert_into: Callable[[Table], Any] = (
        postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    )
    statement = insert_into(table).values(values)
    upsert = statement.on_conflict_do_update(
        index_elements=["job"], set_={name: statement.excluded[name] for name in UPDATED}
    )
    with session_scope(engine) as session:
        session.connection().execute(upsert)


def last_runs(session: Session) -> dict[str, LastRun]:
    """Each job's last finished run, by job name (a job that never ran is absent)."""
    return {
        row.job: LastRun(row.job, row.finished_at, row.as_of, dict(row.summary))
        for row in session.exec(select(JobRun))
    }
