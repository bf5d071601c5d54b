"""The crash test's serving process: ``python -m tests.support.crash_worker``.

It runs the flows the served ``timer-sweep`` and ``deliver-notifications`` deployments run, one
after the other, until it is killed. Prefect, the application database and the SMTP relay come
from the environment (``PREFECT_API_URL``, ``PATHWAYS_DATABASE_URL``, ``PATHWAYS_SMTP_URL``).
It never moves the clock; the test does. It waits for a line on stdin before it starts, so the
test can start the next process (imports take seconds) while this one runs.

Each line it prints is a progress marker, flushed at once, so the test can tell whether a kill
landed in a sweep or a delivery, and when a complete sweep has run at a given virtual time:

    sweep <now>       a sweep starts; the clock read <now>
    swept <now>       that sweep finished
    deliver <now>     a delivery run starts
    delivered <now>   that delivery run finished
    idle <now>        the last sweep fired nothing and the delivery sent nothing
"""

from __future__ import annotations

import sys

import tests.support.example_pathway  # noqa: F401  (registers the example definition)
from flows.deliver_notifications import deliver_notifications
from flows.timer_sweep import timer_sweep
from infrastructure import clock
from infrastructure.db import get_engine


def _mark(kind: str, now: str) -> None:
    print(f"{kind} {now}", flush=True)


def main() -> None:
    sys.stdin.readline()
    engine = get_engine()
    while True:
        now = clock.now(engine).isoformat()
        _mark("sweep", now)
        fired = timer_sweep()["fired"]
        _mark("swept", now)
        _mark("deliver", now)
        sent = deliver_notifications()
        _mark("delivered", now)
        if not fired and not any(sent.values()):
            _mark("idle", now)


if __name__ == "__main__":
    main()
