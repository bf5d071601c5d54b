"""The compliance report, for any period and authority: timers by rule, sign-offs, consent
overrides, escalations and closures that did not pass the closure gate.

Each section is one set-based query (grouped where it counts) over the cases the viewer may
see: their authorities' own and those shared with them, narrowed to one authority if asked.
Reading changes nothing; the one write is the audit row of a read of override rationales.

- Timers: those falling due in the period, by rule (title and citation from the deadline
  table): met (closed by the due time), late (closed after it) and still open, with how many
  of those are overdue now.
- Sign-offs: every decision recorded in the period, who made it and in what role. The
  rationale is free text and is not part of this section.
- Consent overrides: the safeguarding lead's decisions to work without consent, and consent
  records marked as a safeguarding override. Their rationale may name someone, so it is read
  only when asked for, by the roles in ``RATIONALE_ROLES``, and each case whose rationale is
  shown gets a ``case.personal_data.read`` audit row.
- Escalations: the sweep's ``timer.escalation`` audit rows in the period, per timer, with the
  highest level reached and how long the authority's chain is.
- Closures: a 16/17 case closed by agreement passed the closure gate when the closing step
  recorded the gate's closure facts (``closure_agreed_by``, ``closure_agreement_rule``:
  ``youth_1617_gates.closure_record``, which runs only once ``closure_gate`` let the step
  through). Version 1.0 recorded no such facts; its gate (on ``close_case``) was passed when
  the family, the young person and the team had all agreed. A closed case with neither is
  listed, with what its version's gate says is missing. There should be none in 1.1.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, case, false, func, not_, or_, true
from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from application.case_views import case_filters, chosen_filters
from application.csv_export import csv_text
from application.principals import Acting, audit_refusal
from application.read_log import BASIS as READ_BASIS
from application.read_log import PERSONAL_DATA_READ
from application.report_scope import ReportPeriod, checked_authority
from infrastructure import audit
from models import AuditEvent, Authority, Case, ConsentRecord, Decision, Timer
from pathways.commitments import is_commitment
from pathways.deadlines import RULES
from pathways.definitions import get_definition
from pathways.definitions import youth_1617_gates as gates
from pathways.definitions import youth_1617_rules as rules_1_0
from pathways.definitions.youth_1617 import CLOSURE, YOUTH_1617
from pathways.escalation import chain_levels
from pathways.refusal import Refusal
from pathways.roles import MANAGER_ROLES, Role

REPORT_ROLES: Final[frozenset[Role]] = frozenset({"auditor", "operator", *MANAGER_ROLES})
"""Who reads compliance: auditors (whose report it is), the managers who own the deadlines and
sign-offs of their service, and operators, who reach the same tables from the server's command
line anyway. Practitioners have their case pages and task lists."""
RATIONALE_ROLES: Final[frozenset[Role]] = frozenset(
    {"auditor", "lha-safeguarding-lead", *MANAGER_ROLES}
)
"""Who may read an override's rationale: the safeguarding lead and managers who answer for
the decision, and auditors, for whom the rationale is the evidence that the override was
justified. Not operators: running the service is no reason to read about a child."""
OVERRIDE_DECISION: Final = "consent_override"
ESCALATION_ACTION: Final = "timer.escalation"
RETAINED: Final = "removed under the retention policy"
NOT_SHOWN: Final = "not shown"
NOT_A_READER: Final = Refusal(
    "role_not_held",
    "role: compliance reports are for auditors, operators and managers",
    "role",
)
NOT_ALLOWED_RATIONALE: Final = Refusal(
    "role_not_held",
    "role: an override's rationale may name someone; it is shown to auditors, safeguarding "
    "leads and managers only",
    "role",
)

Gate = Callable[[Mapping[str, Any], Any], str | None]
GATES: Final[Mapping[str, Gate]] = {"1.0": rules_1_0.closure_gate, "1.1": gates.closure_gate}
CLOSURE_FACTS: Final = tuple(gates.closure_record({}, None))
"""What the closing step of version 1.1 records once the gate let it through."""


def closed_by_agreement_steps() -> tuple[str, ...]:
    """The 16/17 steps a case reaches by closing by agreement: the ones the gate guards."""
    definition = get_definition(YOUTH_1617.name, YOUTH_1617.version)
    return tuple(
        name
        for name, step in definition.steps.items()
        if step.terminal and step.citation == CLOSURE
    )


@dataclass(frozen=True)
class RuleCompliance:
    rule_id: str
    title: str
    citation: str
    timers: int
    met: int
    late: int
    """Closed after the due time."""
    still_open: int
    overdue: int
    """Of those still open, how many are past due now."""


@dataclass(frozen=True)
class SignOff:
    case_reference: str
    decided_at: datetime
    kind: str
    outcome: str
    decided_by: str
    role: str


@dataclass(frozen=True)
class ConsentOverride:
    case_reference: str
    at: datetime
    source: str
    purpose: str
    recorded_by: str
    role: str
    rationale: str | None
    """None unless asked for by a role allowed to read it."""


@dataclass(frozen=True)
class Escalation:
    case_reference: str
    timer: str
    rule_id: str
    occurrence: int
    escalations: int
    """How many times the sweep escalated this timer in the period."""
    first_at: datetime
    last_at: datetime
    level: int
    """The highest level reached in the period."""
    chain: str
    chain_levels: int
    top_role: str
    """The role at the level reached."""
    level_now: int
    """Where the timer stands now (``Timer.escalation_level``), later escalations included."""


@dataclass(frozen=True)
class UngatedClosure:
    case_reference: str
    authority_id: str
    version: str
    step: str
    outcome_code: str | None
    closed_at: datetime
    missing: str


@dataclass(frozen=True)
class ComplianceReport:
    period: ReportPeriod
    authority_id: str | None
    scope: str
    generated_at: datetime
    timers: tuple[RuleCompliance, ...]
    sign_offs: tuple[SignOff, ...]
    overrides: tuple[ConsentOverride, ...]
    rationale_shown: bool
    may_read_rationale: bool
    escalations: tuple[Escalation, ...]
    ungated_closures: tuple[UngatedClosure, ...]


def may_view_reports(roles: frozenset[Role]) -> bool:
    return bool(roles & REPORT_ROLES)


def may_read_rationale(roles: frozenset[Role]) -> bool:
    return bool(roles & RATIONALE_ROLES)


def _in_role(viewer: Acting, allowed: frozenset[Role]) -> Acting | None:
    """The viewer acting in one of the allowed roles: their own if it is one, else the first
    they hold (reads depend on who, not on the role chosen)."""
    if viewer.role in allowed:
        return viewer
    held = sorted(viewer.principal.roles & allowed)
    return Acting(viewer.principal, held[0]) if held else None


def report_reader(
    session: Session, viewer: Acting, *, attempted: str, at: datetime
) -> Acting | Refusal:
    """The viewer in a reporting role; a refusal is audited in the caller's transaction."""
    if viewer.principal.is_system:
        return viewer
    reader = _in_role(viewer, REPORT_ROLES)
    if reader is not None:
        return reader
    return audit_refusal(
        session, viewer, NOT_A_READER, attempted=attempted, case_reference=None, at=at
    )


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _timers(
    session: Session, filters: Sequence[ColumnElement[bool]], period: ReportPeriod, now: datetime
) -> tuple[RuleCompliance, ...]:
    closed = col(Timer.status) == "closed"
    overdue = or_(col(Timer.status) == "breached", col(Timer.due_at) <= now)
    statement = (
        select_columns(
            col(Timer.rule_id),
            func.count(),
            _count_if(and_(closed, col(Timer.closed_at) <= col(Timer.due_at))),
            _count_if(and_(closed, col(Timer.closed_at) > col(Timer.due_at))),
            _count_if(not_(closed)),
            _count_if(and_(not_(closed), overdue)),
        )
        .join(Case, col(Case.id) == col(Timer.case_id))
        .where(*filters, col(Timer.due_at) >= period.since, col(Timer.due_at) < period.until)
        .group_by(col(Timer.rule_id))
    )
    order = {rule_id: i for i, rule_id in enumerate(RULES)}
    rows = sorted(
        session.execute(statement), key=lambda row: (order.get(row[0], len(order)), row[0])
    )
    found = []
    for rule_id, *counts in rows:
        rule = RULES.get(rule_id)
        found.append(
            RuleCompliance(
                str(rule_id),
                rule.title if rule else str(rule_id),
                rule.citation if rule else "not in the deadline table",
                *(int(n) for n in counts),
            )
        )
    return tuple(found)


