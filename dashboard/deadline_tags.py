"""A deadline as a GOV.UK tag, in the unit its rule counts in: "due in 3 h", "due in 2 working
days", "overdue by 1 day", "done". Pure: the caller passes now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pathways.calendar import london_date, working_days_between

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Tag:
    text: str
    colour: str
    """A govuk-tag modifier: red (overdue), orange (due within a day), blue, green (done)."""


def _plural(amount: int, unit: str) -> str:
    return f"{amount} {unit}" if amount == 1 else f"{amount} {unit}s"


def _hours(span: timedelta) -> str:
    hours = max(1, round(span / HOUR))
    return f"{hours} h"


def _span(start: datetime, end: datetime, unit: str) -> str:
    span = end - start
    if span < DAY:
        return "under 1 h" if span < HOUR else _hours(span)
    if unit == "working_days":
        days = working_days_between(london_date(start), london_date(end))
        return _plural(max(days, 1), "working day")
    return _plural(max(1, span // DAY), "day")


def deadline_tag(due_at: datetime | None, now: datetime, unit: str, *, done: bool) -> Tag:
    if done or due_at is None:
        return Tag("done", "green")
    if due_at <= now:
        return Tag(f"overdue by {_span(due_at, now, unit)}", "red")
    text = f"due in {_span(now, due_at, unit)}"
    return Tag(text, "orange" if due_at - now < DAY else "blue")
