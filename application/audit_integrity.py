"""Is the audit trail intact? The chain, its anchors outside the database, and the case records
it covers, checked together and the first problem named.

- The chain (``infrastructure.audit.verify_chain``): every row's hash, link and scheme, and the
  head.
- The anchors (``pathways.audit_anchors``): every (id, hash) a sweep wrote to the anchor file
  still holds, so rows *and* head rewritten before the latest anchor are caught.
- The case records: each live case, person, event, step, decision and consent, timer,
  notification (and its settled delivery), share and assignment matches the digest the newest
  audit event covering it recorded (``application.audit_coverage``); a record no event
  covers, or a covered record that is gone, is named. Cases but no chain is a wiped chain. A
  pending event is covered once applied or rejected, a delivery once it settles.

``chain_status(session, ref)`` checks one case: its rows, their links to the rows either side,
the head, the latest anchor and the case's records, without reading the whole chain.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from application.audit_coverage import live_digests
from application.cases import load_case
from application.operations import operator_acting
from application.principals import Acting
from infrastructure import audit
from infrastructure.audit_anchors import database_id, latest_anchor, read_anchors
from infrastructure.audit_keys import CommitmentKeyError, keyring
from models import (
    AuditEvent,
    AuditHead,
    Case,
    CaseAssignment,
    CaseEvent,
    CaseShare,
    CaseStep,
    ConsentRecord,
    Decision,
    Notification,
    Person,
    Timer,
)
from pathways.audit_anchors import Anchor, AnchorLog, check_anchors
from pathways.audit_keys import Keyring, KeySequence
from pathways.operational_coverage import (
    DELIVERY,
    IN_FLIGHT,
    OPERATIONAL,
    SCOPE_KEY,
    scope_tables,
)
from pathways.refusal import Refusal

BATCH: Final = 500
OPENED: Final = ".case.created"
"""How the action of a case's opening event ends (application.cases._write_new_case)."""
CASE_RECORDS: Final = (
    (Person, col(Person.case_id), col(Person.id)),
    (CaseEvent, col(CaseEvent.case_id), col(CaseEvent.id)),
    (CaseStep, col(CaseStep.case_id), col(CaseStep.id)),
    (Decision, col(Decision.case_id), col(Decision.id)),
    (ConsentRecord, col(ConsentRecord.case_id), col(ConsentRecord.id)),
    (Timer, col(Timer.case_id), col(Timer.id)),
    (Notification, col(Notification.case_id), col(Notification.id)),
    (CaseShare, col(CaseShare.case_id), col(CaseShare.id)),
    (CaseAssignment, col(CaseAssignment.case_id), col(CaseAssignment.id)),
)
"""Every covered table but the case itself (application.audit_coverage.TABLES)."""

"""Cases whose records are checked together: bounded memory however large the database."""


@dataclass(frozen=True)
class ChainStatus:
    ok: bool
    checked: int
    """Audit events verified (before the first bad one)."""
    problem: str = ""
    first_bad_id: int | None = None
    """The audit event named, when the problem is one (None for a missing head or a record)."""
    record: str | None = None
    """The case record named, e.g. ``casestep 12``, when the problem is one."""
    anchors: int = 0
    """Anchors of this database the chain was checked against."""
    legacy_cases: int = 0
    """Cases opened before the chain covered case records, or before it covered timers,
    notifications, shares and assignments (``pathways.operational_coverage``): only their
    records written since (which carry digests) are checked."""

    @property
    def bad_row(self) -> str | None:
        if self.record is not None:
            return self.record
        return None if self.first_bad_id is None else f"event {self.first_bad_id}"


@dataclass
class _Found:
    problem: str
    first_bad_id: int | None = None
    record: str | None = None


@dataclass
class _Coverage:
    found: _Found | None = None
    legacy: int = 0


def _snapshot(session: Session) -> None:
    """One consistent view for the whole check: rows written meanwhile are not half-seen."""
    if not session.in_transaction() and session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _label(key: str) -> str:
    table, _, record_id = key.partition(":")
    if table == DELIVERY:
        return f"notification {record_id} (delivery)"
    return f"{table} {record_id}"


