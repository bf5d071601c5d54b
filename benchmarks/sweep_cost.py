"""Sweep cost: firing due timers into the outbox, against a raw SQL UPDATE of the same rows.

For each backend, on one fresh database:

two fresh databases (``base``: ``base_open`` timers; ``grown``: ``grown_open``), each with a
small warm-up band (swept first, so imports and caches are not billed to a measurement) and
``repeats`` bands of ``due`` timers; ``grown`` also has one band of ``due_small`` and one of
``due_large``.

For each ``due`` band in turn: a ``base`` band is swept; then, on ``grown``, the raw
``UPDATE ... WHERE id IN (<the band's ids>)`` is timed (median of ``repeats``, the rows put
back after each) and the real ``application.sweep.sweep`` fires the same rows. Sweep over UPDATE
is the headline ratio, per-due cost on ``grown`` over ``base`` the flatness; medians over the
bands are reported.

Everything compared is measured side by side, band by band, so both halves of each ratio
see the same load on a shared, noisy machine.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, bindparam, select, text, update

from application.sweep import sweep
from benchmarks.databases import application_on, fresh_database
from benchmarks.report import Result, measured
from benchmarks.scale import Scale
from benchmarks.seed import Band, Seeder
from flows.dispatch import run_pathway_event
from infrastructure.db import make_engine, migrate
from models import Timer

log = logging.getLogger(__name__)

RATIO_TARGET = "<= 5"
FLATNESS_TARGET = "<= 1.5"
LINEAR_TARGET = "linear"
# A per-due cost more than this multiple of the smallest batch's is not linear in due timers.
LINEAR_TOLERANCE = 1.5
WARMUP_TIMERS = 100

BASELINE_SQL = text(
    "UPDATE timer SET status = 'warned', next_fire_at = due_at WHERE id IN :ids"
).bindparams(bindparam("ids", expanding=True))


class SweepMismatchError(RuntimeError):
    """The sweep fired a different number of timers than the band holds: the seed is wrong."""


@dataclass(frozen=True)
class BandTiming:
    band: Band
    sweep_seconds: float
    baseline_seconds: float | None = None

    @property
    def per_due_us(self) -> float:
        return self.sweep_seconds * 1e6 / self.band.count

    @property
    def ratio(self) -> float:
        assert self.baseline_seconds is not None
        return self.sweep_seconds / self.baseline_seconds


def result_names(backend: str, scale: Scale) -> list[tuple[str, str, str]]:
    """(name, unit, target) of every row this benchmark reports for ``backend``."""
    return [
        (f"sweep_ratio_{backend}", "x", RATIO_TARGET),
        *(
            (f"sweep_per_due_timer_{label}_{backend}", "µs", LINEAR_TARGET)
            for label in scale.due_labels
        ),
        (f"sweep_open_flatness_{backend}", "x", FLATNESS_TARGET),
    ]


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def timed_sweep(engine: Engine, band: Band) -> float:
    started = time.perf_counter()
    outcome = sweep(engine, band.sweep_at, run_pathway_event)
    elapsed = time.perf_counter() - started
    if outcome.fired != band.count:
        raise SweepMismatchError(
            f"band {band.label}: swept {outcome.fired} timers, expected {band.count}"
        )
    return elapsed


def timed_baseline(engine: Engine, band: Band, repeats: int) -> float:
    """Median time of the raw UPDATE of the band's rows; the rows are put back each time."""
    timers = Timer.metadata.tables["timer"]
    ids = list(range(band.first_id, band.last_id + 1))
    with engine.connect() as connection:
        originals = [
            {"b_id": row.id, "b_status": row.status, "b_next": row.next_fire_at}
            for row in connection.execute(
                select(timers.c.id, timers.c.status, timers.c.next_fire_at).where(
                    timers.c.id.between(band.first_id, band.last_id)
                )
            )
        ]
    restore = (
        update(timers)
        .where(timers.c.id == bindparam("b_id"))
        .values(status=bindparam("b_status"), next_fire_at=bindparam("b_next"))
    )
    times = []
    for _ in range(repeats):

        def baseline() -> None:
            with engine.begin() as connection:
                connection.execute(BASELINE_SQL, {"ids": ids})

        times.append(_timed(baseline))
        with engine.begin() as connection:
            connection.execute(restore, originals)
    return statistics.median(times)


def _bands(prefix: str, count: int, size: int) -> list[tuple[str, int]]:
    return [(f"{prefix}-{index + 1}", size) for index in range(count)]


