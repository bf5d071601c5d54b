"""``make bench`` keeps one row per declared name, each with its target and whether it is met,
whatever ran; and its seeding bar is drawn on a terminal only.

No timings here: performance targets live only in the benchmarks themselves.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from benchmarks import concurrent_writers, event_latency
from benchmarks.__main__ import Benchmark, benchmarks, in_declared_order, run_all
from benchmarks.concurrent_writers import Level
from benchmarks.progress import counted, seeding
from benchmarks.report import Result, measured, write_json
from benchmarks.scale import FULL, SMALL
from benchmarks.writer_pool import Round, Step
from infrastructure.audit import ChainReport


def _declared(scale_items: list[Benchmark]) -> list[str]:
    return [name for item in scale_items for name, _, _ in item.names]


def test_every_row_name_is_declared_once_and_the_same_at_both_scales() -> None:
    full, small = _declared(benchmarks(FULL)), _declared(benchmarks(SMALL))
    assert full == small
    assert len(full) == len(set(full)), "a row name is declared twice"
    for item in benchmarks(FULL):
        for name, unit, target in item.names:
            assert name and unit and target, (item.title, name)


def test_rows_come_out_in_declared_order_missing_ones_not_run_extras_kept() -> None:
    item = Benchmark("b", list, [("first", "s", "<= 3"), ("second", "x", ">= 2.5")])
    rows = in_declared_order(
        item, [measured("extra", 1.0, "s", "info"), measured("second", 3.0, "x", ">= 2.5")]
    )
    assert [(row.name, row.ok) for row in rows] == [
        ("first", False),
        ("second", True),
        ("extra", True),
    ]
    assert rows[0].value is None and rows[0].target == "<= 3" and rows[0].note == "not reported"


def test_results_json_rows_each_say_their_target_and_whether_met(tmp_path: Path) -> None:
    def crashes() -> list[Result]:
        raise RuntimeError("boom")

    items = [
        Benchmark("fine", lambda: [measured("fast", 1.0, "s", "<= 3")], [("fast", "s", "<= 3")]),
        Benchmark("broken", crashes, [("slow", "x", ">= 2.5")]),
    ]
    rows, crashed = run_all(items)
    path = tmp_path / "results.json"
    write_json(rows, path)
    written = json.loads(path.read_text())
    assert crashed
    assert [(row["name"], row["target"], row["ok"]) for row in written] == [
        ("fast", "<= 3", True),
        ("slow", ">= 2.5", False),
    ]


def _step(started: float, seconds: float, event_id: int) -> Step:
    return Step(started, started + seconds, event_id, head_wait=seconds / 10, head_hold=0.002)


def _level(writers: int, seconds: float) -> Level:
    steps = [_step(index * seconds / writers, seconds, index + 1) for index in range(40)]
    return Level(writers, [Round(steps, writer_cpu=0.8, backend_cpu=0.2, machine_busy=0.9)])


def test_the_writers_rows_are_the_declared_ones_and_judge_the_ratio() -> None:
    levels = [_level(1, 0.03), _level(4, 0.06), _level(16, 0.2)]
    rows = concurrent_writers.summarise(levels, lost=0, chain=ChainReport(True, 123), cores=2)
    assert [(r.name, r.unit, r.target) for r in rows] == list(concurrent_writers.RESULT_NAMES)
    found = {row.name: row for row in rows}
    ratio = found["writers_16_vs_1_throughput_ratio"]
    assert ratio.value == pytest.approx(levels[2].throughput / levels[0].throughput)
    assert ratio.ok is (ratio.value is not None and ratio.value >= 2.5)
    assert found["writers_events_lost"].ok and found["writers_audit_chain_intact"].value == 123
    assert "server" in found["writers_1_events_per_second"].note


def test_a_lost_step_or_a_broken_chain_fails_its_row() -> None:
    levels = [_level(1, 0.03), _level(4, 0.06), _level(16, 0.2)]
    broken = ChainReport(False, 9, 10, "prev_hash does not match the event before")
    found = {row.name: row for row in concurrent_writers.summarise(levels, 2, broken, 2)}
    assert not found["writers_events_lost"].ok
    chain = found["writers_audit_chain_intact"]
    assert not chain.ok and "broken at event 10" in chain.note


def test_the_event_latency_rows_are_the_declared_ones() -> None:
    latencies = event_latency.Latencies(
        empty=[1.0, 1.1] * 10,
        empty_inline=[0.2, 0.3] * 10,
        events=[0.3, 0.4] * 10,
        commits=[0.05] * 20,
        refusals=[0.01] * 5,
    )
    rows = event_latency.summarise(latencies)
    assert [(r.name, r.unit, r.target) for r in rows] == list(event_latency.RESULT_NAMES)


def test_no_bar_is_drawn_when_stderr_is_not_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=False)
    with seeding("seeding", 25, console) as advance:
        assert list(counted(range(25), advance, every=10)) == list(range(25))
    assert out.getvalue() == ""


def test_the_bar_counts_every_row_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    with seeding("seeding 25 rows", 25, console) as advance:
        assert sum(1 for _ in counted(range(25), advance, every=10)) == 25
    assert "seeding 25 rows" in out.getvalue() and "100%" in out.getvalue()