def _sign_offs(
    session: Session, filters: Sequence[ColumnElement[bool]], period: ReportPeriod
) -> tuple[SignOff, ...]:
    statement = (
        select_columns(
            col(Case.reference),
            col(Decision.decided_at),
            col(Decision.kind),
            col(Decision.outcome),
            col(Decision.decided_by),
            col(Decision.role),
        )
        .join(Case, col(Case.id) == col(Decision.case_id))
        .where(
            *filters,
            col(Decision.decided_at) >= period.since,
            col(Decision.decided_at) < period.until,
        )
        .order_by(col(Decision.decided_at), col(Decision.id))
    )
    return tuple(SignOff(*row) for row in session.execute(statement))


def _shown(rationale: str | None) -> str:
    if rationale is None or not rationale.strip():
        return "none recorded"
    return RETAINED if is_commitment(rationale) else rationale


def _overrides(
    session: Session,
    filters: Sequence[ColumnElement[bool]],
    period: ReportPeriod,
    with_rationale: bool,
) -> tuple[ConsentOverride, ...]:
    # The rationale is not even read unless it is to be shown.
    decisions = (
        select_columns(
            col(Case.reference),
            col(Decision.decided_at),
            col(Decision.decided_by),
            col(Decision.role),
            *([col(Decision.rationale)] if with_rationale else []),
        )
        .join(Case, col(Case.id) == col(Decision.case_id))
        .where(
            *filters,
            col(Decision.kind) == OVERRIDE_DECISION,
            col(Decision.decided_at) >= period.since,
            col(Decision.decided_at) < period.until,
        )
    )
    records = (
        select_columns(
            col(Case.reference),
            col(ConsentRecord.recorded_at),
            col(ConsentRecord.recorded_by),
            col(ConsentRecord.recorded_role),
            col(ConsentRecord.purpose),
            *([col(ConsentRecord.override_rationale)] if with_rationale else []),
        )
        .join(Case, col(Case.id) == col(ConsentRecord.case_id))
        .where(
            *filters,
            col(ConsentRecord.safeguarding_override) == true(),
            col(ConsentRecord.recorded_at) >= period.since,
            col(ConsentRecord.recorded_at) < period.until,
        )
    )
    found = [
        ConsentOverride(
            str(reference),
            at,
            "safeguarding lead's decision",
            "every consent still missing",
            str(by),
            str(role),
            _shown(text[0]) if text else None,
        )
        for reference, at, by, role, *text in session.execute(decisions)
    ]
    found += [
        ConsentOverride(
            str(reference),
            at,
            "consent record",
            str(purpose),
            str(by),
            str(role),
            _shown(text[0]) if text else None,
        )
        for reference, at, by, role, purpose, *text in session.execute(records)
    ]
    return tuple(sorted(found, key=lambda row: (row.at, row.case_reference)))


