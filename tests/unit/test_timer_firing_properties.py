"""Timer firing under any sweep schedule: each point fires once, in order, never twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pathways.engine.timers import Firing, TimerState, fire, schedule_timer

START = datetime(2026, 12, 21, 9, 0, tzinfo=UTC)
STEP = timedelta(days=7)


def fixed_step(after: datetime) -> datetime:
    return after + STEP


def _apply(timer: TimerState, firing: Firing) -> TimerState:
    return TimerState(
        firing.status,
        timer.warn_at,
        timer.due_at,
        firing.next_fire_at or datetime.max.replace(tzinfo=UTC),
        firing.escalation_level,
        timer.chain_length,
        timer.breach_level,
    )


def _run(timer: TimerState, sweeps: list[datetime]) -> list[tuple[str, int]]:
    fired: list[tuple[str, int]] = []
    for moment in sweeps:
        firing = fire(timer, moment, fixed_step)
        if firing is not None:
            fired.append((firing.kind, firing.escalation_level))
            timer = _apply(timer, firing)
    return fired


def _timer(due_hours: int, warn: bool, chain_length: int) -> TimerState:
    schedule = schedule_timer("joint-visit-1617", START, START, 0.75 if warn else None)
    due_at = START + timedelta(hours=due_hours) if due_hours != 24 else schedule.due_at
    warn_at = START + (due_at - START) * 0.75 if warn else None
    return TimerState("open", warn_at, due_at, warn_at or due_at, 0, chain_length)


sweep_offsets = st.lists(st.integers(min_value=0, max_value=60 * 24 * 60), min_size=1, max_size=40)


@given(
    due_hours=st.integers(min_value=1, max_value=24 * 30),
    warn=st.booleans(),
    chain_length=st.integers(min_value=0, max_value=4),
    offsets=sweep_offsets,
)
def test_each_point_fires_at_most_once_and_in_order(
    due_hours: int, warn: bool, chain_length: int, offsets: list[int]
) -> None:
    timer = _timer(due_hours, warn, chain_length)
    sweeps = [START + timedelta(minutes=m) for m in sorted(offsets)]
    fired = _run(timer, sweeps)
    assert len(fired) == len(set(fired))
    kinds = [kind for kind, _ in fired]
    assert kinds.count("warning") <= 1 and kinds.count("breach") <= 1
    if "warning" in kinds and "breach" in kinds:
        assert kinds.index("warning") < kinds.index("breach")
    levels = [level for kind, level in fired if kind == "escalation"]
    assert levels == list(range(1, len(levels) + 1))
    assert len(levels) <= chain_length
    if levels:
        assert "breach" in kinds


@given(
    due_hours=st.integers(min_value=1, max_value=24 * 30),
    chain_length=st.integers(min_value=0, max_value=4),
    offsets=sweep_offsets,
)
def test_a_breach_fires_once_whenever_a_sweep_runs_after_the_due_time(
    due_hours: int, chain_length: int, offsets: list[int]
) -> None:
    timer = _timer(due_hours, True, chain_length)
    sweeps = [START + timedelta(minutes=m) for m in sorted(offsets)]
    fired = _run(timer, sweeps)
    breached = any(moment >= timer.due_at for moment in sweeps)
    assert [kind for kind, _ in fired].count("breach") == (1 if breached else 0)
    warned_in_window = any(
        timer.warn_at is not None and timer.warn_at <= moment < timer.due_at for moment in sweeps
    )
    assert ("warning", 0) in fired if warned_in_window else ("warning", 0) not in fired


@given(offsets=sweep_offsets, chain_length=st.integers(min_value=1, max_value=4))
def test_sweeping_every_minute_or_once_late_ends_in_the_same_state(
    offsets: list[int], chain_length: int
) -> None:
    """A system that was down catches up one point per sweep, never many alerts for one point."""
    timer = _timer(24, True, chain_length)
    end = START + timedelta(minutes=max(offsets))
    late = _run(timer, [end] * (chain_length + 2))
    dense = _run(
        timer,
        [START + timedelta(minutes=m) for m in range(0, max(offsets) + 1, 37)]
        + [end] * (chain_length + 2),
    )
    assert {k for k, _ in late} - {"warning"} == {k for k, _ in dense} - {"warning"}
    assert [f for f in late if f[0] == "escalation"] == [f for f in dense if f[0] == "escalation"]


def test_timer_that_was_never_due_does_not_fire() -> None:
    timer = _timer(24, True, 2)
    assert fire(timer, START + timedelta(hours=1), fixed_step) is None


def test_closed_timer_never_fires() -> None:
    timer = _timer(24, True, 2)
    closed = TimerState("closed", timer.warn_at, timer.due_at, timer.next_fire_at, 0, 2)
    assert fire(closed, START + timedelta(days=90), fixed_step) is None


@given(
    chain_length=st.integers(min_value=0, max_value=4),
    breach_level=st.integers(min_value=0, max_value=5),
    offsets=sweep_offsets,
)
def test_a_breach_that_starts_up_the_chain_alerts_each_later_level_once(
    chain_length: int, breach_level: int, offsets: list[int]
) -> None:
    """A disagreement's breach reaches the second level (the raise told the first); the walk
    then goes on one level per step to the top, each level once, never back down."""
    timer = replace(_timer(24, False, chain_length), breach_level=breach_level)
    # Enough sweeps after the offsets for every level to fire (each sweep fires one point).
    extra = [timer.due_at + STEP * k for k in range(1, 7)]
    sweeps = sorted([timer.due_at + timedelta(minutes=m) for m in offsets] + extra)
    fired = _run(timer, sweeps)
    start = min(breach_level, chain_length)
    walked = [("escalation", level) for level in range(start + 1, chain_length + 1)]
    assert fired == [("breach", start), *walked]