def _case_records(session: Session, case_ids: Sequence[int]) -> dict[int, list[SQLModel]]:
    found: dict[int, list[SQLModel]] = {case_id: [] for case_id in case_ids}
    for model, case_id, record_id in CASE_RECORDS:
        rows = session.exec(
            select(case_id, model).where(case_id.in_(case_ids)).order_by(record_id)
        ).all()
        for owner, row in rows:
            found[int(owner or 0)].append(row)  # never None: selected by case
    return found


@dataclass
class _Audited:
    references: set[str]
    """Cases with any audit event."""
    opened_with_digests: set[str]
    """Cases whose opening event carried digests: every record of theirs must have one."""
    digests: dict[str, dict[str, tuple[str, int]]]
    """reference -> record key -> (its newest digest, the event that recorded it)."""
    scoped: dict[str, frozenset[str]] = field(default_factory=dict)
    """reference -> the operational tables its opening event says are covered since."""


def _latest_digests(session: Session, references: Sequence[str]) -> _Audited:
    rows = session.exec(
        select(AuditEvent.id, AuditEvent.case_reference, AuditEvent.action, AuditEvent.covers)
        .where(col(AuditEvent.case_reference).in_(references))
        .order_by(col(AuditEvent.id))
    ).all()
    found = _Audited(set(), set(), {})
    for event_id, reference, action, covered in rows:
        found.references.add(str(reference))
        if action.endswith(OPENED) and covered:
            found.opened_with_digests.add(str(reference))
        for key, digest in (covered or {}).items():
            if key == SCOPE_KEY:
                if action.endswith(OPENED):
                    found.scoped[str(reference)] = scope_tables(digest)
                continue
            found.digests.setdefault(str(reference), {})[key] = (digest, event_id or 0)
    return found


def _unrequired(key: str, in_flight: bool, every: bool, scope: frozenset[str]) -> bool:
    """Whether a live record may lack a digest: one of a table covered only since after the
    case opened, or one in flight (a submitted event, a notification not yet settled)."""
    table = key.partition(":")[0]
    if table in OPERATIONAL:
        return table not in scope or in_flight
    return not every or in_flight


def _live(case: Case, records: list[SQLModel]) -> Iterable[tuple[str, str, bool]]:
    """Each live record's keys and digests, and whether it is in flight: a submitted event
    is covered once it is applied or rejected, a delivery once it settles."""
    for record in (case, *records):
        pending = isinstance(record, CaseEvent) and record.status == "pending"
        for key, digest in live_digests(record, case.pii_salt):
            yield key, digest, pending or digest == IN_FLIGHT


def _check_case(
    case: Case,
    records: list[SQLModel],
    digests: dict[str, tuple[str, int]],
    *,
    every: bool,
    scope: frozenset[str] = frozenset(),
) -> _Found | None:
    """``every``: each case record must have a digest; else only those that have one are
    checked (a case opened before digests: its older records were written without). ``scope``:
    the operational tables each of whose records must have one (``_unrequired``)."""
    live: set[str] = set()
    for key, digest, in_flight in _live(case, records):
        live.add(key)
        recorded = digests.get(key)
        if recorded is None:
            if _unrequired(key, in_flight, every, scope):
                continue
            return _Found(
                f"{_label(key)} of case {case.reference} is covered by no audit event: "
                "it was written behind the service's back",
                record=_label(key),
            )
        if recorded[0] != digest:
            return _Found(
                f"{_label(key)} of case {case.reference} does not match the digest audit event "
                f"{recorded[1]} recorded: it was changed behind the service's back",
                recorded[1],
                _label(key),
            )
    for key, (_, event_id) in sorted(digests.items(), key=lambda item: item[1][1]):
        if key not in live:
            return _Found(
                f"{_label(key)} of case {case.reference} is gone: audit event {event_id} "
                "recorded it",
                event_id,
                _label(key),
            )
    return None