def _escalations(
    session: Session, filters: Sequence[ColumnElement[bool]], period: ReportPeriod
) -> tuple[Escalation, ...]:
    after: Any = col(AuditEvent.after)
    # A subquery, so the grouping is by plain columns: PostgreSQL will not match one JSON
    # expression in GROUP BY to the same expression in SELECT bound with other parameters.
    fired = (
        select_columns(
            col(AuditEvent.case_reference).label("reference"),
            after["timer"].as_string().label("timer"),
            after["occurrence"].as_integer().label("occurrence"),
            after["level"].as_integer().label("level"),
            col(AuditEvent.occurred_at).label("at"),
        )
        .where(
            col(AuditEvent.action) == ESCALATION_ACTION,
            col(AuditEvent.occurred_at) >= period.since,
            col(AuditEvent.occurred_at) < period.until,
        )
        .subquery("fired")
    )
    statement = (
        select_columns(
            fired.c.reference,
            fired.c.timer,
            fired.c.occurrence,
            func.count(),
            func.min(fired.c.at),
            func.max(fired.c.at),
            func.max(fired.c.level),
            col(Timer.rule_id),
            col(Timer.escalation_chain),
            col(Timer.escalation_level),
            col(Case.authority_id),
        )
        .join(Case, col(Case.reference) == fired.c.reference)
        .join(
            Timer,
            and_(
                col(Timer.case_id) == col(Case.id),
                col(Timer.name) == fired.c.timer,
                col(Timer.occurrence) == fired.c.occurrence,
            ),
            isouter=True,
        )
        .where(*filters)
        .group_by(
            fired.c.reference,
            fired.c.timer,
            fired.c.occurrence,
            col(Timer.rule_id),
            col(Timer.escalation_chain),
            col(Timer.escalation_level),
            col(Case.authority_id),
        )
        .order_by(func.min(fired.c.at), fired.c.reference, fired.c.timer)
    )
    rows = session.execute(statement).all()
    stored = dict(
        session.exec(
            select(Authority.id, Authority.escalation_chains).where(
                col(Authority.id).in_(sorted({row[-1] for row in rows}))
            )
        ).all()
    )
    found = []
    for row in rows:
        reference, timer, occurrence, count, first, last, level, rule_id, chain, at, authority = row
        levels = chain_levels(stored.get(authority), chain) if chain else []
        reached = int(level or 0)
        found.append(
            Escalation(
                case_reference=str(reference),
                timer=str(timer),
                rule_id=str(rule_id or ""),
                occurrence=int(occurrence or 0),
                escalations=int(count),
                first_at=first,
                last_at=last,
                level=reached,
                chain=str(chain or "none"),
                chain_levels=len(levels),
                top_role=levels[reached - 1] if 0 < reached <= len(levels) else "not in the chain",
                level_now=int(at or 0),
            )
        )
    return tuple(found)


