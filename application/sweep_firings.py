"""One batch of claimed timers fired in memory: the rows to rewrite, the outbox rows, the next
occurrences, the events an on-breach transition records, and one audit event per firing.

A batch holds thousands of timers of a handful of kinds at a handful of authorities, so all of
a firing that does not depend on the row (the rule in force, the chain, who is told and in what
words) is worked out once per (authority, pathway, timer, kind) and kept for the batch. What
is left per row is the firing arithmetic, the case's routes, the row values and their digests.

Each firing's audit event covers the timer as fired, the messages it queued and the timer's next
occurrence (``application.audit_coverage``); the digests name ids, so the ids are drawn before
the events are built, and the whole batch is written in bulk (``write``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from application.cases import FollowUp
from application.sweep_claim import (
    TIMERS,
    Claimed,
    Written,
    claim_wrote,
    decided,
    rewrite,
    state_before,
)
from application.timers import timer_values
from infrastructure import audit
from infrastructure.authority_config import office_hours_for, rule_overrides_for
from infrastructure.bulk_insert import allocate_ids, insert_rows
from models import Case, CaseEvent
from notifications.coverage import insert_outbox, queued_covers
from notifications.messages import message_rows
from notifications.recipients import RouteResolver
from pathways.deadlines import due_date_reveals_birthday
from pathways.definitions import get_definition
from pathways.digest_batches import BatchDigests
from pathways.engine.definition import PathwayDefinition, TimerSpec
from pathways.engine.timers import Firing, fire
from pathways.escalation import chain_levels
from pathways.office_hours import OfficeHours, is_out_of_hours
from pathways.operational_coverage import NO_SALT
from pathways.record_digests import record_key

ACTOR = "timer-sweep"
OUT_OF_HOURS_SERVICE = "ooh"
EVENT_TITLES = {"warning": "due soon", "breach": "overdue", "escalation": "escalated"}
CASES = Case.metadata.tables["case"]
CASE_COLUMNS = (
    "id",
    "pii_salt",
    "reference",
    "pathway",
    "definition_version",
    "authority_id",
    "facts",
)
IDS_PER_QUERY = 5000
"""Well under SQLite's limit on bound parameters."""

CaseRow = dict[str, Any]
"""What firing reads of a claimed timer's case (``CASE_COLUMNS``)."""


@lru_cache(maxsize=256)
def _definition(pathway: str, version: str) -> PathwayDefinition:
    return get_definition(pathway, version)


@dataclass(frozen=True)
class Alert:
    """What every firing of one kind, at one chain level, of one timer at one authority says
    and to whom."""

    event: str
    recipients: tuple[str, ...]


@dataclass
class TimerKind:
    """One timer of one pathway version at one authority: what its firings share."""

    definition: PathwayDefinition
    spec: TimerSpec
    chain: list[str]
    overrides: dict[str, int]
    hours: OfficeHours
    alerts: dict[tuple[str, int, bool], Alert] = field(default_factory=dict)

    def alert(self, firing: Firing, out_of_hours: bool) -> Alert:
        key = (firing.kind, firing.escalation_level, out_of_hours)
        found = self.alerts.get(key)
        if found is None:
            title = self.spec.title_for(self.overrides)
            found = self.alerts[key] = Alert(
                f"{title}: {EVENT_TITLES[firing.kind]}",
                _recipients(self.spec, firing, self.chain, out_of_hours),
            )
        return found

    def needs_out_of_hours_service(self, firing: Firing, now: datetime, due_at: datetime) -> bool:
        """Issue #9 point 6: when the alert fires, or the deadline falls, while the offices are
        shut, the out-of-hours service must hear of it too. Escalations go up a chain of
        managers in working days, so they never need it."""
        if not self.spec.out_of_hours_fallback or firing.kind == "escalation":
            return False
        return is_out_of_hours(now, self.hours) or is_out_of_hours(due_at, self.hours)


