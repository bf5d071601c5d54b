"""A report period chosen on a page: two GOV.UK date inputs, ``from`` and ``to``, read from the
query string. Left blank, a day is the quarter so far's; a date that is not real, or a ``to``
before ``from``, is an error naming the field and its rule, shown at the input it links to.

The reports and KPI pages both read their period here, so a period is asked for the same way
wherever it is asked for.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

from application.report_scope import ReportPeriod, quarter_to_date, report_period
from dashboard.forms import FieldError
from pathways.refusal import Refusal

PARTS: Final = ("day", "month", "year")
DAY: Final = re.compile(r"[0-9]{1,2}")
YEAR: Final = re.compile(r"[0-9]{4}")
LABELS: Final = {"from": "From", "to": "To"}
DateParts = dict[str, str]


@dataclass(frozen=True)
class PeriodForm:
    """What the two date inputs ask for, and what they show again."""

    period: ReportPeriod | None
    """None when an input is wrong (``errors`` says why)."""
    chosen: bool
    """Any part of either date was typed: the period is the viewer's, not the default."""
    dates: dict[str, DateParts]
    """Each input's day, month and year, as typed or else the period's own."""
    errors: tuple[FieldError, ...]


def date_parts(day: date) -> DateParts:
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def _date_input(
    query: Mapping[str, str], name: str, errors: list[FieldError]
) -> tuple[date | None, DateParts]:
    parts = {part: query.get(f"{name}-{part}", "").strip() for part in PARTS}
    if not any(parts.values()):
        return None, parts
    day, month, year = parts["day"], parts["month"], parts["year"]
    try:
        if not (DAY.fullmatch(day) and DAY.fullmatch(month) and YEAR.fullmatch(year)):
            raise ValueError
        return date(int(year), int(month), int(day)), parts
    except ValueError:
        message = f"{LABELS[name]}: must be a real date, like 31 3 2026"
        errors.append(FieldError(name, f"{name}-day", message))
        return None, parts


def period_form(query: Mapping[str, str], today: date) -> PeriodForm:
    """The period the query asks for, by default the quarter so far (to ``today``)."""
    errors: list[FieldError] = []
    first, first_parts = _date_input(query, "from", errors)
    last, last_parts = _date_input(query, "to", errors)
    default = quarter_to_date(today)
    period: ReportPeriod | None = None
    if not errors:
        found = report_period(first or default.first_day, last or default.last_day)
        if isinstance(found, Refusal):
            message = "To: " + found.reason.removeprefix("to: ")
            errors.append(FieldError("to", "to-day", message))
        else:
            period = found
    shown = period or default
    dates = {
        "from": first_parts if any(first_parts.values()) else date_parts(shown.first_day),
        "to": last_parts if any(last_parts.values()) else date_parts(shown.last_day),
    }
    chosen = any(first_parts.values()) or any(last_parts.values())
    return PeriodForm(period, chosen, dates, tuple(errors))
