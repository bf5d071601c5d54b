"""The benchmark's bulk loader writes rows the current schema accepts and the sweep fires, so
a schema change cannot leave `make bench` crashing unnoticed until someone runs it."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from application.sweep import sweep
from benchmarks.seed import Seeder
from flows.dispatch import run_pathway_event
from models import Timer


def test_a_small_seeded_band_reads_back_and_is_swept(db_engine: Engine) -> None:
    seeder = Seeder.on(db_engine)
    (band,) = seeder.add_block(cases=20, timers=40, bands=[("due", 10)])
    with Session(db_engine) as session:
        stored = session.get(Timer, band.first_id)
        assert stored is not None and stored.closed_by  # a JSON list, as the schema now holds
    fired = sweep(db_engine, band.sweep_at, run_pathway_event)
    assert fired.fired == band.count
    with Session(db_engine) as session:
        assert session.exec(select(Timer).where(Timer.id == band.first_id)).one().status != "open"
