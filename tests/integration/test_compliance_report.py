"""The compliance report over rows written straight to the database, so every figure is known:
timers by rule (met, late, still open) on the period's London-day boundaries, sign-offs,
consent overrides with their rationale only for the roles allowed (that read audited),
escalations and how far up the chain they went, closures that did not pass the gate, each
section's CSV, and a reader who changes nothing but the audit rows of what they read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from application.compliance import (
    SECTIONS,
    ComplianceReport,
    closed_by_agreement_steps,
    compliance_report,
    section_csv,
)
from application.principals import Acting
from application.report_scope import ReportPeriod, report_period
from infrastructure import audit
from models import AuditEvent, Authority, Case, ConsentRecord, Decision, Timer
from pathways.commitments import commit
from pathways.deadlines import RULES
from pathways.principal import Principal
from pathways.refusal import Refusal
from pathways.roles import Role
from pathways.vocabulary import TimerStatus

NOW: Final = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
Q1: Final = ReportPeriod(date(2026, 1, 1), date(2026, 3, 31))
DAY: Final = timedelta(days=1)
CANARY: Final = "Zebedee Canarywharf"
CHAINS: Final = {
    "lha": ["lha-senior-officer", "lha-service-manager"],
    "lha_top": "housing-director",
    "ics": ["ics-team-manager", "ics-service-manager", "ics-assistant-director"],
}


def person(role: Role, authority_id: str = "dartford", *more: Role) -> Acting:
    principal = Principal(
        username=f"{role}.{authority_id}",
        display_name=role,
        roles=frozenset({role, *more}),
        authority_id=authority_id,
        team=None,
        covers=frozenset({authority_id}),
    )
    return Acting(principal, role)


AUDITOR = person("auditor")
OPERATOR = person("operator")
MANAGER = person("lha-service-manager")
OFFICER = person("lha-housing-officer")


class Data:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0
        for authority_id in ("dartford", "swale"):
            session.add(
                Authority(
                    id=authority_id,
                    name=authority_id.title(),
                    kind="district",
                    children_services_authority="kcc",
                    escalation_chains=CHAINS,
                )
            )
        session.flush()

    def case(
        self,
        authority_id: str = "dartford",
        *,
        version: str = "1.1",
        state: str = "support_package",
        outcome: str | None = None,
        closed_at: datetime | None = None,
        facts: dict[str, Any] | None = None,
    ) -> Case:
        self.count += 1
        row = Case(
            reference=f"JP-TEST-{self.count:04d}",
            pathway="youth-1617-intake",
            definition_version=version,
            authority_id=authority_id,
            state=state,
            status="open" if closed_at is None else "closed",
            outcome_code=outcome,
            facts=facts or {},
            opened_at=datetime(2025, 12, 1, tzinfo=UTC),
            closed_at=closed_at,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def timer(
        self,
        case: Case,
        rule_id: str,
        due_at: datetime,
        status: TimerStatus = "open",
        closed_at: datetime | None = None,
        *,
        name: str | None = None,
        chain: str | None = None,
        level: int = 0,
    ) -> None:
        self.session.add(
            Timer(
                case_id=case.id or 0,
                name=name or rule_id.replace("-", "_"),
                rule_id=rule_id,
                citation="test",
                owner_team="lha",
                started_at=due_at - 10 * DAY,
                due_at=due_at,
                status=status,
                closed_at=closed_at,
                escalation_chain=chain,
                escalation_level=level,
            )
        )

    def decision(self, case: Case, kind: str, at: datetime, rationale: str = "") -> None:
        self.session.add(
            Decision(
                case_id=case.id or 0,
                kind=kind,
                outcome="agreed",
                decided_by="senior.one",
                role="lha-senior-officer",
                rationale=rationale,
                decided_at=at,
            )
        )

    def escalation(self, case: Case, timer: str, level: int, at: datetime) -> None:
        audit.record(
            self.session,
            actor="timer-sweep",
            role="system",
            action="timer.escalation",
            case_reference=case.reference,
            before={"timer": timer, "occurrence": 1, "level": level - 1},
            after={"timer": timer, "occurrence": 1, "level": level},
            basis="relief-duty",
            at=at,
        )


def populate(data: Data) -> dict[str, str]:
    """Dartford's cases, one Swale case Dartford cannot see, and rows just outside Q1."""
    visits = data.case()
    at = datetime(2026, 2, 10, 9, tzinfo=UTC)
    # Joint visits due in Q1: two met (one on its due moment), one late, one breached, one
    # past due and not yet swept (overdue), one still running and not due.
    data.timer(visits, "joint-visit-1617", at, "closed", at - DAY)
    data.timer(visits, "joint-visit-1617", at, "closed", at)
    data.timer(visits, "joint-visit-1617", at, "closed", at + DAY)
    data.timer(visits, "joint-visit-1617", at, "breached")
    data.timer(visits, "joint-visit-1617", NOW - DAY, "warned")
    data.timer(visits, "joint-visit-1617", NOW + 3 * DAY)
    # The period ends at midnight London time, which is BST by 31 March: 23:30 BST is in it,
    # 00:30 BST on 1 April is not; 23:30 GMT on 31 December is not either.
    data.timer(visits, "prevention-duty", datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "closed", NOW)
    data.timer(visits, "prevention-duty", datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    data.timer(visits, "prevention-duty", datetime(2025, 12, 31, 23, 30, tzinfo=UTC))

    data.decision(visits, "closure", datetime(2026, 1, 5, tzinfo=UTC))
    data.decision(visits, "s20", datetime(2026, 2, 1, tzinfo=UTC))
    data.decision(visits, "closure", datetime(2025, 12, 30, tzinfo=UTC))  # before Q1
    data.decision(visits, "consent_override", datetime(2026, 2, 2, tzinfo=UTC), f"{CANARY} said")
    retained = data.case()
    data.decision(
        retained, "consent_override", datetime(2026, 2, 3, tzinfo=UTC), commit("x", "salt")
    )
    data.session.add(
        ConsentRecord(
            case_id=visits.id or 0,
            purpose="s17_assessment",
            given=False,
            safeguarding_override=True,
            override_rationale=f"{CANARY} at risk",
            recorded_by="lead.one",
            recorded_role="lha-safeguarding-lead",
            recorded_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )
    data.session.add(
        ConsentRecord(
            case_id=visits.id or 0,
            purpose="s17_assessment",
            given=True,
            recorded_by="worker.one",
            recorded_role="lha-housing-officer",
            recorded_at=datetime(2026, 3, 1, tzinfo=UTC),
        )
    )

    relief = data.case()
    data.timer(relief, "relief-duty", NOW - 20 * DAY, "breached", chain="lha", level=3)
    data.escalation(relief, "relief_duty", 1, datetime(2025, 12, 20, tzinfo=UTC))  # before Q1
    data.escalation(relief, "relief_duty", 2, datetime(2026, 2, 20, tzinfo=UTC))
    data.escalation(relief, "relief_duty", 3, datetime(2026, 3, 2, tzinfo=UTC))

    closed = datetime(2026, 2, 14, tzinfo=UTC)
    agreed = {"family_asked_to_stop": True, "young_person_asked_to_stop": True}
    gated = {**agreed, "lha_manager_agreed_closure": True, "ics_manager_agreed_closure": True}
    record = {"closure_agreed_by": ["housing", "childrens"], "closure_agreement_rule": "x"}
    data.case(state="closed", outcome="O2", closed_at=closed, facts={**gated, **record})
    data.case(state="closed", outcome="O1", closed_at=closed, facts=agreed)  # no team, no record
    data.case(state="assistance_rejected", outcome="O5b", closed_at=closed, facts=gated)
    v10 = {**agreed, "team_agreed_closure": True}
    data.case(version="1.0", state="closed", outcome="O2", closed_at=closed, facts=v10)
    data.case(version="1.0", state="assistance_rejected", outcome="O5", closed_at=closed)
    data.case(state="transferred", outcome="O4", closed_at=closed)  # a transfer is not a stop
    data.case(state="closed", outcome="O1", closed_at=datetime(2025, 12, 1, tzinfo=UTC))

    hidden = data.case("swale", state="closed", outcome="O1", closed_at=closed)
    data.timer(hidden, "joint-visit-1617", at, "breached")
    data.decision(hidden, "closure", at)
    data.escalation(hidden, "joint_visit", 1, at)
    data.session.flush()
    return {"visits": visits.reference, "retained": retained.reference, "relief": relief.reference}


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as session:
        yield session


@pytest.fixture
def refs(session: Session) -> dict[str, str]:
    return populate(Data(session))


def report_of(session: Session, viewer: Acting, **kwargs: Any) -> ComplianceReport:
    found = compliance_report(session, viewer, Q1, NOW, **kwargs)
    assert not isinstance(found, Refusal), found
    return found


def test_timers_by_rule_count_met_late_and_still_open_on_london_days(
    session: Session, refs: dict[str, str]
) -> None:
    timers = report_of(session, AUDITOR).timers

    found = {r.rule_id: (r.timers, r.met, r.late, r.still_open, r.overdue) for r in timers}
    assert found == {
        "joint-visit-1617": (6, 2, 1, 3, 2),
        "prevention-duty": (1, 1, 0, 0, 0),
        "relief-duty": (1, 0, 0, 1, 1),
    }
    assert [r.rule_id for r in timers] == [r for r in RULES if r in found]
    assert timers[0].title == RULES["joint-visit-1617"].title
    assert timers[0].citation == RULES["joint-visit-1617"].citation


def test_sign_offs_list_who_gave_each_in_the_period(session: Session, refs: dict[str, str]) -> None:
    sign_offs = report_of(session, AUDITOR).sign_offs

    assert [(s.case_reference, s.kind, s.decided_by, s.role) for s in sign_offs] == [
        (refs["visits"], "closure", "senior.one", "lha-senior-officer"),
        (refs["visits"], "s20", "senior.one", "lha-senior-officer"),
        (refs["visits"], "consent_override", "senior.one", "lha-senior-officer"),
        (refs["retained"], "consent_override", "senior.one", "lha-senior-officer"),
    ]


def test_overrides_hide_their_rationale_until_asked(session: Session, refs: dict[str, str]) -> None:
    before = _audit_count(session)
    report = report_of(session, AUDITOR)

    assert [(o.case_reference, o.source, o.rationale) for o in report.overrides] == [
        (refs["visits"], "safeguarding lead's decision", None),
        (refs["retained"], "safeguarding lead's decision", None),
        (refs["visits"], "consent record", None),
    ]
    assert report.may_read_rationale and not report.rationale_shown
    assert CANARY not in section_csv(report, "consent-overrides")
    assert _audit_count(session) == before


def test_an_auditor_reads_the_rationale_and_each_case_read_is_audited(
    session: Session, refs: dict[str, str]
) -> None:
    report = report_of(session, AUDITOR, with_rationale=True, view="test view")

    assert [o.rationale for o in report.overrides] == [
        f"{CANARY} said",
        "removed under the retention policy",
        f"{CANARY} at risk",
    ]
    reads = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.action) == "case.personal_data.read")
        .order_by(col(AuditEvent.id))
    ).all()
    assert [(e.actor, e.role, e.case_reference, e.after) for e in reads] == [
        (
            "auditor.dartford",
            "auditor",
            reference,
            {"view": "test view", "fields": ["consent override rationale"], "records": count},
        )
        for reference, count in sorted([(refs["retained"], 1), (refs["visits"], 2)])
    ]
    rows = list(csv.reader(io.StringIO(section_csv(report, "consent-overrides"))))
    assert rows[0] == list(SECTIONS["consent-overrides"].headings)
    assert [row[-1] for row in rows[1:]] == [o.rationale for o in report.overrides]
    assert all(CANARY not in str(e.after) for e in reads)