def _gate_passed() -> ColumnElement[bool]:
    facts: Any = col(Case.facts)
    recorded = and_(*(facts[name].as_string().is_not(None) for name in CLOSURE_FACTS))
    # 1.0 recorded only the agreements themselves; a missing one is not an agreement.
    agreed_1_0 = and_(
        col(Case.definition_version) == "1.0",
        *(
            func.coalesce(facts[name].as_boolean(), false()) == true()
            for name in rules_1_0.CLOSURE_AGREEMENTS
        ),
    )
    return or_(recorded, agreed_1_0)


def _missing(version: str, facts: Mapping[str, Any]) -> str:
    gate = GATES.get(version)
    if gate is None:
        return f"no closure gate is known for version {version}"
    said = gate(facts, None)
    if said is not None:
        return said
    return (
        "the gate's agreements are on the case, but not the closure facts it records "
        f"({', '.join(CLOSURE_FACTS)}): the closing step did not go through the gate"
    )


def _ungated_closures(
    session: Session, filters: Sequence[ColumnElement[bool]], period: ReportPeriod
) -> tuple[UngatedClosure, ...]:
    statement = (
        select_columns(
            col(Case.reference),
            col(Case.authority_id),
            col(Case.definition_version),
            col(Case.state),
            col(Case.outcome_code),
            col(Case.closed_at),
            col(Case.facts),
        )
        .where(
            *filters,
            col(Case.pathway) == YOUTH_1617.name,
            col(Case.status) == "closed",
            col(Case.state).in_(closed_by_agreement_steps()),
            col(Case.closed_at) >= period.since,
            col(Case.closed_at) < period.until,
            not_(_gate_passed()),
        )
        .order_by(col(Case.closed_at), col(Case.id))
    )
    return tuple(
        UngatedClosure(
            reference, authority, version, step, outcome, closed_at, _missing(version, facts or {})
        )
        for reference, authority, version, step, outcome, closed_at, facts in session.execute(
            statement
        )
        if closed_at is not None
    )


def _scope(session: Session, viewer: Acting, authority_id: str | None) -> str:
    names = dict(session.exec(select(Authority.id, Authority.name)).all())
    if authority_id is not None:
        return f"Cases of {names.get(authority_id, authority_id)}, and cases it shares with you."
    if viewer.principal.is_system:
        return "Cases of every authority."
    covered = sorted(names.get(a, a) for a in viewer.principal.covers)
    if not covered:
        return "Cases shared with you."
    return f"Cases of {', '.join(covered)}, and cases shared with them."


def _audit_rationale_read(
    session: Session,
    reader: Acting,
    overrides: Sequence[ConsentOverride],
    view: str,
    at: datetime,
) -> None:
    shown: dict[str, int] = {}
    for row in overrides:
        shown[row.case_reference] = shown.get(row.case_reference, 0) + 1
    audit.record_many(
        session,
        [
            audit.AuditEntry(
                actor=reader.username,
                role=reader.role,
                action=PERSONAL_DATA_READ,
                case_reference=reference,
                after={"view": view, "fields": ["consent override rationale"], "records": count},
                basis=READ_BASIS,
                at=at,
            )
            for reference, count in sorted(shown.items())
        ],
    )


