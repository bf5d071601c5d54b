"""Retention: a closed case past its retention date keeps its record and loses who it is about.

Each personal value (a person's name, date of birth and contact details; the personal values
of each event's input, found from its input model by ``pathways.personal_fields``; the case's
facts that copy one of them, ``pathways.personal_facts``; the address a settled message went
to; a decision's rationale; a consent's scope and override rationale) is replaced by its
commitment under the case's ``pii_salt``. The audit chain's digests already take those values
as commitments (``pathways.record_digests``), so the chain verifies as before. A value already
replaced is left alone: a second run changes nothing.

Each case is anonymised in its own transaction, with its ``retention.anonymised`` audit event.
The log and the event carry case references and counts, never a value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlmodel import Session, SQLModel, col, select

from application.audit_coverage import covers
from application.cases import load_case
from application.operations import operator_acting
from application.principals import Acting
from infrastructure import audit, clock
from infrastructure.audit_keys import CommitmentKeyError, commitment_key
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import get_settings
from models import Case, CaseEvent, ConsentRecord, Decision, Notification, Person
from pathways.commitments import commit, is_commitment
from pathways.definitions import all_definitions
from pathways.notification_lifecycle import FINAL_STATES
from pathways.personal_facts import committed_facts
from pathways.personal_fields import Path, anonymised, personal_paths, personal_values
from pathways.principal import Actor
from pathways.refusal import Refusal
from pathways.retention import (
    DEFAULT_SOURCE,
    RetentionPolicy,
    closed_before,
    is_expired,
    retention_date,
)
from pathways.text import is_blank

log = logging.getLogger(__name__)

ANONYMISED: Final = "retention.anonymised"
SETTING: Final = "PATHWAYS_RETENTION_YEARS"


def retention_policy() -> RetentionPolicy:
    """The configured period, and where it comes from."""
    settings = get_settings()
    source = SETTING if "retention_years" in settings.model_fields_set else DEFAULT_SOURCE
    return RetentionPolicy(settings.retention_years, source)


@dataclass(frozen=True)
class CaseAnonymised:
    reference: str
    retained_until: datetime
    counts: dict[str, int]
    """Values replaced, by ``table.field``."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Skipped:
    reference: str
    reason: str


@dataclass(frozen=True)
class RetentionReport:
    policy: RetentionPolicy
    as_of: datetime
    dry_run: bool
    anonymised: list[CaseAnonymised] = field(default_factory=list)
    """The cases changed (on a dry run, those that would be)."""
    already_anonymised: int = 0
    """Past their date, with nothing personal left."""
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class _Changes:
    """What anonymising one case would write, and how many values of each field it replaces."""

    writes: list[tuple[SQLModel, str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def replace(self, row: SQLModel, attribute: str, value: Any, replaced: int = 1) -> None:
        self.writes.append((row, attribute, value))
        label = f"{row.__tablename__}.{attribute}"
        self.counts[label] = self.counts.get(label, 0) + replaced

    def rows(self) -> list[SQLModel]:
        return list({id(row): row for row, _, _ in self.writes}.values())


def _commit(value: str | None, case: Case) -> str:
    """The value's commitment under the case's salt and the commitment key that salt names."""
    return commit(value, case.pii_salt, commitment_key(case.pii_salt))


def _is_removable(value: str | None) -> bool:
    return value is not None and not is_blank(value) and not is_commitment(value)


def _input_paths(pathway: str, transition: str) -> frozenset[Path] | None:
    """The personal paths of the transition's input, in every version of the pathway that has
    it (an old event may come from a version the case has since moved off); None when no
    registered version has it."""
    found = [
        spec
        for definition in all_definitions()
        if definition.name == pathway and (spec := definition.transition(transition)) is not None
    ]
    if not found:
        return None
    return frozenset().union(*(personal_paths(spec.input_model) for spec in found))


def _people(session: Session, case: Case, changes: _Changes) -> None:
    for person in session.exec(select(Person).where(Person.case_id == case.id)).all():
        if _is_removable(person.full_name):
            changes.replace(person, "full_name", _commit(person.full_name, case))
        if _is_removable(person.contact_details):
            changes.replace(person, "contact_details", _commit(person.contact_details, case))
        if person.date_of_birth is not None:
            # A date column cannot hold the commitment, so it is kept beside the cleared date.
            kept = _commit(person.date_of_birth.isoformat(), case)
            changes.writes.append((person, "date_of_birth_commitment", kept))
            changes.replace(person, "date_of_birth", None)


def _events(session: Session, case: Case, changes: _Changes) -> set[str] | str:
    """Adds each event's anonymised input, and returns the personal values the inputs held (a
    fact copied from one is personal too); or says why the case cannot be done."""
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
    ).all()
    personal: set[str] = set()
    for event in events:
        paths = _input_paths(case.pathway, event.transition)
        if paths is None:
            return (
                f"step '{event.transition}' of pathway '{case.pathway}' is not registered, so "
                "its input's personal fields are unknown: load its definition module "
                "(PATHWAYS_DEFINITION_MODULES)"
            )
        personal |= personal_values(event.payload, paths)
        payload, replaced = anonymised(
            event.payload, paths, case.pii_salt, commitment_key(case.pii_salt)
        )
        if replaced:
            changes.replace(event, "payload", payload, replaced)
    return personal


def _facts(case: Case, personal: set[str], changes: _Changes) -> None:
    """The case's facts that copy a personal input value (``pathways.personal_facts``)."""
    facts, replaced = committed_facts(
        case.facts, personal, case.pii_salt, commitment_key(case.pii_salt)
    )
    if replaced:
        changes.replace(case, "facts", facts, replaced)


def _addresses(session: Session, case: Case, changes: _Changes) -> None:
    """A settled message's route: an address (a referrer's e-mail) is contact details. The
    timeline shows the route's kind, ``recipient``, which stays; a message still to be sent
    keeps its route, or it could never go."""
    messages = session.exec(
        select(Notification).where(
            Notification.case_id == case.id, col(Notification.status).in_(FINAL_STATES)
        )
    ).all()
    for message in messages:
        if _is_removable(message.route):
            changes.replace(message, "route", _commit(message.route, case))


def _free_text(session: Session, case: Case, changes: _Changes) -> None:
    for decision in session.exec(select(Decision).where(Decision.case_id == case.id)).all():
        if _is_removable(decision.rationale):
            changes.replace(decision, "rationale", _commit(decision.rationale, case))
    consents = session.exec(select(ConsentRecord).where(ConsentRecord.case_id == case.id)).all()
    for consent in consents:
        for attribute in ("scope", "override_rationale"):
            value = getattr(consent, attribute)
            if _is_removable(value):
                changes.replace(consent, attribute, _commit(value, case))


def _planned(session: Session, case: Case) -> _Changes | str:
    changes = _Changes()
    _people(session, case, changes)
    personal = _events(session, case, changes)
    if isinstance(personal, str):
        return personal
    _facts(case, personal, changes)
    _addresses(session, case, changes)
    _free_text(session, case, changes)
    return changes


def _write(
    session: Session,
    case: Case,
    changes: _Changes,
    done: CaseAnonymised,
    *,
    policy: RetentionPolicy,
    actor: Actor,
    at: datetime,
) -> None:
    for row, attribute, value in changes.writes:
        setattr(row, attribute, value)
        session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor.username,
        role=actor.role,
        action=ANONYMISED,
        case_reference=case.reference,
        after={
            "values_replaced": done.counts,
            "retained_until": done.retained_until.isoformat(),
            "retention_years": policy.years,
        },
        basis=f"UK GDPR Art. 5(1)(e) storage limitation; retention period: {policy.source}",
        at=at,
        covers=covers(case, *changes.rows()),
    )


