"""Crash recovery: a serving process killed at random points loses nothing and repeats nothing.

The serving process (``tests/support/crash_worker.py``) runs the real timer-sweep and delivery
flows in a loop against the session's Prefect server, this test's database and the SMTP sink.
The test moves the shared virtual clock through the cases' warning, breach and escalation
points and SIGKILLs the process at seeded random moments in its sweeps and deliveries, starting
a fresh one each time. In the end every timer has fired what the pure rules say, exactly once;
every outbox row is delivered, the sink holds every idempotency key, and the audit chain is
intact.

E-mail is delivered exactly once per idempotency key, not once per SMTP transaction: a kill
after the relay's 250 and before the 'sent' commit leaves a row that cannot know it was
sent, so after the lease it is sent again with the same X-Pathways-Key header, by which a
receiver drops the repeat. SMTP offers no way to close that window (the relay's acceptance
and our commit are two systems); the test therefore checks that every raw repeat is one of
those in-doubt sends, and nothing else.

``PATHWAYS_CRASH_SEED=<n>`` replays a run's kill plan.
"""

from __future__ import annotations

import os
import queue
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
from prefect.settings import get_current_settings
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.cases import Submitted, apply_event, open_case
from infrastructure import clock
from infrastructure.audit import verify_chain
from infrastructure.db import session_scope
from models import AuditEvent, Case, Notification, Timer
from notifications.delivery import LEASE
from notifications.recipients import RouteResolver
from pathways.engine.timers import TimerState, fire, next_escalation_at
from pathways.escalation import chain_levels
from simulation.smtp import SmtpSink
from tests.support.cases import acting_for

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server")]

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTHORITY = "dartford"
CASES = 40
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, GMT, clear of bank holidays
OPEN_EVERY = timedelta(minutes=30)
FIRST_STEP = T0 + CASES * OPEN_EVERY  # every case is open by then
STEP = timedelta(hours=6)  # no longer than warning-to-breach, so each fires at its own step
KILLS_PER_STEP = 3
MAX_KILL_DELAY = 1.2  # seconds after the aimed-at sweep or delivery starts
MARKER_TIMEOUT = 300  # only stops a hung process from hanging the suite
LANDED_IN = {
    "sweep": "sweep",
    "swept": "delivery",
    "deliver": "delivery",
    "delivered": "between runs",
    "idle": "between runs",
}

TimerKey = tuple[str, str]
"""(case reference, timer name)"""
FiringRecord = tuple[str, str, str, int, datetime]
"""(case reference, timer name, kind, escalation level, when)"""


class ServingProcess:
    """One ``crash_worker`` process, started on standby, and the markers it prints."""

    def __init__(self, env: dict[str, str], stderr: IO[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.crash_worker"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            bufsize=1,
        )
        self.markers: queue.Queue[str | None] = queue.Queue()
        self.last = ""
        self.log = getattr(stderr, "name", "its stderr")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.markers.put(line.strip())
        self.markers.put(None)

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def wait_for(self, wanted: str) -> None:
        while True:
            try:
                marker = self.markers.get(timeout=MARKER_TIMEOUT)
            except queue.Empty:
                raise AssertionError(
                    f"no '{wanted}' from the serving process; see {self.log}"
                ) from None
            if marker is None:
                code = self.process.wait()
                raise AssertionError(
                    f"serving process exited ({code}) before '{wanted}'; see {self.log}"
                )
            self.last = marker
            if marker == wanted:
                return

    def kill(self) -> str:
        """SIGKILL; returns the kind of the last marker printed before it died."""
        self.process.kill()
        self.process.wait()
        while (marker := self.markers.get(timeout=MARKER_TIMEOUT)) is not None:
            self.last = marker
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()
        return self.last.split(" ", 1)[0]


@dataclass(frozen=True)
class Kill:
    step: datetime
    aimed_at: str
    delay: float
    landed_in: str
    left_sending: int
    in_doubt: int
    """Rows left sending that the sink had already accepted: they will be sent again."""


def _set_clock(engine: Engine, moment: datetime) -> None:
    with session_scope(engine) as session:
        clock.set_virtual_time(session, moment, frozen=True)


def _open_cases(engine: Engine) -> None:
    # The pathway flow's only task runs apply_event; calling it directly keeps 40 openings out
    # of the Prefect server, since this test is about the sweep and delivery flows.
    for n in range(CASES):
        at = T0 + n * OPEN_EVERY
        with session_scope(engine) as session:
            submitted = open_case(
                session,
                pathway="example",
                authority_id=AUTHORITY,
                payload={"young_person": {"full_name": f"Crash Test {n}"}},
                acting=acting_for("ho1", "lha-housing-officer", "dartford"),
                now=at,
                idempotency_key=f"crash-open-{n}",
            )
            assert isinstance(submitted, Submitted), submitted
            assert apply_event(session, submitted.case_reference, submitted.event_id).status == (
                "applied"
            )


def _timers(engine: Engine) -> dict[TimerKey, Timer]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Case.reference, Timer).join(Timer, col(Timer.case_id) == col(Case.id))
        ).all()
        return {(reference, timer.name): timer for reference, timer in rows}


