"""Demo data for ``make run``: the scenario files ``config/demo.yaml`` lists, played into the
live database as the recent past.

Each scenario is moved back by whole weeks (``simulation.redate``) so its last entry falls an
hour or more before now, and every entry of every scenario is then played in one chronological
order with the shared clock frozen at its moment: the served timer sweep sees the same time as
the step being recorded, so warnings, breaches and the looked-after rule fire when they would
have. The clock is given back afterwards. An entry that does not go as its scenario says
(refused when it should pass, or passed when it should be refused) stops the seeding. Seeding
runs once: an audit event marks it done.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Engine
from sqlmodel import Session, select

from infrastructure import audit, clock
from infrastructure.db import session_scope
from infrastructure.settings import PROJECT_ROOT
from models import AuditEvent, ClockOffset
from pathways.refusal import Refusal
from simulation.plan import OpenCase, Play, RecordStep, Sweep, play_order
from simulation.player import ACTOR, ACTOR_ROLE, EntryPlayer, refusal_of
from simulation.redate import redated, weeks_back
from simulation.scenario import load_scenario
from simulation.scenario_format import Scenario

DEMO_CONFIG = PROJECT_ROOT / "config" / "demo.yaml"
SEEDED = "demo.seeded"
BASIS = "demo data for `make run` (fictional people, from the route scenarios)"
GAP = timedelta(hours=1)


class DemoSeedError(RuntimeError):
    """A demo entry did not go as its scenario says: the pathway and the demo disagree."""


class DemoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scenarios: list[Path]


def demo_scenarios(config: Path = DEMO_CONFIG) -> list[Scenario]:
    parsed = DemoConfig.model_validate(yaml.safe_load(config.read_text(encoding="utf-8")))
    return [load_scenario(PROJECT_ROOT / path) for path in parsed.scenarios]


@dataclass(frozen=True)
class _Entry:
    scenario: Scenario
    play: Play

    @property
    def case_key(self) -> str:
        return f"{self.scenario.name} / {self.play.label}"


def _schedule(scenarios: list[Scenario], now: datetime) -> list[_Entry]:
    entries: list[_Entry] = []
    for scenario in scenarios:
        moved = redated(scenario, weeks_back(scenario, now - GAP))
        entries.extend(_Entry(moved, play) for play in play_order(moved))
    # sorted() is stable: entries at the same moment keep their scenario's order.
    return sorted(entries, key=lambda entry: entry.play.at)


def seed_demo(engine: Engine, scenarios: list[Scenario] | None = None) -> dict[str, str]:
    """Plays the demo scenarios unless an earlier run did; returns case references by
    '<scenario> / <case label>'."""
    with session_scope(engine) as session:
        if session.exec(select(AuditEvent.id).where(AuditEvent.action == SEEDED)).first():
            return {}
    now = clock.now(engine)
    stories = scenarios if scenarios is not None else demo_scenarios()
    entries = _schedule(stories, now)
    players = {story.name: EntryPlayer(engine, story.pathway, BASIS) for story in stories}
    references: dict[str, str] = {}
    with _clock_frozen_in_turn(engine) as freeze:
        for story in stories:
            players[story.name].add_staff(story.staff, entries[0].play.at)
        for entry in entries:
            freeze(entry.play.at)
            _play(players[entry.scenario.name], entry, references)
    EntryPlayer.sweep()
    with session_scope(engine) as session:
        audit.record(
            session,
            actor=ACTOR,
            role=ACTOR_ROLE,
            action=SEEDED,
            after={"cases": references},
            basis=BASIS,
            at=now,
        )
    return references


def _play(player: EntryPlayer, entry: _Entry, references: dict[str, str]) -> None:
    play = entry.play
    # Event keys are short columns; the scenario's name is not, so it is hashed.
    story = hashlib.sha256(entry.scenario.name.encode()).hexdigest()[:12]
    key = f"demo:{story}:{play.where}"
    what = f"demo scenario '{entry.scenario.name}', {play.where} ({play.title})"
    match play:
        case OpenCase():
            outcome = player.open(play, key)
            expected = play.spec.expect_refused
        case RecordStep():
            reference = references.get(entry.case_key)
            if reference is None:
                raise DemoSeedError(f"{what}: its case was never opened")
            outcome = player.record(play, reference, key)
            expected = play.expect_refused
        case Sweep():
            player.sweep()
            return
        case _:
            player.deliver()
            return
    refused = refusal_of(outcome)
    if expected is None and refused is not None:
        raise DemoSeedError(f"{what} was refused: {refused}")
    if expected is not None and refused is None:
        raise DemoSeedError(f"{what} went through, but its scenario expects a refusal")
    if isinstance(play, OpenCase) and refused is None and not isinstance(outcome, Refusal):
        references[entry.case_key] = outcome.case_reference
        if play.spec.assign:
            player.assign(outcome.case_reference, play.spec.assign, play.at)


@contextmanager
def _clock_frozen_in_turn(engine: Engine) -> Iterator[Callable[[datetime], None]]:
    """Yields a function that freezes the shared clock at a moment; restores it afterwards."""
    with Session(engine) as session:
        saved = session.get(ClockOffset, 1)
        before = (saved.offset_seconds, saved.frozen_at) if saved else None

    def freeze(moment: datetime) -> None:
        with session_scope(engine) as session:
            clock.set_virtual_time(session, moment, frozen=True)

    try:
        yield freeze
    finally:
        with session_scope(engine) as session:
            row = session.get(ClockOffset, 1) or ClockOffset(id=1)
            row.offset_seconds, row.frozen_at = before or (0.0, None)
            session.add(row)
