"""What a simulation produces: the timeline of what happened and the checks that held or failed."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

TimelineKind = Literal[
    "opened",
    "transition",
    "refused",
    "timer warning",
    "timer breach",
    "timer escalation",
    "notification delivered",
    "notification not delivered",
    "sweep",
    "deliver",
]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    offset: str
    where: str
    """The scenario entry that caused it (``cases.<label>`` or ``steps.<n>``)."""
    case: str | None
    """The scenario's label for the case, or None for a case the scenario did not name."""
    reference: str | None
    kind: TimelineKind
    detail: str


@dataclass(frozen=True)
class Check:
    where: str
    expectation: str
    ok: bool
    actual: str = ""

    @property
    def message(self) -> str:
        return f"{self.where}: {self.expectation}" + (f" — {self.actual}" if self.actual else "")


@dataclass
class SimulationResult:
    scenario: str
    pathway: str
    database_url: str
    cases: dict[str, str | None] = field(default_factory=dict)
    """Case label -> generated reference (None when the opening was refused)."""
    timeline: list[TimelineEntry] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    stopped_at: str | None = None
    """The scenario entry at which play stopped on an error; expectations were then not checked."""

    @property
    def failures(self) -> list[str]:
        return [check.message for check in self.checks if not check.ok]

    @property
    def ok(self) -> bool:
        return self.stopped_at is None and all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "timeline": [{**asdict(entry), "at": entry.at.isoformat()} for entry in self.timeline],
            "ok": self.ok,
            "failures": self.failures,
        }