def _check_cases(session: Session, cases: Sequence[Case]) -> _Coverage:
    audited = _latest_digests(session, [case.reference for case in cases])
    records = _case_records(session, [case.id or 0 for case in cases])
    coverage = _Coverage()
    for case in cases:
        if case.reference not in audited.references:
            coverage.found = _Found(
                f"case {case.reference} has no audit event: its rows were deleted, or the case "
                "was written behind the service's back",
                record=f"case {case.id}",
            )
            return coverage
        every = case.reference in audited.opened_with_digests
        scope = audited.scoped.get(case.reference, frozenset())
        coverage.legacy += not every or scope != frozenset(OPERATIONAL)
        mine = audited.digests.get(case.reference, {})
        try:
            coverage.found = _check_case(
                case, records[case.id or 0], mine, every=every, scope=scope
            )
        except CommitmentKeyError as missing:
            coverage.found = _Found(f"case {case.reference}: {missing}", record=f"case {case.id}")
        if coverage.found is not None:
            return coverage
    return coverage


def _batches(session: Session) -> Iterable[list[Case]]:
    last_id = 0
    while True:
        batch = list(
            session.exec(
                select(Case).where(col(Case.id) > last_id).order_by(col(Case.id)).limit(BATCH)
            ).all()
        )
        if not batch:
            return
        yield batch
        last_id = batch[-1].id or 0


def _deleted_case(session: Session) -> _Found | None:
    """A case the chain covers whose row is gone."""
    live = select(Case.reference)
    row = session.exec(
        select(AuditEvent.id, AuditEvent.case_reference)
        .where(
            col(AuditEvent.covers).is_not(None),
            col(AuditEvent.case_reference).is_not(None),
            col(AuditEvent.case_reference).not_in(live),
        )
        .order_by(col(AuditEvent.id))
        .limit(1)
    ).first()
    if row is None:
        return None
    event_id, reference = row
    return _Found(
        f"case {reference} is gone: audit event {event_id} recorded its records", event_id
    )


def _anchor_problem(
    session: Session, log: AnchorLog, database: str, only_latest: bool
) -> tuple[_Found | None, int]:
    if log.problem is not None:
        return _Found(log.problem), 0
    anchors: list[Anchor] = log.of(database)
    if only_latest:
        anchors = sorted(anchors, key=lambda anchor: anchor.seq)[-1:]
    ids = sorted({anchor.seq for anchor in anchors if anchor.seq})
    hashes: dict[int, str] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        rows = session.exec(
            select(AuditEvent.id, AuditEvent.hash).where(col(AuditEvent.id).in_(chunk))
        ).all()
        hashes.update({event_id or 0: event_hash for event_id, event_hash in rows})
    chain_end = session.exec(select(func.max(AuditEvent.id))).one() or 0
    broken = check_anchors(anchors, hashes, int(chain_end))
    if broken is None:
        return None, len(anchors)
    return _Found(broken.problem, broken.event_id), len(anchors)


def _whole_chain(session: Session, log: AnchorLog, database: str) -> ChainStatus:
    report = audit.verify_chain(session)
    if not report.ok:
        return ChainStatus(False, report.checked, report.problem, report.first_bad_id)
    found, anchored = _anchor_problem(session, log, database, only_latest=False)
    if found is not None:
        return ChainStatus(False, report.checked, found.problem, found.first_bad_id, None, anchored)
    if report.checked == 0:
        cases = session.exec(select(func.count()).select_from(Case)).one()
        if cases:
            return ChainStatus(
                False,
                0,
                f"the chain is empty but {cases} cases exist: every row was deleted and the "
                "head reset",
                anchors=anchored,
            )
    legacy = 0
    for batch in _batches(session):
        coverage = _check_cases(session, batch)
        legacy += coverage.legacy
        if coverage.found is not None:
            return _failed(report.checked, coverage.found, anchored, legacy)
    deleted = _deleted_case(session)
    if deleted is not None:
        return _failed(report.checked, deleted, anchored, legacy)
    return ChainStatus(True, report.checked, anchors=anchored, legacy_cases=legacy)


def _failed(checked: int, found: _Found, anchored: int, legacy: int) -> ChainStatus:
    return ChainStatus(
        False, checked, found.problem, found.first_bad_id, found.record, anchored, legacy
    )


