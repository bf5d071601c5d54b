"""Checks a played scenario's ``expect`` section against the database and the SMTP sink.

Notifications count only what the SMTP server actually received: each message's
``X-Pathways-Key`` header leads back to its outbox row, which says which case, event type and
recipient it was for. Timer firings come from the audit log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from sqlmodel import Session, col, select

from models import AuditEvent, Case, Notification, Timer
from simulation.result import Check
from simulation.scenario_format import (
    CaseFields,
    Expectations,
    LinkedCaseExpectation,
    NoNotification,
    NotificationExpectation,
    timer_key,
)
from simulation.smtp import ReceivedMail

CASE_ATTRIBUTES = {
    "state": "state",
    "status": "status",
    "outcome": "outcome_code",
    "duty_outcome": "duty_outcome",
}

Delivered = tuple[str | None, str, str]
"""(case reference, event type, recipient label) of one message the sink received."""


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _how_often(count: int | None) -> str:
    return "at least once" if count is None else f"exactly {_times(count)}"


def _count_holds(found: int, count: int | None) -> bool:
    return found >= 1 if count is None else found == count


class ExpectationChecker:
    def __init__(
        self,
        session: Session,
        references: Mapping[str, str | None],
        mails: Sequence[ReceivedMail],
    ) -> None:
        self._session = session
        self._references = references
        self._delivered = self._delivered_messages(mails)

    def _delivered_messages(self, mails: Sequence[ReceivedMail]) -> list[Delivered]:
        keys = [mail.key for mail in mails]
        rows = {
            row.idempotency_key: row
            for row in self._session.exec(
                select(Notification).where(col(Notification.idempotency_key).in_(keys))
            ).all()
        }
        return [
            (row.case_reference, row.event_type, row.recipient)
            for key in keys
            if (row := rows.get(key)) is not None
        ]

    def _case(self, label: str) -> Case | None:
        reference = self._references.get(label)
        if reference is None:
            return None
        return self._session.exec(select(Case).where(Case.reference == reference)).first()

    def check(self, expect: Expectations) -> list[Check]:
        checks: list[Check] = []
        for label, fields in expect.cases.items():
            checks.extend(self._case_checks(f"expect.cases.{label}", label, fields))
        for label, timers in expect.timers.items():
            for key, timer in timers.items():
                checks.extend(self._timer_checks(label, key, timer.status, timer.escalation_level))
        for number, fired in enumerate(expect.fired, start=1):
            checks.append(
                self._fired_check(
                    f"expect.fired.{number}", fired.case, fired.timer, fired.kind, fired.count
                )
            )
        for number, wanted in enumerate(expect.notifications, start=1):
            checks.append(self._notification_check(f"expect.notifications.{number}", wanted))
        for number, unwanted in enumerate(expect.no_notifications, start=1):
            checks.append(
                self._no_notification_check(f"expect.no_notifications.{number}", unwanted)
            )
        for number, linked in enumerate(expect.linked_cases, start=1):
            checks.append(self._linked_check(f"expect.linked_cases.{number}", linked))
        return checks

    def _case_checks(self, here: str, label: str, fields: CaseFields) -> list[Check]:
        case = self._case(label)
        checks = []
        for name, value in fields.wanted().items():
            expectation = f"{label} {name} is {value}"
            if case is None:
                checks.append(Check(f"{here}.{name}", expectation, False, f"{label} never opened"))
                continue
            actual = getattr(case, CASE_ATTRIBUTES[name])
            checks.append(Check(f"{here}.{name}", expectation, actual == value, f"it is {actual}"))
        return checks

    def _timer_checks(
        self, label: str, key: str, status: str | None, level: int | None
    ) -> list[Check]:
        here = f"expect.timers.{label}.{key}"
        name, occurrence = timer_key(key)
        case = self._case(label)
        rows = (
            self._session.exec(
                select(Timer)
                .where(Timer.case_id == case.id, Timer.name == name)
                .order_by(col(Timer.occurrence))
            ).all()
            if case is not None
            else []
        )
        if occurrence is None:
            timer = rows[-1] if rows else None
        else:
            timer = next((row for row in rows if row.occurrence == occurrence), None)
        wanted = {"status": status, "escalation_level": level}
        checks = []
        for field, value in wanted.items():
            if value is None:
                continue
            expectation = f"{label} timer {key} {field.replace('_', ' ')} is {value}"
            if timer is None:
                seen = ", ".join(f"#{row.occurrence}" for row in rows) or "none"
                actual = f"no such timer was opened (occurrences of {name}: {seen})"
                checks.append(Check(f"{here}.{field}", expectation, False, actual))
                continue
            actual_value = getattr(timer, field)
            checks.append(
                Check(
                    f"{here}.{field}",
                    expectation,
                    actual_value == value,
                    f"occurrence #{timer.occurrence} is {actual_value}",
                )
            )
        return checks

    def _fired_check(
        self, here: str, label: str, timer: str, kind: str, count: int | None
    ) -> Check:
        name, _ = timer_key(timer)
        expectation = f"{label} timer {name}: {kind} fired {_how_often(count)}"
        reference = self._references.get(label)
        if reference is None:
            return Check(here, expectation, False, f"{label} never opened")
        firings = self._session.exec(
            select(AuditEvent).where(
                AuditEvent.action == f"timer.{kind}", AuditEvent.case_reference == reference
            )
        ).all()
        found = sum(1 for firing in firings if (firing.after or {}).get("timer") == name)
        return Check(here, expectation, _count_holds(found, count), f"it fired {_times(found)}")

    def _matching(self, wanted: NoNotification) -> tuple[int, Counter[str]]:
        """How many received messages match, and who got that event type on that case."""
        reference = self._references.get(wanted.case)
        same_event = Counter(
            recipient
            for case_reference, event_type, recipient in self._delivered
            if case_reference == reference and event_type == wanted.event_type
        )
        if wanted.recipient is None:
            return sum(same_event.values()), same_event
        return same_event[wanted.recipient], same_event

    @staticmethod
    def _subject(wanted: NoNotification) -> str:
        to = f" to {wanted.recipient}" if wanted.recipient else ""
        return f"{wanted.event_type} on {wanted.case}{to}"

    def _notification_check(self, here: str, wanted: NotificationExpectation) -> Check:
        expectation = f"{self._subject(wanted)} received {_how_often(wanted.count)}"
        found, same_event = self._matching(wanted)
        actual = f"received {_times(found)}"
        if same_event and found != sum(same_event.values()):
            actual += f" (that event went to: {', '.join(sorted(same_event))})"
        return Check(here, expectation, _count_holds(found, wanted.count), actual)

    def _no_notification_check(self, here: str, unwanted: NoNotification) -> Check:
        found, _ = self._matching(unwanted)
        return Check(
            here, f"no {self._subject(unwanted)} received", found == 0, f"received {_times(found)}"
        )

    def _linked_check(self, here: str, wanted: LinkedCaseExpectation) -> Check:
        fields = wanted.wanted()
        described = "".join(f", {name} {value}" for name, value in fields.items())
        how_many = "at least one" if wanted.count is None else f"exactly {wanted.count}"
        expectation = f"{how_many} linked {wanted.pathway} case from {wanted.from_}{described}"
        source = self._case(wanted.from_)
        if source is None:
            return Check(here, expectation, False, f"{wanted.from_} never opened")
        linked = self._session.exec(
            select(Case).where(Case.linked_case_id == source.id, Case.pathway == wanted.pathway)
        ).all()
        found = sum(
            1
            for case in linked
            if all(getattr(case, CASE_ATTRIBUTES[n]) == v for n, v in fields.items())
        )
        seen = "; ".join(f"{c.reference} {c.state}/{c.status}" for c in linked) or "none"
        return Check(
            here,
            expectation,
            _count_holds(found, wanted.count),
            f"{found} matching (linked {wanted.pathway} cases: {seen})",
        )