def compliance_report(
    session: Session,
    viewer: Acting,
    period: ReportPeriod,
    now: datetime,
    *,
    authority_id: str | None = None,
    with_rationale: bool = False,
    view: str = "report.compliance",
) -> ComplianceReport | Refusal:
    """Every section over the cases ``viewer`` may see, in ``period``. ``with_rationale`` asks
    for the overrides' rationale (refused, and audited, for a role not allowed it); ``view``
    names where it is shown, for the audit row of that read."""
    reader = report_reader(session, viewer, attempted=view, at=now)
    if isinstance(reader, Refusal):
        return reader
    refused = checked_authority(session, reader, authority_id, attempted=view, at=now)
    if refused is not None:
        return refused
    allowed = reader.principal.is_system or may_read_rationale(reader.principal.roles)
    if with_rationale and not allowed:
        return audit_refusal(
            session, reader, NOT_ALLOWED_RATIONALE, attempted=view, case_reference=None, at=now
        )
    filters = case_filters(reader.principal, None, None) + chosen_filters(None, authority_id)
    overrides = _overrides(session, filters, period, with_rationale)
    if with_rationale:
        rationale_reader = _in_role(reader, RATIONALE_ROLES) or reader
        _audit_rationale_read(session, rationale_reader, overrides, view, now)
    return ComplianceReport(
        period=period,
        authority_id=authority_id,
        scope=_scope(session, reader, authority_id),
        generated_at=now,
        timers=_timers(session, filters, period, now),
        sign_offs=_sign_offs(session, filters, period),
        overrides=overrides,
        rationale_shown=with_rationale,
        may_read_rationale=allowed,
        escalations=_escalations(session, filters, period),
        ungated_closures=_ungated_closures(session, filters, period),
    )


# Each section as CSV


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    headings: tuple[str, ...]
    rows: Callable[[ComplianceReport], list[tuple[object, ...]]]


def _timer_rows(report: ComplianceReport) -> list[tuple[object, ...]]:
    return [
        (r.rule_id, r.title, r.citation, r.timers, r.met, r.late, r.still_open, r.overdue)
        for r in report.timers
    ]


def _sign_off_rows(report: ComplianceReport) -> list[tuple[object, ...]]:
    return [
        (s.case_reference, s.decided_at, s.kind, s.outcome, s.decided_by, s.role)
        for s in report.sign_offs
    ]


def _override_rows(report: ComplianceReport) -> list[tuple[object, ...]]:
    return [
        (
            o.case_reference,
            o.at,
            o.source,
            o.purpose,
            o.recorded_by,
            o.role,
            NOT_SHOWN if o.rationale is None else o.rationale,
        )
        for o in report.overrides
    ]


def _escalation_rows(report: ComplianceReport) -> list[tuple[object, ...]]:
    return [
        (
            e.case_reference,
            e.timer,
            e.rule_id,
            e.occurrence,
            e.escalations,
            e.first_at,
            e.last_at,
            e.level,
            e.chain,
            e.chain_levels,
            e.top_role,
            e.level_now,
        )
        for e in report.escalations
    ]


def _closure_rows(report: ComplianceReport) -> list[tuple[object, ...]]:
    return [
        (
            c.case_reference,
            c.authority_id,
            c.version,
            c.step,
            c.outcome_code,
            c.closed_at,
            c.missing,
        )
        for c in report.ungated_closures
    ]


SECTIONS: Final[Mapping[str, Section]] = {
    section.key: section
    for section in (
        Section(
            "timers",
            "Timer compliance by rule",
            ("rule", "title", "citation", "timers", "met", "late", "still_open", "overdue_now"),
            _timer_rows,
        ),
        Section(
            "sign-offs",
            "Sign-offs and decisions",
            ("case", "decided_at", "decision", "outcome", "decided_by", "role"),
            _sign_off_rows,
        ),
        Section(
            "consent-overrides",
            "Consent overrides",
            ("case", "at", "source", "purpose", "recorded_by", "role", "rationale"),
            _override_rows,
        ),
        Section(
            "escalations",
            "Escalations",
            (
                "case",
                "timer",
                "rule",
                "occurrence",
                "escalations",
                "first_at",
                "last_at",
                "level_reached",
                "chain",
                "chain_levels",
                "role_reached",
                "level_now",
            ),
            _escalation_rows,
        ),
        Section(
            "closures",
            "Closures that did not pass the closure gate",
            ("case", "authority", "version", "step", "outcome", "closed_at", "missing"),
            _closure_rows,
        ),
    )
}


def section_csv(report: ComplianceReport, key: str) -> str:
    """One section as CSV; KeyError for a section that does not exist."""
    section = SECTIONS[key]
    return csv_text(section.headings, section.rows(report))
