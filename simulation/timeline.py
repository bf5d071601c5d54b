"""Builds the timeline from what each play left behind: case events and their audit entries,
timer firings in the audit log, and the messages the SMTP sink received.

After each play the recorder reads only rows newer than the last it saw, so the timeline keeps
the order things happened in, and each entry names the scenario entry that caused it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from models import AuditEvent, Case, CaseEvent, Notification
from notifications.context import format_due
from pathways.definitions import get_definition
from simulation.plan import Play
from simulation.result import TimelineEntry, TimelineKind
from simulation.smtp import ReceivedMail, SmtpSink
from simulation.times import format_offset

FIRING_ACTIONS: dict[str, TimelineKind] = {
    "timer.warning": "timer warning",
    "timer.breach": "timer breach",
    "timer.escalation": "timer escalation",
}


def _names(values: Any) -> str:
    return ", ".join(str(value) for value in values or []) or "none"


def _timers_moved(after: Mapping[str, Any]) -> str:
    parts = []
    if after.get("timers_opened"):
        parts.append(f"timers opened: {_names(after['timers_opened'])}")
    if after.get("timers_closed"):
        parts.append(f"closed: {_names(after['timers_closed'])}")
    return "".join(f"; {part}" for part in parts)


def _firing_detail(action: str, after: Mapping[str, Any]) -> str:
    timer = after.get("timer", "?")
    due = format_due(datetime.fromisoformat(str(after["due_at"]))) if after.get("due_at") else "?"
    alerts = f"; alerts to {_names(after.get('recipients'))}"
    if action == "timer.escalation":
        return f"{timer} escalated to level {after.get('level')} (due {due}){alerts}"
    state = "overdue" if action == "timer.breach" else "due soon"
    return f"{timer} {state} (due {due}){alerts}"


class TimelineRecorder:
    def __init__(
        self,
        engine: Engine,
        sink: SmtpSink,
        start: datetime,
        references: Mapping[str, str | None],
    ) -> None:
        self._engine = engine
        self._sink = sink
        self._start = start
        self._references = references
        self.entries: list[TimelineEntry] = []
        with Session(engine) as session:
            self._last_event = session.exec(select(func.max(CaseEvent.id))).one() or 0
            self._last_audit = session.exec(select(func.max(AuditEvent.id))).one() or 0
        self._first_mail = self._last_mail = len(sink.received)

    @property
    def mails(self) -> list[ReceivedMail]:
        """What the sink received since this recorder started."""
        return self._sink.received[self._first_mail :]

    def _label(self, reference: str | None) -> str | None:
        return next(
            (label for label, ref in self._references.items() if ref and ref == reference), None
        )

    def add(
        self,
        play: Play,
        kind: TimelineKind,
        detail: str,
        reference: str | None = None,
        at: datetime | None = None,
    ) -> None:
        moment = at or play.at
        self.entries.append(
            TimelineEntry(
                at=moment,
                offset=format_offset(moment - self._start),
                where=play.where,
                case=play.label if reference is None else self._label(reference),
                reference=reference,
                kind=kind,
                detail=detail,
            )
        )

    def collect(self, play: Play) -> int:
        """Adds what ``play`` wrote and delivered; returns how many entries that was."""
        before = len(self.entries)
        with Session(self._engine) as session:
            events = session.exec(
                select(CaseEvent, Case)
                .join(Case, col(Case.id) == col(CaseEvent.case_id))
                .where(col(CaseEvent.id) > self._last_event)
                .order_by(col(CaseEvent.id))
            ).all()
            audits = session.exec(
                select(AuditEvent)
                .where(col(AuditEvent.id) > self._last_audit)
                .order_by(col(AuditEvent.id))
            ).all()
            mails = self._sink.received[self._last_mail :]
            keys = [mail.key for mail in mails]
            outbox = {
                row.idempotency_key: row
                for row in session.exec(
                    select(Notification).where(col(Notification.idempotency_key).in_(keys))
                ).all()
            }
        if events:
            self._last_event = events[-1][0].id or self._last_event
        if audits:
            self._last_audit = audits[-1].id or self._last_audit
        self._last_mail += len(mails)
        self._add_events(play, events, audits)
        self._add_mails(play, mails, outbox)
        return len(self.entries) - before

    def _add_events(
        self, play: Play, events: Sequence[tuple[CaseEvent, Case]], audits: Sequence[AuditEvent]
    ) -> None:
        by_event = {
            audit.after["event_id"]: audit
            for audit in audits
            if audit.after and "event_id" in audit.after
        }
        happened: list[tuple[datetime, int, TimelineKind, str, str | None]] = []
        for order, (event, case) in enumerate(events):
            happened.append(
                (event.occurred_at, order, *self._event_entry(event, case, by_event.get(event.id)))
            )
        for order, audit in enumerate(audits, start=len(events)):
            if audit.action in FIRING_ACTIONS:
                detail = _firing_detail(audit.action, audit.after or {})
                happened.append(
                    (
                        audit.occurred_at,
                        order,
                        FIRING_ACTIONS[audit.action],
                        detail,
                        audit.case_reference,
                    )
                )
        for at, _, kind, detail, reference in sorted(happened, key=lambda item: item[:2]):
            self.add(play, kind, detail, reference, at)

    def _event_entry(
        self, event: CaseEvent, case: Case, audit: AuditEvent | None
    ) -> tuple[TimelineKind, str, str | None]:
        who = f"{event.transition} by {event.actor} ({event.role})"
        prefix = "" if self._label(case.reference) else f"{case.pathway}: "
        if event.status == "rejected":
            return "refused", f"{prefix}{who}: {event.rejection_reason}", case.reference
        if event.status != "applied" or audit is None:
            return "transition", f"{prefix}{who}: not applied ({event.status})", case.reference
        before, after = audit.before or {}, audit.after or {}
        moved = _timers_moved(after)
        outcome = f"; outcome {after['outcome_code']}" if after.get("outcome_code") else ""
        opening = get_definition(case.pathway, case.definition_version).opening_transition
        if event.transition == opening:
            detail = f"{prefix}{who} at {case.authority_id} → {after.get('state')}{moved}"
            return "opened", detail, case.reference
        states = f"{before.get('state')} → {after.get('state')}"
        return "transition", f"{prefix}{who}: {states}{moved}{outcome}", case.reference

    def _add_mails(
        self, play: Play, mails: Sequence[ReceivedMail], outbox: Mapping[str, Notification]
    ) -> None:
        for mail in mails:
            row = outbox.get(mail.key)
            to = ", ".join(mail.recipients)
            if row is None:
                self.add(
                    play, "notification delivered", f"unmatched message to {to}: {mail.subject}"
                )
                continue
            self.add(
                play,
                "notification delivered",
                f"{row.event_type} to {row.recipient} <{to}>",
                row.case_reference,
                row.delivered_at,
            )