def _chain_length(engine: Engine) -> int:
    with session_scope(engine) as session:
        authority = RouteResolver(session).authority(AUTHORITY)
        return len(chain_levels(authority.escalation_chains, "lha"))


def _timeline(timers: dict[TimerKey, Timer], chain_length: int) -> list[datetime]:
    """Steps through every warning and breach, then one step per escalation level."""
    points = [timer.due_at for timer in timers.values()]
    steps = [FIRST_STEP]
    while steps[-1] < max(points):
        steps.append(steps[-1] + STEP)
    for _ in range(chain_length):
        points = [next_escalation_at(point) for point in points]
        steps.append(max(points) + timedelta(minutes=1))
    return steps


def _expected(
    timers: dict[TimerKey, Timer], chain_length: int, sweeps: list[datetime]
) -> tuple[list[FiringRecord], dict[TimerKey, tuple[str, int, datetime | None]]]:
    """What the pure rules fire when every sweep time in turn runs to completion."""
    firings: list[FiringRecord] = []
    final: dict[TimerKey, tuple[str, int, datetime | None]] = {}
    for (reference, name), timer in timers.items():
        status, level, next_fire = timer.status, timer.escalation_level, timer.next_fire_at
        for now in sweeps:
            while next_fire is not None:
                state = TimerState(
                    status, timer.warn_at, timer.due_at, next_fire, level, chain_length
                )
                firing = fire(state, now)
                if firing is None:
                    break
                firings.append((reference, name, firing.kind, firing.escalation_level, now))
                status, level, next_fire = (
                    firing.status,
                    firing.escalation_level,
                    firing.next_fire_at,
                )
        final[(reference, name)] = (status, level, next_fire)
    return firings, final


def _recorded_firings(engine: Engine) -> list[FiringRecord]:
    with session_scope(engine) as session:
        events = session.exec(
            select(AuditEvent).where(
                col(AuditEvent.action).in_(("timer.warning", "timer.breach", "timer.escalation"))
            )
        ).all()
        return [
            (
                event.case_reference or "",
                str((event.after or {})["timer"]),
                event.action.removeprefix("timer."),
                int((event.after or {})["level"]),
                event.occurred_at,
            )
            for event in events
        ]