def test_escalations_say_how_far_up_the_chain_each_went(
    session: Session, refs: dict[str, str]
) -> None:
    (escalation,) = report_of(session, MANAGER).escalations

    assert escalation.case_reference == refs["relief"]
    assert (escalation.timer, escalation.rule_id, escalation.escalations) == (
        "relief_duty",
        "relief-duty",
        2,
    )
    assert (escalation.level, escalation.chain, escalation.chain_levels) == (3, "lha", 3)
    assert (escalation.top_role, escalation.level_now) == ("housing-director", 3)
    assert escalation.first_at == datetime(2026, 2, 20, tzinfo=UTC)
    assert escalation.last_at == datetime(2026, 3, 2, tzinfo=UTC)


def test_closures_without_the_gate_are_listed_with_what_is_missing(
    session: Session, refs: dict[str, str]
) -> None:
    closures = report_of(session, AUDITOR).ungated_closures

    assert closed_by_agreement_steps() == ("closed", "assistance_rejected")
    assert [(c.version, c.step, c.outcome_code) for c in closures] == [
        ("1.1", "closed", "O1"),
        ("1.1", "assistance_rejected", "O5b"),
        ("1.0", "assistance_rejected", "O5"),
    ]
    assert closures[0].missing.endswith(
        "still missing: an LHA manager agreeing to close, a children's services manager "
        "agreeing to close"
    )
    assert "closure facts it records (closure_agreed_by, closure_agreement_rule)" in (
        closures[1].missing
    )
    assert "the team agreeing to close" in closures[2].missing


