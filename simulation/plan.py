"""The order a scenario is played in: case openings merged into the steps by virtual time.

Steps keep their written order (their times never go backwards). Each case opens just before
the first step at or after its time, so a step at the same moment as an opening sees the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulation.scenario_format import ActingAs, CaseSpec, Scenario, StepSpec
from simulation.times import format_offset


@dataclass(frozen=True, kw_only=True)
class Play:
    where: str
    """Where in the scenario file: ``cases.<label>`` or ``steps.<n>`` (counted from 1)."""
    at: datetime
    offset: str
    label: str | None = None
    """The case label the entry is about, if any."""

    @property
    def title(self) -> str:
        return f"{self.offset} {type(self).__name__.lower()}"


@dataclass(frozen=True, kw_only=True)
class OpenCase(Play):
    label: str
    spec: CaseSpec

    @property
    def title(self) -> str:
        return f"{self.offset} open {self.label}"


@dataclass(frozen=True, kw_only=True)
class RecordStep(Play):
    label: str
    transition: str
    acting: ActingAs
    payload: dict[str, Any]
    expect_refused: str | None

    @property
    def title(self) -> str:
        return f"{self.offset} {self.transition} on {self.label}"


@dataclass(frozen=True, kw_only=True)
class Sweep(Play):
    pass


@dataclass(frozen=True, kw_only=True)
class Deliver(Play):
    pass


def _step_play(scenario: Scenario, number: int, step: StepSpec) -> Play:
    at = scenario.time_of(step.at)
    common: dict[str, Any] = {
        "where": f"steps.{number}",
        "at": at,
        "offset": format_offset(at - scenario.start),
    }
    if step.record is not None and step.case is not None and step.as_ is not None:
        return RecordStep(
            **common,
            label=step.case,
            transition=step.record,
            acting=step.as_,
            payload=step.input or {},
            expect_refused=step.expect_refused,
        )
    if step.sweep:
        return Sweep(**common)
    if step.deliver:
        return Deliver(**common)
    # A validated Scenario never gets here (simulation/consistency.py checks each step's keys).
    raise ValueError(f"steps.{number}: a step does exactly one of record, sweep, deliver")


def play_order(scenario: Scenario) -> list[Play]:
    openings = sorted(
        (
            OpenCase(
                where=f"cases.{label}",
                at=(at := scenario.time_of(case.at)),
                offset=format_offset(at - scenario.start),
                label=label,
                spec=case,
            )
            for label, case in scenario.cases.items()
        ),
        key=lambda play: play.at,  # sorted() is stable: equal times keep the file's order
    )
    order: list[Play] = []
    for number, step in enumerate(scenario.steps, start=1):
        play = _step_play(scenario, number, step)
        while openings and openings[0].at <= play.at:
            order.append(openings.pop(0))
        order.append(play)
    return [*order, *openings]
