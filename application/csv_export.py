"""CSV text that a spreadsheet opens as plain data: the reports' and the H-CLIC export's files.

A cell that begins like a formula (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is
prefixed with an apostrophe, since a recorded name or a rationale is whatever someone typed and
a spreadsheet would otherwise run it (CSV injection). Dates are ISO, times ISO in UTC, missing
values empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, int | float):
        return text
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(headings: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()