def test_each_section_downloads_as_csv_with_its_headings_and_rows(
    session: Session, refs: dict[str, str]
) -> None:
    report = report_of(session, AUDITOR)

    for key, section in SECTIONS.items():
        rows = list(csv.reader(io.StringIO(section_csv(report, key))))
        assert rows[0] == list(section.headings), key
        assert len(rows) - 1 == len(section.rows(report)), key
    timers = list(csv.DictReader(io.StringIO(section_csv(report, "timers"))))
    assert timers[0] == {
        "rule": "joint-visit-1617",
        "title": RULES["joint-visit-1617"].title,
        "citation": RULES["joint-visit-1617"].citation,
        "timers": "6",
        "met": "2",
        "late": "1",
        "still_open": "3",
        "overdue_now": "2",
    }
    (escalation,) = csv.DictReader(io.StringIO(section_csv(report, "escalations")))
    assert escalation["first_at"] == "2026-02-20T00:00:00+00:00"
    assert escalation["role_reached"] == "housing-director"


def test_one_authority_another_unknown_someone_who_may_not_read_and_the_rationale(
    session: Session, refs: dict[str, str]
) -> None:
    only = report_of(session, AUDITOR, authority_id="dartford")
    assert only.timers == report_of(session, AUDITOR).timers

    other = compliance_report(session, AUDITOR, Q1, NOW, authority_id="swale")
    assert isinstance(other, Refusal) and other.http_status == 403
    assert other.reason.startswith("authority: 'auditor.dartford' reports only on")
    unknown = compliance_report(session, AUDITOR, Q1, NOW, authority_id="atlantis")
    assert isinstance(unknown, Refusal) and unknown.field == "authority"
    assert unknown.http_status == 422

    refused = compliance_report(session, OFFICER, Q1, NOW)
    assert isinstance(refused, Refusal) and refused.http_status == 403
    assert _last_action(session) == "principal.refused.role_not_held"

    # An operator reads the report, but an override's rationale is not for them.
    assert not report_of(session, OPERATOR).may_read_rationale
    no_rationale = compliance_report(session, OPERATOR, Q1, NOW, with_rationale=True)
    assert isinstance(no_rationale, Refusal) and no_rationale.http_status == 403
    assert "shown to auditors, safeguarding leads and managers" in no_rationale.reason
    assert _last_action(session) == "principal.refused.role_not_held"