def _recipients(
    spec: TimerSpec, firing: Firing, chain: list[str], out_of_hours: bool
) -> tuple[str, ...]:
    if firing.kind == "escalation":
        return (f"role:{chain[firing.escalation_level - 1]}",)
    named = spec.notify_on_warning if firing.kind == "warning" else spec.escalate_to
    recipients: tuple[str, ...] = named or spec.notify_on_warning
    if firing.kind == "breach" and firing.escalation_level:
        # The chain level the breach itself reaches (TimerSpec.escalation_starts_at).
        level_role = f"role:{chain[firing.escalation_level - 1]}"
        recipients = tuple(dict.fromkeys([*recipients, level_role]))
    if out_of_hours:
        return tuple(dict.fromkeys([*recipients, OUT_OF_HOURS_SERVICE]))
    return recipients


@dataclass
class _Fired:
    """One firing, until its ids are drawn and its audit event can be built."""

    row: Claimed
    case: CaseRow
    kind: TimerKind
    was: str
    firing: Firing
    queued: slice
    recipients: list[str]
    next_timer: int | None
    """The index of its next occurrence in the batch's new timers, if it recurs."""


class Batch:
    """Fires claimed rows in memory (``add``), then writes them all in bulk (``write``)."""

    def __init__(self, session: Session, now: datetime, rows: Sequence[Claimed]) -> None:
        self.session = session
        self.now = now
        self.cases = _cases(session, {row["case_id"] for row in rows})
        self.resolver = RouteResolver(session)
        self.resolver.preload_case_staff(self.cases)
        self.resolver.preload_staff_roles({case["authority_id"] for case in self.cases.values()})
        self.kinds: dict[tuple[str, str, str, str, str | None], TimerKind] = {}
        self.rewrites: list[tuple[int, Written]] = []
        self.outbox: list[dict[str, Any]] = []
        self.next_timers: list[dict[str, Any]] = []
        self.events: list[tuple[str, str, CaseEvent]] = []
        self.fired: list[_Fired] = []
        self.by_kind: dict[str, int] = {}
        self.timer_digests = BatchDigests("timer")
        self.message_digests = BatchDigests("notification")

    def add(self, row: Claimed) -> None:
        case = self.cases[row["case_id"]]
        kind = self._kind(case, row)
        state = state_before(row, self.now, len(kind.chain), kind.spec.escalation_starts_at)
        firing = fire(state, self.now)
        written = decided(state, firing)
        if written != claim_wrote(row):
            self.rewrites.append((row["id"], written))
        if firing is None:
            return
        self.by_kind[firing.kind] = self.by_kind.get(firing.kind, 0) + 1
        alert = kind.alert(firing, kind.needs_out_of_hours_service(firing, self.now, row["due_at"]))
        messages = message_rows(
            self.resolver,
            case_id=row["case_id"],
            case_reference=case["reference"],
            authority_id=case["authority_id"],
            facts=case["facts"] or {},
            pathway_title=kind.definition.title,
            event=alert.event,
            due=None if due_date_reveals_birthday(row["rule_id"]) else row["due_at"],
            owning_team=row["owner_team"],
            recipients=alert.recipients,
            template=f"timer_{firing.kind}",
            key_prefix=f"timer:{row['id']}:{firing.kind}:{firing.escalation_level}",
            now=self.now,
        )
        queued = slice(len(self.outbox), len(self.outbox) + len(messages))
        self.outbox.extend(messages)
        next_timer = None
        if firing.kind == "breach" and row["recurring"]:
            next_timer = len(self.next_timers)
            self.next_timers.append(
                timer_values(
                    row["case_id"],
                    kind.spec,
                    row["due_at"],
                    self.now,
                    kind.overrides,
                    row["occurrence"] + 1,
                )
            )
        if firing.kind == "breach" and kind.spec.on_breach is not None:
            event = CaseEvent(
                case_id=row["case_id"],
                transition=kind.spec.on_breach,
                actor=ACTOR,
                role="system",
                idempotency_key=f"timer:{row['id']}:on-breach",
                occurred_at=row["due_at"],
            )
            self.events.append((case["pathway"], case["reference"], event))
        recipients = sorted({message["recipient"] for message in messages})
        self.fired.append(
            _Fired(row, case, kind, state.status, firing, queued, recipients, next_timer)
        )

    def _kind(self, case: CaseRow, row: Claimed) -> TimerKind:
        key = (
            case["authority_id"],
            case["pathway"],
            case["definition_version"],
            row["name"],
            row["escalation_chain"],
        )
        found = self.kinds.get(key)
        if found is None:
            definition = _definition(case["pathway"], case["definition_version"])
            chain: list[str] = []
            if row["escalation_chain"] is not None:
                stored = self.resolver.authority(case["authority_id"]).escalation_chains
                chain = chain_levels(stored, row["escalation_chain"])
            found = self.kinds[key] = TimerKind(
                definition,
                definition.timers[row["name"]],
                chain,
                rule_overrides_for(case["authority_id"]),
                office_hours_for(case["authority_id"]),
            )
        return found

    def write(self) -> list[FollowUp]:
        """Writes the batch in the session's transaction; returns the events it created."""
        rewrite(self.session, self.rewrites)
        queued_ids = insert_outbox(self.session, self.outbox)
        timer_ids = allocate_ids(self.session, TIMERS, len(self.next_timers))
        next_timers = [
            {"id": timer_id, **values}
            for timer_id, values in zip(timer_ids, self.next_timers, strict=True)
        ]
        insert_rows(self.session, TIMERS, next_timers)
        self.session.add_all(event for _, _, event in self.events)
        self.session.flush()
        audit.record_many(
            self.session, [self._entry(fired, queued_ids, next_timers) for fired in self.fired]
        )
        return [(pathway, reference, event.id or 0) for pathway, reference, event in self.events]

    def _entry(
        self, fired: _Fired, queued_ids: list[int], next_timers: list[dict[str, Any]]
    ) -> audit.AuditEntry:
        row, firing = fired.row, fired.firing
        # The row as the batch leaves it; ``next_fire_at`` is not covered.
        as_fired = {
            **row,
            "status": firing.status,
            "escalation_level": firing.escalation_level,
        }
        covers = {record_key("timer", row["id"]): self.timer_digests.digest(as_fired, NO_SALT)}
        covers.update(
            queued_covers(
                self.outbox[fired.queued],
                queued_ids[fired.queued],
                fired.case["pii_salt"],
                self.message_digests,
            )
        )
        if fired.next_timer is not None:
            next_timer = next_timers[fired.next_timer]
            digest = self.timer_digests.digest(next_timer, NO_SALT)
            covers[record_key("timer", next_timer["id"])] = digest
        return audit.AuditEntry(
            actor=ACTOR,
            role="system",
            action=f"timer.{firing.kind}",
            case_reference=fired.case["reference"],
            before={
                "timer": row["name"],
                "occurrence": row["occurrence"],
                "status": fired.was,
                "level": row["escalation_level"],
            },
            after={
                "timer": row["name"],
                "occurrence": row["occurrence"],
                "status": firing.status,
                "level": firing.escalation_level,
                "due_at": row["due_at"].isoformat(),
                "recipients": fired.recipients,
            },
            basis=fired.kind.spec.rule,
            at=self.now,
            covers=covers,
        )


def _cases(session: Session, ids: Iterable[int]) -> dict[int, CaseRow]:
    """What firing reads of each claimed timer's case, by id."""
    columns = [CASES.c[name] for name in CASE_COLUMNS]
    wanted = sorted(ids)
    found: dict[int, CaseRow] = {}
    for start in range(0, len(wanted), IDS_PER_QUERY):
        chunk = wanted[start : start + IDS_PER_QUERY]
        statement = select(*columns).where(CASES.c.id.in_(chunk))
        result = session.connection().execute(statement)
        found.update((values[0], dict(zip(CASE_COLUMNS, values, strict=True))) for values in result)
    return found