def _one_case(
    reference: str, policy: RetentionPolicy, actor: Actor, at: datetime, dry_run: bool
) -> CaseAnonymised | Skipped | None:
    """The case anonymised (on a dry run, what would be), or None if nothing is left to remove."""
    with session_scope() as session:
        case = load_case(session, reference, for_update=True)
        assert case.closed_at is not None, "only closed cases are due"
        try:
            planned = _planned(session, case)
        except CommitmentKeyError as missing:
            planned = str(missing)
        if isinstance(planned, str):
            return Skipped(reference, planned)
        if not planned.writes:
            return None
        done = CaseAnonymised(
            reference, retention_date(case.closed_at, policy.years), dict(planned.counts)
        )
        if not dry_run:
            _write(session, case, planned, done, policy=policy, actor=actor, at=at)
        return done


def _due(at: datetime, years: int) -> list[str]:
    """The closed cases past their retention date, oldest closure first."""
    with session_scope() as session:
        rows = session.exec(
            select(Case.reference, Case.closed_at)
            .where(col(Case.status) == "closed", col(Case.closed_at) <= closed_before(at, years))
            .order_by(col(Case.closed_at), col(Case.id))
        ).all()
    return [reference for reference, closed_at in rows if is_expired(closed_at, years, at)]


def run_retention(
    actor: Actor, *, dry_run: bool = False, now: datetime | None = None
) -> RetentionReport:
    """Anonymises every closed case past its retention date, each in its own transaction."""
    at = now or clock.now(get_engine())
    policy = retention_policy()
    verb = "would anonymise" if dry_run else "anonymised"
    done: list[CaseAnonymised] = []
    skipped: list[Skipped] = []
    already = 0
    for reference in _due(at, policy.years):
        outcome = _one_case(reference, policy, actor, at, dry_run)
        if outcome is None:
            already += 1
        elif isinstance(outcome, Skipped):
            log.warning("retention: case %s skipped: %s", reference, outcome.reason)
            skipped.append(outcome)
        else:
            counts = ", ".join(f"{name} {count}" for name, count in sorted(outcome.counts.items()))
            log.info("retention: %s case %s (%s)", verb, reference, counts)
            done.append(outcome)
    log.info(
        "retention run (%d years after closure, as of %s): %s %d cases, %d already "
        "anonymised, %d skipped",
        policy.years,
        at.isoformat(),
        verb,
        len(done),
        already,
        len(skipped),
    )
    return RetentionReport(policy, at, dry_run, done, already, skipped)


def retention_for_operator(viewer: Acting, *, dry_run: bool) -> RetentionReport | Refusal:
    """``run_retention`` for the operations page: operators only (a refusal is audited)."""
    engine = get_engine()
    at = clock.now(engine)
    with session_scope(engine) as session:
        operator = operator_acting(session, viewer, attempted="retention.run", at=at)
    if isinstance(operator, Refusal):
        return operator
    return run_retention(operator.actor, dry_run=dry_run, now=at)