def test_a_period_must_run_forwards() -> None:
    backwards = report_period(date(2026, 3, 31), date(2026, 1, 1))
    assert isinstance(backwards, Refusal) and backwards.field == "to"
    assert report_period(date(2026, 1, 1), date(2026, 1, 1)) == ReportPeriod(
        date(2026, 1, 1), date(2026, 1, 1)
    )


def test_reading_every_section_changes_nothing_but_the_audit_of_the_read(
    session: Session, refs: dict[str, str]
) -> None:
    session.commit()
    before = _table_counts(session)
    first_new = _audit_count(session) + 1

    report_of(session, AUDITOR, with_rationale=True)
    session.commit()

    after = _table_counts(session)
    changed = {name for name in before if before[name] != after[name]}
    assert changed <= {"auditevent"}
    new = session.exec(select(AuditEvent.action).where(col(AuditEvent.id) >= first_new)).all()
    assert set(new) == {"case.personal_data.read"}


def _audit_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


def _last_action(session: Session) -> str:
    return session.exec(select(AuditEvent.action).order_by(col(AuditEvent.id).desc())).first() or ""


def _table_counts(session: Session) -> dict[str, Any]:
    """Every table's rows, as a fingerprint (the audit head moves with the audit rows)."""
    counts: dict[str, Any] = {}
    for name, table in SQLModel.metadata.tables.items():
        if name == "audithead":
            continue
        counts[name] = sorted(
            map(tuple, session.connection().execute(table.select()).all()), key=repr
        )
    return counts
