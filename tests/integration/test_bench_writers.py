"""The concurrent-writers benchmark runs end to end at a tiny scale on PostgreSQL: writer
processes start, take turns in rounds, and every step they record is applied and audited once
with the chain intact. So a change to the use cases or the schema cannot leave `make bench`
crashing unnoticed until someone runs it. PostgreSQL is required: without it this fails."""

from __future__ import annotations

from dataclasses import replace

from application.directory import import_directory
from benchmarks import concurrent_writers
from benchmarks.databases import application_on
from benchmarks.scale import SMALL
from infrastructure.db import session_scope

TINY = replace(SMALL, writer_events=4, writer_events_per_case=2, writer_rounds=2)


def test_two_levels_of_writers_lose_nothing_and_keep_the_chain(postgres_database_url: str) -> None:
    with application_on(postgres_database_url) as engine:
        with session_scope(engine) as session:
            import_directory(session)
        levels, lost, chain = concurrent_writers.measure(
            engine, postgres_database_url, TINY, counts=(1, 2)
        )

    assert lost == 0
    assert chain.ok, chain.problem
    assert [(level.writers, len(level.steps), len(level.rounds)) for level in levels] == [
        (1, 4, 2),
        (2, 4, 2),
    ]
    # Each level's two cases: opened, visited, one warm-up step per writer and its steps.
    assert chain.checked >= 2 * 2 * 3 + 4 + 4 + 1 + 2
    for level in levels:
        assert level.throughput > 0
        assert all(step.head_hold > 0 for step in level.steps), "the head's lock went unseen"
