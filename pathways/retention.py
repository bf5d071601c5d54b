"""How long a closed case keeps its personal data, and the day it falls due for anonymising.

The period counts whole years from the moment the case closed. Six years is the product
default: the limitation period for claims in contract and tort (Limitation Act 1980 ss.2 and
5), which local-authority retention schedules commonly give housing case files as "closure +
6 years". ASSUMPTION until each authority confirms its own schedule. This is the workflow's
own copy of the case: the statutory records (e.g. a looked-after child's case record, kept to
their 75th birthday under SI 2010/959 reg.50) live in each agency's own case system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

DEFAULT_SOURCE: Final = (
    "the default: closure + 6 years, the Limitation Act 1980 ss.2 and 5 period "
    "(ASSUMPTION until the authority confirms its retention schedule)"
)


@dataclass(frozen=True)
class RetentionPolicy:
    years: int
    source: str
    """Where the period comes from: the setting that chose it, or the default and its basis."""


def retention_date(closed_at: datetime, years: int) -> datetime:
    """``years`` after ``closed_at``; a case closed on 29 February keeps its data until
    1 March (later, never earlier, in a year with no 29th)."""
    try:
        return closed_at.replace(year=closed_at.year + years)
    except ValueError:
        return closed_at.replace(year=closed_at.year + years, month=3, day=1)


def is_expired(closed_at: datetime | None, years: int, now: datetime) -> bool:
    """Whether a case is past its retention date: an open case never is."""
    return closed_at is not None and retention_date(closed_at, years) <= now


def closed_before(now: datetime, years: int) -> datetime:
    """The latest closing moment whose retention date has passed by ``now``: a query bound.

    Counting back from ``now`` can land a day off around 29 February, so callers still check
    each case with ``is_expired``; this bound is never earlier than the true one.
    """
    try:
        return now.replace(year=now.year - years)
    except ValueError:
        return now.replace(year=now.year - years, month=3, day=1)