def _sending(engine: Engine) -> dict[tuple[int, int], str]:
    """Idempotency key by (row id, attempt) of each outbox row claimed and not settled."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Notification.id, Notification.attempts, Notification.idempotency_key).where(
                Notification.status == "sending"
            )
        ).all()
        return {(row_id or 0, attempts): key for row_id, attempts, key in rows}


def _worker_env(tmp_path: Path) -> dict[str, str]:
    api_url = get_current_settings().api.url
    assert api_url, "the Prefect test server has no API URL"
    return {
        **os.environ,
        "PREFECT_API_URL": api_url,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }


class CrashRun:
    """Keeps one serving process running and one on standby; kills the running one on cue."""

    def __init__(
        self, engine: Engine, sink: SmtpSink, env: dict[str, str], stderr: IO[str], seed: int
    ) -> None:
        self.engine = engine
        self.sink = sink
        self.env = env
        self.stderr = stderr
        self.rng = random.Random(seed)
        self.active = self._start()
        self.standby = self._start()
        self.kills: list[Kill] = []
        self.sending = _sending(engine)
        self.active.go()

    def _start(self) -> ServingProcess:
        return ServingProcess(self.env, self.stderr)

    def kill_during(self, step: datetime) -> None:
        aimed_at = self.rng.choice(("sweep", "deliver"))
        delay = round(self.rng.uniform(0.0, MAX_KILL_DELAY), 3)
        self.active.wait_for(f"{aimed_at} {step.isoformat()}")
        time.sleep(delay)
        landed_in = LANDED_IN[self.active.kill()]
        sending = _sending(self.engine)
        left = {row: key for row, key in sending.items() if row not in self.sending}
        accepted = {mail.key for mail in self.sink.received}
        in_doubt = sum(key in accepted for key in left.values())
        self.kills.append(Kill(step, aimed_at, delay, landed_in, len(left), in_doubt))
        self.sending = sending
        print(
            f"kill {len(self.kills)}: {aimed_at} +{delay}s at {step:%d %b %H:%M} -> "
            f"{landed_in}, {len(left)} row(s) left sending, {in_doubt} of them already accepted"
        )
        self.active, self.standby = self.standby, self._start()
        self.active.go()

    def stop(self) -> None:
        for process in (self.active, self.standby):
            process.kill()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_killed_serving_process_fires_and_delivers_exactly_once(
    app_engine: Engine, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    seed = int(os.environ.get("PATHWAYS_CRASH_SEED") or random.SystemRandom().randrange(10**6))
    print(f"crash test seed {seed} (PATHWAYS_CRASH_SEED={seed} replays this kill plan)")
    _open_cases(app_engine)
    timers = _timers(app_engine)
    chain_length = _chain_length(app_engine)
    steps = _timeline(timers, chain_length)
    final = steps[-1] + LEASE + timedelta(minutes=1)  # past the lease of the last step's kills

    _set_clock(app_engine, steps[0])
    with (tmp_path / "serving.log").open("w") as stderr:
        run = CrashRun(app_engine, smtp_sink, _worker_env(tmp_path), stderr, seed)
        try:
            for step in steps:
                _set_clock(app_engine, step)
                for _ in range(KILLS_PER_STEP):
                    run.kill_during(step)
                # The next step must not start before one sweep has run to the end at this one.
                run.active.wait_for(f"swept {step.isoformat()}")
            _set_clock(app_engine, final)
            run.active.wait_for(f"idle {final.isoformat()}")
        finally:
            run.stop()

    landed = Counter(kill.landed_in for kill in run.kills)
    mid_send = [kill for kill in run.kills if kill.left_sending]
    received = Counter(mail.key for mail in smtp_sink.received)
    duplicates = {key: count for key, count in received.items() if count > 1}
    print(
        f"seed {seed}: {len(run.kills)} kills: {landed['sweep']} in sweeps, "
        f"{landed['delivery']} in deliveries ({len(mid_send)} with a batch mid-send, "
        f"{sum(k.left_sending for k in mid_send)} rows left sending), "
        f"{landed['between runs']} between runs; "
        f"{sum(k.in_doubt for k in run.kills)} kill(s) between SMTP acceptance and the commit; "
        f"{len(smtp_sink.received)} e-mails for {len(received)} keys, "
        f"{len(duplicates)} key(s) received more than once"
    )

    assert len(run.kills) >= 20
    expected, final_states = _expected(timers, chain_length, [*steps, final])
    recorded = _recorded_firings(app_engine)
    repeated = {f: n for f, n in Counter(f[:4] for f in recorded).items() if n > 1}
    assert not repeated, f"seed {seed}: timers fired more than once: {repeated}"
    assert Counter(recorded) == Counter(expected), f"seed {seed}"
    assert {
        key: (t.status, t.escalation_level, t.next_fire_at)
        for key, t in _timers(app_engine).items()
    } == final_states

    with session_scope(app_engine) as session:
        outbox = session.exec(select(Notification)).all()
        assert Counter(row.status for row in outbox) == {"sent": len(outbox)}, f"seed {seed}"
        assert verify_chain(session).ok
    assert set(received) == {row.idempotency_key for row in outbox}
    repeats = len(smtp_sink.received) - len(received)
    assert repeats == sum(k.in_doubt for k in run.kills), (
        f"seed {seed}: {repeats} repeated e-mail(s), not all from a kill between SMTP acceptance "
        f"and the 'sent' commit: {duplicates}"
    )
    assert all(count == 2 for count in duplicates.values()), f"seed {seed}: {duplicates}"
