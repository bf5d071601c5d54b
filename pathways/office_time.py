"""How much of an interval falls inside office hours: the working time a team had to act.

Pure: the hours arrive as an ``OfficeHours`` the caller loaded from configuration. A working day
is Monday to Friday and never an England & Wales bank holiday (``pathways.calendar``); the hours
are Europe/London wall time, so a day's window is 09:00-17:00 in GMT and BST alike. Arithmetic
is done in UTC, because Python subtracts two datetimes of the same zone by their wall clocks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pathways.calendar import LONDON, is_working_day, to_london
from pathways.office_hours import DEFAULT_OFFICE_HOURS, OfficeHours

DAY = timedelta(days=1)


def office_time_between(
    start: datetime, end: datetime, hours: OfficeHours = DEFAULT_OFFICE_HOURS
) -> timedelta:
    """The part of [``start``, ``end``) inside office hours on working days; zero when ``end``
    is not after ``start``. A naive moment is Europe/London wall time."""
    first, last = to_london(start), to_london(end)
    total = timedelta(0)
    day = first.date()
    while day <= last.date():
        if is_working_day(day):
            opens = datetime.combine(day, hours.start, tzinfo=LONDON).astimezone(UTC)
            closes = datetime.combine(day, hours.end, tzinfo=LONDON).astimezone(UTC)
            inside = min(closes, last.astimezone(UTC)) - max(opens, first.astimezone(UTC))
            total += max(inside, timedelta(0))
        day += DAY
    return total
