"""The notification state machine: any sequence of moves keeps a row in a state the machine
has; a final state changes only through an operator's retry; a temporary failure retries on
the schedule and goes permanent only once it is spent; a permanent kind fails at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathways.notification_lifecycle import (
    DEFAULT_RETRY_SCHEDULE,
    FAILURE_KINDS,
    FINAL_STATES,
    KIND_LABELS,
    OPERATOR_ACTIONS,
    PERMANENT_KINDS,
    TRANSITIONS,
    Action,
    IllegalTransitionError,
    after_failure,
    is_due_state,
    next_status,
    parse_retry_schedule,
    retry_span,
)
from pathways.vocabulary import NotificationStatus, values_of

STATES: tuple[NotificationStatus, ...] = values_of(NotificationStatus)  # type: ignore[assignment]
ACTIONS: tuple[Action, ...] = ("claim", "accept", "fail_temporarily", "fail_permanently", "retry")
SCHEDULE = parse_retry_schedule(DEFAULT_RETRY_SCHEDULE)
PROPERTY = settings(max_examples=60, deadline=None)

waits = st.lists(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=2)),
    min_size=1,
    max_size=10,
)


@PROPERTY
@given(st.lists(st.sampled_from(ACTIONS), max_size=40))
def test_any_sequence_of_moves_stays_in_the_machine(actions: list[Action]) -> None:
    status: NotificationStatus = "pending"
    for action in actions:
        if (status, action) not in TRANSITIONS:
            with pytest.raises(IllegalTransitionError, match=status):
                next_status(status, action)
            continue
        after = next_status(status, action)
        assert after in STATES
        if status in FINAL_STATES and after != status:
            # The one way out of a final state is an operator's (audited) action.
            assert action in OPERATOR_ACTIONS
        status = after


@pytest.mark.parametrize("status", sorted(FINAL_STATES))
def test_a_final_state_moves_only_by_an_operator(status: NotificationStatus) -> None:
    moves = {action for (state, action) in TRANSITIONS if state == status}
    assert moves <= OPERATOR_ACTIONS
    assert not is_due_state(status)


def test_sent_is_reached_only_from_sending_and_never_left() -> None:
    into_sent = {state for (state, _), after in TRANSITIONS.items() if after == "sent"}
    assert into_sent == {"sending"}
    assert not any(state == "sent" for state, _ in TRANSITIONS)


def test_every_state_is_reachable_from_pending() -> None:
    reached, frontier = {"pending"}, ["pending"]
    while frontier:
        state = frontier.pop()
        for (source, _), after in TRANSITIONS.items():
            if source == state and after not in reached:
                reached.add(after)
                frontier.append(after)
    assert reached == set(STATES)


def test_the_due_states_are_the_claimable_ones() -> None:
    assert {state for state in STATES if is_due_state(state)} == {
        "pending",
        "sending",
        "temporary-failure",
    }


@PROPERTY
@given(st.sampled_from(sorted(PERMANENT_KINDS)), st.integers(1, 20), waits)
def test_a_permanent_kind_fails_at_once_whatever_the_schedule(
    kind: str, attempt: int, schedule: list[timedelta]
) -> None:
    decided = after_failure(kind, attempt, schedule)  # type: ignore[arg-type]
    assert (decided.status, decided.retry_in) == ("permanent-failure", None)


@PROPERTY
@given(st.sampled_from(sorted(set(FAILURE_KINDS) - PERMANENT_KINDS)), waits)
def test_a_temporary_failure_retries_every_step_then_fails_permanently(
    kind: str, schedule: list[timedelta]
) -> None:
    attempt, elapsed = 1, timedelta(0)
    while (decided := after_failure(kind, attempt, schedule)).retry_in is not None:  # type: ignore[arg-type]
        assert decided.status == "temporary-failure"
        assert decided.retry_in == schedule[attempt - 1]
        elapsed += decided.retry_in
        attempt += 1
    assert decided.status == "permanent-failure"
    assert attempt == len(schedule) + 1
    assert elapsed == retry_span(schedule)


def test_the_default_schedule_retries_for_hours_not_minutes() -> None:
    assert retry_span(SCHEDULE) > timedelta(hours=12)
    # A relay down for 20 minutes is still being retried, never dead.
    attempt, elapsed = 1, timedelta(0)
    while elapsed <= timedelta(minutes=20):
        decided = after_failure("connection-refused", attempt, SCHEDULE)
        assert decided.status == "temporary-failure" and decided.retry_in is not None
        elapsed += decided.retry_in
        attempt += 1


def test_every_kind_has_a_label() -> None:
    assert set(KIND_LABELS) == set(FAILURE_KINDS)
    assert {"invalid-route", "template-error", "context-error"} == PERMANENT_KINDS


def test_an_attempt_counts_from_one() -> None:
    with pytest.raises(ValueError, match="attempt"):
        after_failure("timed-out", 0, SCHEDULE)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 23), st.integers(0, 59)), min_size=1))
def test_a_written_schedule_reads_back_as_its_waits(parts: list[tuple[int, int, int]]) -> None:
    parts = [part for part in parts if any(part)] or [(0, 0, 1)]
    text = ",".join(f"{d}d{h}h{m}m" for d, h, m in parts)
    assert parse_retry_schedule(text) == tuple(
        timedelta(days=d, hours=h, minutes=m) for d, h, m in parts
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "comma-separated"),
        ("1m,,5m", "comma-separated"),
        ("5x", "'5x' is not a wait"),
        ("1m, 2 hours", "'2 hours' is not a wait"),
        ("0m", "'0m' must be longer than zero"),
        ("-1m", "'-1m' is not a wait"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_step(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_retry_schedule(text)


def test_the_default_schedule() -> None:
    minutes = [wait.total_seconds() / 60 for wait in SCHEDULE]
    assert minutes == [1, 5, 15, 30, 60, 120, 240, 480]
