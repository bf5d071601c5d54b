"""What the reports' files and periods are made of: CSV cells a spreadsheet cannot run, and
periods of whole UK days, whatever the clocks do."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from application.csv_export import cell, csv_text
from application.report_scope import ReportPeriod, quarter_to_date, report_period
from pathways.refusal import Refusal


@pytest.mark.parametrize("typed", ["=1+1", "+44 1234", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_looks_like_a_formula_is_kept_as_text(typed: str) -> None:
    assert cell(typed) == "'" + typed


def test_numbers_dates_and_missing_values_are_written_plainly() -> None:
    assert [cell(-2), cell(1.5), cell(True), cell(None)] == ["-2", "1.5", "true", ""]
    assert cell(date(2026, 3, 31)) == "2026-03-31"
    assert cell(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == "2026-03-31T23:30:00+00:00"


def test_a_csv_reads_back_as_written() -> None:
    text = csv_text(("case", "note"), [("JP-1", 'said "no", then left'), ("JP-2", None)])

    assert list(csv.reader(io.StringIO(text))) == [
        ["case", "note"],
        ["JP-1", 'said "no", then left'],
        ["JP-2", ""],
    ]


def test_a_period_runs_from_midnight_to_midnight_uk_time() -> None:
    summer = ReportPeriod(date(2026, 4, 1), date(2026, 6, 30))
    winter = ReportPeriod(date(2026, 1, 1), date(2026, 3, 28))

    assert summer.since == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)  # BST began on 29 March
    assert summer.until == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert (winter.since, winter.until) == (
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 3, 29, tzinfo=UTC),
    )


def test_the_default_period_is_the_quarter_so_far() -> None:
    assert quarter_to_date(date(2026, 5, 17)) == ReportPeriod(date(2026, 4, 1), date(2026, 5, 17))
    assert quarter_to_date(date(2026, 1, 1)) == ReportPeriod(date(2026, 1, 1), date(2026, 1, 1))


def test_a_period_backwards_or_longer_than_ten_years_is_refused_at_to() -> None:
    backwards = report_period(date(2026, 2, 1), date(2026, 1, 31))
    endless = report_period(date(2026, 1, 1), date(2206, 1, 1))

    assert isinstance(backwards, Refusal) and backwards.field == "to"
    assert "is before the first (2026-02-01)" in backwards.reason
    assert isinstance(endless, Refusal) and endless.field == "to"
