"""The engine's view of a case: where it stands, what it has recorded, and its history.

Rules read earlier steps and decisions with their actors from here, so "two different
Directors" or "the reviewer took no part in the decision" are ordinary pure rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pathways.roles import Role, Service, service_of


@dataclass(frozen=True)
class HistoryEntry:
    """One applied step, with who recorded it, in what role, and any decision it made."""

    transition: str
    actor: str
    role: Role
    at: datetime
    decision: str | None = None
    """The decision's kind, where the step recorded one (e.g. a sign-off)."""
    outcome: str | None = None

    @property
    def service(self) -> Service:
        return service_of(self.role)


@dataclass(frozen=True)
class CaseSnapshot:
    state: str
    status: str = "open"
    facts: Mapping[str, Any] = field(default_factory=dict)
    open_timers: frozenset[str] = frozenset()
    history: tuple[HistoryEntry, ...] = ()
    """Applied steps, oldest first."""
    people: frozenset[str] = frozenset()
    """Who is recorded on the case, by relationship (never who they are)."""
    today: date | None = None
    """The application clock's London date when the move is judged."""
    in_force: Mapping[str, date] = field(default_factory=dict)
    """Commencement dates of provisions the rules depend on, from configuration (a provision
    not yet commenced is absent)."""
    rule_overrides: Mapping[str, int] = field(default_factory=dict)
    """The case's authority's amounts for its overridable rules, the ones its timers use, so a
    rule that compares dates (a planned move's notice) counts as the clock does."""

    def entries(
        self, transition: str | None = None, decision: str | None = None
    ) -> list[HistoryEntry]:
        """The applied steps of one transition, or those that made one kind of decision."""
        return [
            entry
            for entry in self.history
            if (transition is None or entry.transition == transition)
            and (decision is None or entry.decision == decision)
        ]

    def actors_of(self, transition: str | None = None, decision: str | None = None) -> set[str]:
        return {entry.actor for entry in self.entries(transition, decision)}