def measure(base: Engine, grown: Engine, scale: Scale, backend: str) -> list[Result]:
    """``base`` holds ``base_open`` timers and ``grown`` ``grown_open``; their bands are swept
    alternately, so the flatness ratio compares costs measured under the same load."""
    started = time.perf_counter()
    base_warmup, *base_bands = Seeder.on(base).add_block(
        scale.base_open // scale.timers_per_case,
        scale.base_open,
        [("warmup", WARMUP_TIMERS), *_bands("base", scale.repeats, scale.due)],
    )
    grown_warmup, *grown_bands = Seeder.on(grown).add_block(
        scale.grown_open // scale.timers_per_case,
        scale.grown_open,
        [
            ("warmup", WARMUP_TIMERS),
            *_bands("ratio", scale.repeats, scale.due),
            ("small", scale.due_small),
            ("large", scale.due_large),
        ],
    )
    *ratio_bands, small, large = grown_bands
    log.info(
        "%s: seeded %s + %s open timers in %.1f s",
        backend,
        f"{scale.base_open:,}",
        f"{scale.grown_open:,}",
        time.perf_counter() - started,
    )
    # Imports, caches and the first statements compiled are not what is measured.
    timed_sweep(base, base_warmup)
    timed_sweep(grown, grown_warmup)
    base_timings = []
    ratio_timings = []
    for base_band, band in zip(base_bands, ratio_bands, strict=True):
        base_timings.append(BandTiming(base_band, timed_sweep(base, base_band)))
        baseline = timed_baseline(grown, band, scale.repeats)
        ratio_timings.append(BandTiming(band, timed_sweep(grown, band), baseline))
        log.info(
            "%s: %s: sweep %.3f s, raw UPDATE %.4f s (%.1fx); same due at %s open: %.3f s",
            backend,
            band.label,
            ratio_timings[-1].sweep_seconds,
            baseline,
            ratio_timings[-1].ratio,
            f"{scale.base_open:,}",
            base_timings[-1].sweep_seconds,
        )
    small_timing = BandTiming(small, timed_sweep(grown, small))
    large_timing = BandTiming(large, timed_sweep(grown, large))
    return summarise(backend, scale, base_timings, ratio_timings, small_timing, large_timing)


def summarise(
    backend: str,
    scale: Scale,
    base: list[BandTiming],
    ratio: list[BandTiming],
    small: BandTiming,
    large: BandTiming,
) -> list[Result]:
    ratio_value = statistics.median(t.ratio for t in ratio)
    sweep_s = statistics.median(t.sweep_seconds for t in ratio)
    update_s = statistics.median(t.baseline_seconds or 0.0 for t in ratio)
    per_due_grown = statistics.median(t.per_due_us for t in ratio)
    per_due_base = statistics.median(t.per_due_us for t in base)
    per_due = {"1k": small.per_due_us, "10k": per_due_grown, "100k": large.per_due_us}
    smallest = per_due["1k"]
    sizes = scale.due_labels
    rows = [
        measured(
            f"sweep_ratio_{backend}",
            ratio_value,
            "x",
            RATIO_TARGET,
            f"{sizes['10k']:,} due of {scale.grown_open:,} open: sweep {sweep_s:.3f} s vs "
            f"raw UPDATE {update_s * 1000:.1f} ms (median of {len(ratio)} bands)",
        )
    ]
    for label, value in per_due.items():
        rows.append(
            Result(
                f"sweep_per_due_timer_{label}_{backend}",
                value,
                "µs",
                LINEAR_TARGET,
                value <= smallest * LINEAR_TOLERANCE,
                f"{sizes[label]:,} due of {scale.grown_open:,} open "
                f"(ok: <= {LINEAR_TOLERANCE}x the {sizes['1k']:,}-due cost)",
            )
        )
    rows.append(
        measured(
            f"sweep_open_flatness_{backend}",
            per_due_grown / per_due_base,
            "x",
            FLATNESS_TARGET,
            f"per-due cost, {sizes['10k']:,} due: {per_due_grown:.0f} µs at "
            f"{scale.grown_open:,} open / {per_due_base:.0f} µs at {scale.base_open:,} open",
        )
    )
    return rows


def run(scale: Scale, backend: str) -> list[Result]:
    with (
        fresh_database(backend, "sweep-base") as base_url,
        fresh_database(backend, "sweep-grown") as grown_url,
        application_on(grown_url) as grown,
    ):
        migrate(base_url)
        base = make_engine(base_url)
        try:
            return measure(base, grown, scale, backend)
        finally:
            base.dispose()