def _link_problem(
    event: AuditEvent,
    before: AuditEvent | None,
    after: AuditEvent | None,
    head: AuditHead,
    ring: Keyring,
) -> _Found | None:
    """One row checked on its own and against its neighbours and the head."""
    event_id = event.id or 0
    signers = KeySequence(ring.current_id)
    if before is not None:
        # Only the step from the row before is seen here; the whole chain's check sees all.
        signers.step(event_id - 1, audit.check_row(before, ring).signer)
    row = audit.check_row(event, ring)
    problem = row.problem or signers.step(event_id, row.signer)
    if problem is not None:
        return _Found(problem, event_id)
    if event_id > 1 and before is None:
        return _Found(f"event {event_id - 1} is missing (before event {event_id})", event_id - 1)
    expected_prev = audit.GENESIS_HASH if before is None else before.hash
    if event.prev_hash != expected_prev:
        return _Found("prev_hash does not match the event before", event_id)
    if after is not None:
        if after.prev_hash != event.hash:
            return _Found(f"event {event_id + 1} does not link to event {event_id}", event_id + 1)
        return None
    if head.last_event_id > event_id:
        return _Found(f"event {event_id + 1} is missing (after event {event_id})", event_id + 1)
    if (head.last_event_id, head.last_hash) != (event_id, event.hash):
        return _Found(
            f"chain ends at event {event_id} but the head records event {head.last_event_id}",
            event_id,
        )
    return None


def _newest_problem(newest: AuditEvent | None, ring: Keyring) -> str | None:
    """Whether the chain's newest row is signed with the current key, as the service signs."""
    if newest is None:
        return None
    row = audit.check_row(newest, ring)
    if row.problem is not None:
        return row.problem
    signers = KeySequence(ring.current_id)
    signers.step(newest.id or 0, row.signer)
    return signers.newest_problem(newest.id or 0)


def _one_case(session: Session, reference: str, log: AnchorLog, database: str) -> ChainStatus:
    case = load_case(session, reference)
    head = session.get(AuditHead, 1)
    if head is None:
        return ChainStatus(False, 0, "head row missing")
    events = list(
        session.exec(
            select(AuditEvent)
            .where(AuditEvent.case_reference == case.reference)
            .order_by(col(AuditEvent.id))
        ).all()
    )
    ids = [event.id or 0 for event in events]
    around = {event_id - 1 for event_id in ids} | {event_id + 1 for event_id in ids}
    neighbours: dict[int, AuditEvent] = {}
    wanted = sorted(around - set(ids))
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        for row in session.exec(select(AuditEvent).where(col(AuditEvent.id).in_(chunk))).all():
            neighbours[row.id or 0] = row
    neighbours.update({event.id or 0: event for event in events})
    ring = keyring()
    for checked, event in enumerate(events):
        event_id = event.id or 0
        found = _link_problem(
            event, neighbours.get(event_id - 1), neighbours.get(event_id + 1), head, ring
        )
        if found is not None:
            return _failed(checked, found, 0, 0)
    newest = session.get(AuditEvent, head.last_event_id) if head.last_event_id else None
    stale = _newest_problem(newest, ring)
    if stale is not None and newest is not None:
        return ChainStatus(False, len(events), stale, newest.id)
    found, anchored = _anchor_problem(session, log, database, only_latest=True)
    if found is not None:
        return _failed(len(events), found, anchored, 0)
    coverage = _check_cases(session, [case])
    if coverage.found is not None:
        return _failed(len(events), coverage.found, anchored, coverage.legacy)
    return ChainStatus(True, len(events), anchors=anchored, legacy_cases=coverage.legacy)


def chain_status(
    session: Session, case_reference: str | None = None, *, anchors: AnchorLog | None = None
) -> ChainStatus:
    """The whole trail's status, or one case's (raises CaseNotFoundError for an unknown one).

    ``anchors`` defaults to the configured anchor file: all of it for the whole trail, its
    newest anchor of this database for one case.
    """
    _snapshot(session)
    database = database_id(session.get_bind().engine.url)
    if case_reference is None:
        log = anchors if anchors is not None else read_anchors()
        return _whole_chain(session, log, database)
    log = anchors if anchors is not None else latest_anchor(database)
    return _one_case(session, case_reference, log, database)


def verify_for_operator(session: Session, viewer: Acting, at: datetime) -> ChainStatus | Refusal:
    """The whole trail's status, for the operations page: operators only (refusal audited)."""
    operator = operator_acting(session, viewer, attempted="audit.verify", at=at)
    if isinstance(operator, Refusal):
        return operator
    return chain_status(session)
