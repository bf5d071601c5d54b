"""One case's timeline: its steps, decisions and alerts in one list, oldest first.

Built from a ``CaseView``, so it carries what the view does and nothing more: who recorded each
step and in which role, never the people the case is about. The case page and the JSON API both
show this list, so an auditor reads the same history either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from application.case_views import CaseView

EntryKind = Literal["step", "decision", "alert"]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: EntryKind
    text: str
    actor: str | None
    role: str | None

    @property
    def who(self) -> str | None:
        return f"{self.actor}, {self.role}" if self.actor else None


def case_timeline(case: CaseView) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(step.at, "step", step.title, step.actor, step.role)
        for step in case.steps
        if step.at is not None
    ]
    entries += [
        TimelineEntry(d.at, "decision", f"Decision {d.kind}: {d.outcome}", d.decided_by, d.role)
        for d in case.decisions
    ]
    entries += [
        TimelineEntry(
            n.created_at, "alert", f"Alert {n.event_type} to {n.recipient}: {n.status}", None, None
        )
        for n in case.notifications
    ]
    return sorted(entries, key=lambda entry: entry.at)
