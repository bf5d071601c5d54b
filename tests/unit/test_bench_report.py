"""The shape of ``make bench``'s report: rows, targets, the JSON file and the table.

No timings here: performance targets live only in the benchmarks themselves.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import startup, sweep_cost
from benchmarks.__main__ import Benchmark, benchmarks, run_all
from benchmarks.databases import PostgresUnavailableError
from benchmarks.report import INFO, Result, measured, meets, not_run, print_table, write_json
from benchmarks.scale import FULL, SMALL, Scale

REQUIRED_KEYS = {"name", "value", "unit", "target", "ok"}


@pytest.mark.parametrize(
    ("value", "target", "expected"),
    [
        (4.9, "<= 5", True),
        (5.0, "<= 5", True),
        (5.1, "<= 5", False),
        (25.0, ">= 20", True),
        (19.0, ">= 20", False),
        (None, "<= 5", False),
        (math.nan, "<= 5", False),
        (math.inf, ">= 20", False),
    ],
)
def test_bound_targets(value: float | None, target: str, expected: bool) -> None:
    assert meets(value, target) is expected


def test_a_target_that_is_not_a_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="not a bound"):
        meets(1.0, "linear")


def test_measured_rows_judge_their_own_target() -> None:
    assert measured("a", 2.0, "x", "<= 1.5").ok is False
    assert measured("b", 1.2, "x", "<= 1.5").ok is True
    assert measured("c", 7.0, "ms", INFO).ok is True


def test_json_rows_have_the_documented_keys(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "results.json"
    rows = [
        measured("sweep_ratio_sqlite", 3.0, "x", "<= 5"),
        not_run("sweep_ratio_postgres", "x", "<= 5", "not run: PostgreSQL unreachable"),
        Result("sweep_per_due_timer_1k_sqlite", 120.0, "µs", "linear", True),
        measured("odd", math.nan, "x", INFO),
    ]
    write_json(rows, path)
    written = json.loads(path.read_text())
    assert isinstance(written, list)
    assert [row["name"] for row in written] == [row.name for row in rows]
    for row in written:
        assert set(row) >= REQUIRED_KEYS
        assert isinstance(row["ok"], bool)
        assert row["value"] is None or isinstance(row["value"], float)
    not_run_row = written[1]
    assert not_run_row["value"] is None and not_run_row["ok"] is False
    assert written[3]["value"] is None and written[3]["ok"] is False


def test_table_shows_every_row_and_marks_misses() -> None:
    console = Console(record=True, width=200)
    rows = [
        measured("sweep_ratio_sqlite", 3.0, "x", "<= 5"),
        not_run("event_latency_p95_seconds", "s", "<= 3", "crashed: boom"),
    ]
    print_table(rows, "bench", console)
    text = console.export_text()
    assert "sweep_ratio_sqlite" in text and "event_latency_p95_seconds" in text
    assert "crashed: boom" in text and "NO" in text


def test_an_80_column_terminal_shows_every_figure_whole_and_the_notes_below() -> None:
    console = Console(record=True, width=80)
    rows = [
        measured("dashboard_caseload_filtered_first_ratio_postgres", 8.55, "x", "<= 10", "p95"),
        measured("delivery_messages_per_second", 1086.4, "msg/s", ">= 20", "a long " * 30),
    ]
    print_table(rows, "bench", console)
    text = console.export_text()
    assert "8.55" in text and "1,086" in text and "…" not in text
    assert "dashboard_caseload_filtered_first_ratio_postgres" in "".join(text.split())
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "delivery_messages_per_second: a long a long" in " ".join(text.split())


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_small_and_full_scale_report_the_same_sweep_names(backend: str) -> None:
    full = [name for name, _, _ in sweep_cost.result_names(backend, FULL)]
    small = [name for name, _, _ in sweep_cost.result_names(backend, SMALL)]
    assert full == small
    assert f"sweep_ratio_{backend}" in full
    assert f"sweep_open_flatness_{backend}" in full
    for label in ("1k", "10k", "100k"):
        assert f"sweep_per_due_timer_{label}_{backend}" in full


@pytest.mark.parametrize("scale", [FULL, SMALL], ids=["full", "small"])
def test_both_scales_report_the_startup_rows(scale: Scale) -> None:
    (item,) = [item for item in benchmarks(scale) if item.names == startup.RESULT_NAMES]
    names = [name for name, _, _ in item.names]
    assert {f"startup_{command}_ratio" for command in startup.COMMANDS} <= set(names)
    assert startup.rounds(scale) >= 3


def _fails(error: Exception) -> Callable[[], list[Result]]:
    def run() -> list[Result]:
        raise error

    return run


def test_an_unreachable_postgres_is_not_run_but_not_a_crash() -> None:
    item = Benchmark(
        "sweep cost (postgres)",
        _fails(PostgresUnavailableError("PostgreSQL unreachable at test")),
        [("sweep_ratio_postgres", "x", "<= 5")],
    )
    rows, crashed = run_all([item])
    assert not crashed
    assert [(row.name, row.value, row.ok) for row in rows] == [
        ("sweep_ratio_postgres", None, False)
    ]
    assert rows[0].note.startswith("not run:")


def test_a_crash_is_reported_and_the_others_still_run() -> None:
    broken = Benchmark("broken", _fails(RuntimeError("boom")), [("a_metric", "s", "<= 3")])
    fine = Benchmark("fine", lambda: [measured("b_metric", 1.0, "s", "<= 3")], [])
    rows, crashed = run_all([broken, fine])
    assert crashed
    assert [row.name for row in rows] == ["a_metric", "b_metric"]
    assert "crashed: RuntimeError: boom" in rows[0].note
    assert rows[1].ok
