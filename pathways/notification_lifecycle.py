"""The life of an outbox notification, as GOV.UK Notify's: an explicit state machine.

- ``pending`` → ``sending``: a sender claims the row (and holds a lease on it).
- ``sending`` → ``sent``: the relay accepted the message.
- ``sending`` → ``temporary-failure``: the relay refused it or could not be reached; the row
  is claimed again (→ ``sending``) when its next attempt is due, on the retry schedule.
- ``sending`` → ``permanent-failure``: trying again cannot help (an invalid route, a template
  or context error), or the schedule is spent. These are the dead letters.
- ``permanent-failure`` → ``pending``: only by an operator's (audited) retry.

``sent`` and ``permanent-failure`` are final. A ``sending`` row whose lease ran out is claimed
again (its sender is presumed gone), which is why a claim also leaves ``sending``. Pure rules,
no I/O: the delivery code asks these functions what a row becomes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Literal, get_args

from pathways.vocabulary import NotificationStatus

Action = Literal["claim", "accept", "fail_temporarily", "fail_permanently", "retry"]
"""What happens to a row: a sender claims it, the relay accepts it, an attempt fails, or an
operator retries a permanent failure."""

FailureKind = Literal[
    # Permanent on the first attempt: trying again cannot help.
    "invalid-route",
    "template-error",
    "context-error",
    # Temporary: the relay refused the message or could not be reached.
    "connection-refused",
    "connection-closed",
    "timed-out",
    "host-not-found",
    "tls-failed",
    "authentication-failed",
    "sender-rejected",
    "recipient-rejected",
    "message-refused",
    "relay-error",
]

PERMANENT_KINDS: Final[frozenset[FailureKind]] = frozenset(
    {"invalid-route", "template-error", "context-error"}
)
FAILURE_KINDS: Final[tuple[FailureKind, ...]] = get_args(FailureKind)

KIND_LABELS: Final[dict[FailureKind, str]] = {
    "invalid-route": "invalid route",
    "template-error": "template error",
    "context-error": "context error",
    "connection-refused": "connection refused",
    "connection-closed": "connection closed by the relay",
    "timed-out": "timed out",
    "host-not-found": "relay host not found",
    "tls-failed": "TLS negotiation failed",
    "authentication-failed": "authentication failed",
    "sender-rejected": "sender rejected",
    "recipient-rejected": "recipient rejected",
    "message-refused": "message refused by the relay",
    "relay-error": "the relay did not accept the message",
}

FINAL_STATES: Final[frozenset[NotificationStatus]] = frozenset({"sent", "permanent-failure"})
OPERATOR_ACTIONS: Final[frozenset[Action]] = frozenset({"retry"})

TRANSITIONS: Final[dict[tuple[NotificationStatus, Action], NotificationStatus]] = {
    ("pending", "claim"): "sending",
    ("temporary-failure", "claim"): "sending",
    # A lease that ran out: the sender that held it is presumed gone.
    ("sending", "claim"): "sending",
    ("sending", "accept"): "sent",
    ("sending", "fail_temporarily"): "temporary-failure",
    ("sending", "fail_permanently"): "permanent-failure",
    ("permanent-failure", "retry"): "pending",
}

DEFAULT_RETRY_SCHEDULE: Final = "1m,5m,15m,30m,1h,2h,4h,8h"
_STEP = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNITS = ("days", "hours", "minutes", "seconds")


class IllegalTransitionError(ValueError):
    def __init__(self, status: str, action: str) -> None:
        super().__init__(f"a notification that is {status} cannot {action.replace('_', ' ')}")
        self.status = status
        self.action = action


def next_status(status: NotificationStatus, action: Action) -> NotificationStatus:
    """The state ``action`` moves a row in ``status`` to; refuses a move the machine lacks."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransitionError(status, action) from None


def is_final(status: NotificationStatus) -> bool:
    return status in FINAL_STATES


def is_due_state(status: NotificationStatus) -> bool:
    """A state a sender may claim from, once the row's ``next_attempt_at`` has come."""
    return (status, "claim") in TRANSITIONS


def is_permanent(kind: FailureKind) -> bool:
    return kind in PERMANENT_KINDS


@dataclass(frozen=True)
class FailureOutcome:
    status: NotificationStatus
    retry_in: timedelta | None
    """How long until the next attempt; None for a permanent failure."""


def after_failure(kind: FailureKind, attempt: int, schedule: Sequence[timedelta]) -> FailureOutcome:
    """What a row becomes when its ``attempt``-th try (1 for the first) fails with ``kind``.

    A permanent kind fails at once. A temporary one waits ``schedule[attempt - 1]`` and tries
    again; once every step is spent the row is a permanent failure, keeping the last reason.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, got {attempt}")
    if is_permanent(kind) or attempt > len(schedule):
        return FailureOutcome(next_status("sending", "fail_permanently"), None)
    return FailureOutcome(next_status("sending", "fail_temporarily"), schedule[attempt - 1])


def parse_retry_schedule(text: str) -> tuple[timedelta, ...]:
    """``1m,5m,15m,1h,8h``: the waits before each retry of a temporary failure, in order."""
    steps = [step.strip() for step in text.split(",")]
    if not text.strip() or any(not step for step in steps):
        raise ValueError(
            f"'{text}' is not a comma-separated list of waits such as {DEFAULT_RETRY_SCHEDULE}"
        )
    waits = []
    for step in steps:
        match = _STEP.match(step)
        if match is None or not any(match.groups()):
            raise ValueError(
                f"'{step}' is not a wait such as 90s, 5m, 1h or 1d12h "
                f"(whole days, hours, minutes and seconds)"
            )
        wait = timedelta(
            **{unit: int(n) for unit, n in zip(_UNITS, match.groups(), strict=True) if n}
        )
        if wait <= timedelta(0):
            raise ValueError(f"'{step}' must be longer than zero")
        waits.append(wait)
    return tuple(waits)


def retry_span(schedule: Sequence[timedelta]) -> timedelta:
    """How long a temporary failure keeps being retried before it is a permanent failure."""
    return sum(schedule, timedelta(0))
