"""How big each benchmark is. ``BENCH_SCALE=small`` shrinks every size by 10 (or so) but keeps
the result names, so a quick run and a full run fill the same table."""

from __future__ import annotations

import os
from dataclasses import dataclass

SCALE_ENV = "BENCH_SCALE"


@dataclass(frozen=True)
class Scale:
    name: str
    # Sweep cost: the flatness check sweeps ``due`` timers with ``base_open`` and then with
    # ``grown_open`` timers in the table; the ratio is measured at ``grown_open``.
    base_open: int
    grown_open: int
    due: int
    due_small: int
    due_large: int
    repeats: int
    timers_per_case: int
    # Event latency.
    events: int
    empty_runs: int
    refusals: int
    event_cases: int
    # Delivery.
    messages: int
    # Dashboard pages: cases in the database, and timed requests of each page after a warm-up.
    dashboard_cases: int = 100_000
    page_requests: int = 200
    page_warmup: int = 20
    # Concurrent writers: steps recorded at each level (1, 4 and 16 writers) in rounds that
    # alternate between the levels, on fresh cases that each take ``writer_events_per_case``.
    writer_events: int = 640
    writer_events_per_case: int = 10
    writer_rounds: int = 4

    @property
    def due_labels(self) -> dict[str, int]:
        """Result-name suffix -> due timers swept; the names stay those of the full scale."""
        return {"1k": self.due_small, "10k": self.due, "100k": self.due_large}


FULL = Scale(
    name="full",
    base_open=100_000,
    grown_open=1_000_000,
    due=10_000,
    due_small=1_000,
    due_large=100_000,
    repeats=3,
    timers_per_case=4,
    events=200,
    empty_runs=200,
    refusals=50,
    event_cases=20,
    messages=2_000,
)

SMALL = Scale(
    name="small",
    base_open=5_000,
    grown_open=50_000,
    due=500,
    due_small=100,
    due_large=5_000,
    repeats=3,
    timers_per_case=4,
    # Every flow run costs at least a second (Prefect's exit), so the quick run (under a
    # minute) takes few events and fewer yardstick runs: their spread is small.
    events=10,
    empty_runs=6,
    refusals=10,
    event_cases=5,
    messages=60,
    dashboard_cases=10_000,
    page_requests=50,
    page_warmup=10,
    writer_events=96,
    writer_events_per_case=6,
    writer_rounds=2,
)


def from_env() -> Scale:
    wanted = os.environ.get(SCALE_ENV, "full").strip().lower() or "full"
    scales = {scale.name: scale for scale in (FULL, SMALL)}
    if wanted not in scales:
        raise SystemExit(f"{SCALE_ENV} must be one of {', '.join(scales)}, not '{wanted}'")
    return scales[wanted]
