"""The moment an input is checked against, and the configured limits that depend on it.

"When it happened" and dates of birth cannot be in the future, but the pure layer has no
clock: the application reads its clock (a virtual one in demos) and settings, and passes them
in through pydantic's validation context. A model that needs them and is validated without
them raises ``MissingInputLimitsError``, a programming error, rather than letting a future
date through unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from pydantic import ValidationInfo

from pathways.calendar import london_date

CONTEXT_KEY: Final = "input_limits"


class MissingInputLimitsError(RuntimeError):
    """An input model that checks times against "now" was validated without being told it."""


@dataclass(frozen=True)
class InputLimits:
    now: datetime
    """The application clock's time when the input was submitted (timezone-aware)."""
    max_clock_skew: timedelta
    """How far ahead of ``now`` a happened-at time may be: the clocks of the device a worker
    typed it on and of the server never quite agree."""
    min_parent_age_gap_years: int
    """A parent is at least this many years older than the young person."""

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("InputLimits.now must be timezone-aware")
        if self.max_clock_skew < timedelta(0):
            raise ValueError("InputLimits.max_clock_skew must not be negative")

    @property
    def latest(self) -> datetime:
        """The latest moment a happened-at time may name."""
        return self.now + self.max_clock_skew

    @property
    def latest_day(self) -> date:
        """The latest (London) date a happened-on date or a date of birth may name."""
        return london_date(self.latest)

    def context(self) -> dict[str, Any]:
        """The validation context carrying these limits, for ``model_validate(context=...)``."""
        return {CONTEXT_KEY: self}


def limits_in(context: Mapping[str, Any] | None) -> InputLimits:
    found = (context or {}).get(CONTEXT_KEY)
    if not isinstance(found, InputLimits):
        raise MissingInputLimitsError(
            "this input checks dates against the clock: validate it with "
            "context=InputLimits(...).context()"
        )
    return found


def limits_of(info: ValidationInfo) -> InputLimits:
    context = info.context
    return limits_in(context if isinstance(context, Mapping) else None)
