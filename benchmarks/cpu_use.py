"""CPU time as Linux's /proc counts it: the whole machine's, and PostgreSQL's backends'.

A benchmark on a shared two-core machine needs both to say what limited it: how busy the
machine was (whoever kept it busy), and how much CPU a step cost in the server as well as in
the Python process that asked for it.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, every core summed."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of the machine's CPU time that was busy between two ``machine_ticks``."""
    return (after[0] - before[0]) / max(1, after[1] - before[1])


def process_cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of one process; 0 for one that has gone."""
    try:
        # The name field may hold spaces or parentheses; the counters follow its last ')'.
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def backends_cpu(engine: Engine) -> dict[int, float] | None:
    """CPU seconds so far of each other server process on this engine's database, by process
    id; None for a server on another machine, whose process ids mean nothing here."""
    host = engine.url.host or ""
    if host not in LOCAL_HOSTS and not host.startswith("/"):  # a socket directory is local
        return None
    with engine.connect() as connection:
        pids = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalars()
        return {int(pid): process_cpu_seconds(int(pid)) for pid in pids}


def cpu_spent(before: dict[int, float] | None, after: dict[int, float] | None) -> float | None:
    """CPU seconds the backends spent between two ``backends_cpu`` readings: a backend that
    started meanwhile counts from zero, one that ended meanwhile is not counted."""
    if before is None or after is None:
        return None
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
