"""Whether a moment falls outside an authority's office hours (issue #9 point 6).

Pure: the hours arrive as an ``OfficeHours`` the caller loaded from configuration. Office
hours are Monday to Friday, never an England & Wales bank holiday, and read on the Europe/London
wall clock, so 09:00 means 09:00 in both GMT and BST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from pathways.calendar import is_working_day, to_london


class OfficeHoursError(ValueError):
    """Hours that cannot describe a working day; the message names the field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"office_hours.{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class OfficeHours:
    """Open from ``start`` (inclusive) to ``end`` (exclusive), Europe/London wall time."""

    start: time
    end: time

    def __post_init__(self) -> None:
        for field, value in (("start", self.start), ("end", self.end)):
            if value.tzinfo is not None:
                raise OfficeHoursError(
                    field, "must be a wall-clock time without a zone (read in Europe/London)"
                )
        if self.end <= self.start:
            raise OfficeHoursError(
                "end", f"{self.end:%H:%M} must be later than start {self.start:%H:%M}"
            )


# ASSUMPTION: seed 002 gives no office hours for the protocol (only that Kent & Medway OOH is
# for what "cannot wait until the next working day"); Maidstone's daytime line is
# Mon-Fri 9am-4.30pm. 09:00-17:00 stands until each authority confirms its own.
DEFAULT_OFFICE_HOURS = OfficeHours(start=time(9, 0), end=time(17, 0))


def is_out_of_hours(at: datetime, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> bool:
    """True on a weekend, a bank holiday, or outside [start, end) on a working day.

    A naive ``at`` is Europe/London wall time, as everywhere in ``pathways.calendar``.
    """
    local = to_london(at)
    if not is_working_day(local.date()):
        return True
    return not hours.start <= local.time() < hours.end
