"""The case-level rows a council feeds into its quarterly H-CLIC return: a zip of nine CSVs laid
out in the nine published sections (Main, People, Support, Prevention, Relief, Final duties,
Assistance, Temporary accommodation, Reviews), linked by one case identifier, the case
reference.

A case is in the return for a period when it was open at some time in the period and records
one of the triggers of spec §8: an LHA duty owed (prevention or relief), a placement in
temporary accommodation under s.188, or a homelessness application (the intentionality
pathway). A case with none of them is advice only and left out.

How a duty ended is mapped to a reason-duty-ended category by ``config/hclic.yaml``: the
official code list is not public (errata 8), so every file says the categories are
configurable and not the official list. A case whose latest duty outcome is not recorded is
mapped by its pathway outcome, where the file maps that; else it is "not mapped".

The People section holds names and dates of birth as recorded, so only the roles the file
names may export (refused and audited for anyone else), and each export is audited as
``hclic.exported`` (counts and a hash, no personal data), with a ``case.personal_data.read``
row for each case whose people it holds.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, or_
from sqlalchemy import select as select_columns
from sqlmodel import Session, col

from application.csv_export import csv_text
from application.people_in_inputs import markers_in
from application.principals import Acting, audit_refusal
from application.read_log import BASIS as READ_BASIS
from application.read_log import PERSONAL_DATA_READ
from application.report_scope import ReportPeriod, checked_authority
from infrastructure import audit
from infrastructure.hclic_config import NOT_OFFICIAL, HclicConfig
from models import Case, CaseEvent, Person
from pathways.calendar import london_date
from pathways.commitments import is_commitment
from pathways.definitions import get_definition
from pathways.eligibility import age_on
from pathways.refusal import Refusal
from pathways.roles import Role

EXPORTED: Final = "hclic.exported"
VIEW: Final = "report.hclic"
RETAINED: Final = "removed under the retention policy"
NOT_MAPPED: Final = "not mapped"
YOUTH: Final = "youth-1617-intake"
CARE_LEAVER: Final = "care-leaver-transition"
DUTY_OPENINGS: Final[Mapping[str, str]] = {
    "open_prevention_duty": "prevention",
    "open_relief_duty": "relief",
}
"""The 16/17 steps that open an LHA duty; any applied step whose input gives a duty outcome
ends the duty then open."""


@dataclass(frozen=True)
class SectionFile:
    key: str
    filename: str
    headings: tuple[str, ...]


DUTY_ENDED_COLUMNS: Final = (
    "case_id",
    "owed_from",
    "ended_on",
    "reason_ended_code",
    "reason_ended_category",
    "category_label",
    "category_list",
)
"""A prevention or a relief duty: when it was owed, when and why it ended."""

SECTIONS: Final[tuple[SectionFile, ...]] = (
    SectionFile(
        "main",
        "01_main.csv",
        (
            "case_id",
            "authority",
            "pathway",
            "pathway_version",
            "approach_date",
            "status",
            "closed_on",
            "outcome_code",
            "outcome",
            "triggers",
            "latest_duty",
            "reason_duty_ended_code",
            "reason_duty_ended_category",
            "category_label",
            "category_basis",
            "category_list",
        ),
    ),
    SectionFile(
        "people",
        "02_people.csv",
        ("case_id", "person", "relationship", "full_name", "date_of_birth", "age_at_approach"),
    ),
    SectionFile("support", "03_support.csv", ("case_id", "support_need", "detail")),
    SectionFile(
        "prevention",
        "04_prevention.csv",
        DUTY_ENDED_COLUMNS,
    ),
    SectionFile(
        "relief",
        "05_relief.csv",
        DUTY_ENDED_COLUMNS,
    ),
    SectionFile(
        "final_duties", "06_final_duties.csv", ("case_id", "decision", "result", "decided_on")
    ),
    SectionFile("assistance", "07_assistance.csv", ("case_id", "assistance", "detail")),
    SectionFile(
        "temporary_accommodation",
        "08_temporary_accommodation.csv",
        (
            "case_id",
            "placed_on",
            "power",
            "accommodation",
            "placement_district",
            "out_of_district",
            "moved_on_on",
            "s208_notice_sent_on",
        ),
    ),
    SectionFile(
        "reviews",
        "09_reviews.csv",
        ("case_id", "review_kind", "requested_on", "decision_due_on", "outcome", "notified_on"),
    ),
)

Row = tuple[object, ...]


@dataclass(frozen=True)
class HclicExport:
    filename: str
    content: bytes
    cases: int
    rows: dict[str, int]
    """Section key -> rows in its file."""
    sha256: str


@dataclass
class _Duty:
    kind: str
    owed_from: str | None
    ended_on: date | None = None
    outcome: str | None = None


@dataclass
class _Case:
    id: int
    reference: str
    authority_id: str
    pathway: str
    version: str
    opened_at: datetime
    closed_at: datetime | None
    status: str
    outcome_code: str | None
    facts: dict[str, Any]
    duties: list[_Duty] = field(default_factory=list)


def exporting_role(roles: frozenset[Role], config: HclicConfig) -> Role | None:
    """The role an export is made in, or None when the viewer holds none the file names."""
    held = sorted(roles & frozenset(config.export_roles))
    return held[0] if held else None


def _refused(config: HclicConfig) -> Refusal:
    return Refusal(
        "role_not_held",
        "role: the H-CLIC export holds personal data; only "
        f"{', '.join(config.export_roles)} may make it (config/hclic.yaml export_roles)",
        "role",
    )


# Reading the cases


def _included(authority_id: str, period: ReportPeriod) -> list[ColumnElement[bool]]:
    facts: Any = col(Case.facts)
    return [
        col(Case.authority_id) == authority_id,
        col(Case.opened_at) < period.until,
        or_(col(Case.closed_at).is_(None), col(Case.closed_at) >= period.since),
        or_(
            facts["lha_duty"].as_string().is_not(None),
            facts["emergency_placement"].as_string() == "s188",
            facts["application_made_on"].as_string().is_not(None),
        ),
    ]


def _cases(session: Session, conditions: Sequence[ColumnElement[bool]]) -> list[_Case]:
    statement = (
        select_columns(
            col(Case.id),
            col(Case.reference),
            col(Case.authority_id),
            col(Case.pathway),
            col(Case.definition_version),
            col(Case.opened_at),
            col(Case.closed_at),
            col(Case.status),
            col(Case.outcome_code),
            col(Case.facts),
        )
        .where(*conditions)
        .order_by(col(Case.opened_at), col(Case.id))
    )
    return [
        _Case(
            id=row.id,
            reference=row.reference,
            authority_id=row.authority_id,
            pathway=row.pathway,
            version=row.definition_version,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            status=row.status,
            outcome_code=row.outcome_code,
            facts=dict(row.facts or {}),
        )
        for row in session.execute(statement)
    ]


def _people(
    session: Session, conditions: Sequence[ColumnElement[bool]]
) -> list[tuple[int, str, str, date | None]]:
    """Every person on the included cases, whichever step recorded them; a household member's
    relationship says theirs too: ``household_members.2 (child)``."""
    included = select_columns(col(Case.id)).where(*conditions)
    statement = (
        select_columns(
            col(Person.id),
            col(Person.case_id),
            col(Person.relationship_to_case),
            col(Person.full_name),
            col(Person.date_of_birth),
        )
        .where(col(Person.case_id).in_(included))
        .order_by(col(Person.case_id), col(Person.id))
    )
    kinds = _household_relationships(session, included)
    return [
        (int(case_id), f"{label} ({kinds[pid]})" if pid in kinds else str(label), str(name), born)
        for pid, case_id, label, name, born in session.execute(statement)
    ]


def _household_relationships(session: Session, included: Any) -> dict[int, str]:
    """Person id -> the relationship their marker keeps (``application.people_in_inputs``)."""
    payloads = session.execute(
        select_columns(col(CaseEvent.payload)).where(
            col(CaseEvent.case_id).in_(included), col(CaseEvent.status) != "rejected"
        )
    ).scalars()
    return {
        person_id: kind
        for payload in payloads
        for person_id, others in markers_in(payload or {})
        if isinstance(kind := others.get("relationship"), str) and not is_commitment(kind)
    }


def _duty_events(
    session: Session, conditions: Sequence[ColumnElement[bool]]
) -> list[tuple[int, str, dict[str, Any], datetime]]:
    payload: Any = col(CaseEvent.payload)
    included = select_columns(col(Case.id)).where(*conditions)
    statement = (
        select_columns(
            col(CaseEvent.case_id),
            col(CaseEvent.transition),
            col(CaseEvent.payload),
            col(CaseEvent.occurred_at),
        )
        .where(
            col(CaseEvent.case_id).in_(included),
            col(CaseEvent.status) == "applied",
            or_(
                col(CaseEvent.transition).in_(DUTY_OPENINGS),
                payload["duty_outcome"].as_string().is_not(None),
            ),
        )
        .order_by(col(CaseEvent.case_id), col(CaseEvent.occurred_at), col(CaseEvent.id))
    )
    return [(int(a), str(b), dict(c or {}), d) for a, b, c, d in session.execute(statement)]


def _fold_duties(
    cases: Sequence[_Case], events: Sequence[tuple[int, str, dict[str, Any], datetime]]
) -> None:
    """Each case's duties in order, from the steps that opened and ended them; a duty the
    facts record without its steps (written by an import) is taken from the facts."""
    by_id = {case.id: case for case in cases}
    for case_id, transition, payload, at in events:
        duties = by_id[case_id].duties
        if transition in DUTY_OPENINGS:
            duties.append(_Duty(DUTY_OPENINGS[transition], payload.get("satisfied_on")))
        elif duties and duties[-1].outcome is None:
            duties[-1].ended_on = london_date(at)
            duties[-1].outcome = str(payload["duty_outcome"])
    for case in cases:
        seen = {duty.kind for duty in case.duties}
        for kind in ("prevention", "relief"):
            owed_from = case.facts.get(f"{kind}_duty_from")
            if owed_from and kind not in seen:
                latest = case.facts.get("lha_duty") == kind
                outcome = case.facts.get("duty_outcome") if latest else None
                case.duties.append(_Duty(kind, str(owed_from), None, outcome))


# The rows


@dataclass(frozen=True)
class _Category:
    code: str | None
    category: str
    label: str
    basis: str


def _category(case: _Case, config: HclicConfig) -> _Category:
    ended = [duty for duty in case.duties if duty.outcome]
    if ended:
        code = str(ended[-1].outcome)
        target = config.duty_outcomes.get(code)
        if target is not None:
            return _Category(code, target, config.label(target), "LHA duty outcome")
        return _Category(code, NOT_MAPPED, NOT_MAPPED, "LHA duty outcome")
    target = config.pathway_outcomes.get(case.pathway, {}).get(case.outcome_code or "")
    if target is not None:
        return _Category(case.outcome_code, target, config.label(target), "pathway outcome")
    return _Category(case.outcome_code, NOT_MAPPED, NOT_MAPPED, "no ended duty or mapped outcome")


def _duty_category(duty: _Duty, config: HclicConfig) -> tuple[str, str]:
    if duty.outcome is None:
        return "", ""
    target = config.duty_outcomes.get(duty.outcome)
    return (target, config.label(target)) if target else (NOT_MAPPED, NOT_MAPPED)


def _approach(case: _Case) -> date:
    for fact in ("enquiry_received_at", "application_made_on"):
        value = case.facts.get(fact)
        if value:
            return london_date(datetime.fromisoformat(str(value)))
    return london_date(case.opened_at)


def _triggers(facts: Mapping[str, Any]) -> str:
    found = []
    if facts.get("lha_duty"):
        found.append("duty owed")
    if facts.get("emergency_placement") == "s188":
        found.append("temporary accommodation")
    if facts.get("application_made_on"):
        found.append("homelessness application")
    return "; ".join(found)


def _outcome_label(case: _Case) -> str:
    if case.outcome_code is None:
        return ""
    outcomes = get_definition(case.pathway, case.version).outcomes
    return outcomes.get(case.outcome_code, case.outcome_code)


def _main(case: _Case, config: HclicConfig) -> Row:
    category = _category(case, config)
    return (
        case.reference,
        case.authority_id,
        case.pathway,
        case.version,
        _approach(case),
        case.status,
        london_date(case.closed_at) if case.closed_at else None,
        case.outcome_code,
        _outcome_label(case),
        _triggers(case.facts),
        case.duties[-1].kind if case.duties else "",
        category.code,
        category.category,
        category.label,
        category.basis,
        NOT_OFFICIAL,
    )


def _as_recorded(value: str) -> str:
    return RETAINED if is_commitment(value) else value


def _people_rows(
    cases: Mapping[int, _Case], people: Sequence[tuple[int, str, str, date | None]]
) -> list[Row]:
    rows: list[Row] = []
    number: dict[int, int] = {}
    for case_id, relationship, name, born in people:
        case = cases[case_id]
        number[case_id] = number.get(case_id, 0) + 1
        age = age_on(born, _approach(case)) if born else None
        rows.append((case.reference, number[case_id], relationship, _as_recorded(name), born, age))
    return rows


def _support(case: _Case) -> list[Row]:
    facts = case.facts
    rows: list[Row] = []
    if case.pathway == YOUTH:
        rows.append((case.reference, "Young person aged 16-17", "age checked at the enquiry"))
    if facts.get("care_leaver") or case.pathway == CARE_LEAVER:
        detail = str(facts.get("care_leaver_category") or "")
        rows.append((case.reference, "Care leaver", detail.replace("_", " ")))
    if facts.get("looked_after"):
        rows.append((case.reference, "Looked after by children's services", "s.20"))
    return rows


def _duty_rows(case: _Case, kind: str, config: HclicConfig) -> list[Row]:
    return [
        (
            case.reference,
            duty.owed_from,
            duty.ended_on,
            duty.outcome,
            *_duty_category(duty, config),
            NOT_OFFICIAL,
        )
        for duty in case.duties
        if duty.kind == kind
    ]


def _final_duties(case: _Case) -> list[Row]:
    facts = case.facts
    rows: list[Row] = []
    if "priority_need" in facts:
        result = "priority need" if facts["priority_need"] else "no priority need"
        rows.append(
            (case.reference, "s.184 priority need", result, facts.get("priority_need_decided_on"))
        )
    if facts.get("s184_decided_on"):
        rows.append(
            (
                case.reference,
                "s.184 decision: intentionally homeless",
                _outcome_label(case) or "decision issued",
                facts["s184_decided_on"],
            )
        )
    return rows


def _assistance(case: _Case) -> list[Row]:
    facts = case.facts
    rows: list[Row] = []
    if facts.get("personalised_housing_plan_agreed"):
        rows.append((case.reference, "Personalised housing plan agreed", "s.189A"))
    if "caf_plan" in facts:
        rows.append((case.reference, "Early Help (CAF) plan agreed", ""))
    if facts.get("childrens_services_support"):
        detail = str(facts["childrens_services_support"]).replace("_", " ")
        rows.append((case.reference, "Children's services support", detail))
    if facts.get("home_authority"):
        rows.append(
            (case.reference, "Supported back to their home authority", facts["home_authority"])
        )
    return rows


def _day(value: object) -> date | None:
    return london_date(datetime.fromisoformat(str(value))) if value else None


def _temporary_accommodation(case: _Case) -> list[Row]:
    facts = case.facts
    if facts.get("emergency_placement") != "s188":
        return []
    return [
        (
            case.reference,
            _day(facts.get("placed_at")),
            "s.188",
            facts.get("accommodation"),
            facts.get("placement_district"),
            facts.get("placement_out_of_district"),
            _day(facts.get("moved_on_at")),
            facts.get("s208_notice_sent_on"),
        )
    ]


def _reviews(case: _Case) -> list[Row]:
    facts = case.facts
    if not facts.get("review_requested_on"):
        return []
    outcome = facts.get("review_outcome") or (
        "not decided in time" if facts.get("review_decision_late") else "pending"
    )
    return [
        (
            case.reference,
            facts.get("review_kind"),
            facts["review_requested_on"],
            facts.get("review_decision_due_on"),
            outcome,
            facts.get("review_notified_on"),
        )
    ]


def _sections(
    cases: Sequence[_Case],
    people: Sequence[tuple[int, str, str, date | None]],
    config: HclicConfig,
) -> dict[str, list[Row]]:
    by_id = {case.id: case for case in cases}
    return {
        "main": [_main(case, config) for case in cases],
        "people": _people_rows(by_id, people),
        "support": [row for case in cases for row in _support(case)],
        "prevention": [row for case in cases for row in _duty_rows(case, "prevention", config)],
        "relief": [row for case in cases for row in _duty_rows(case, "relief", config)],
        "final_duties": [row for case in cases for row in _final_duties(case)],
        "assistance": [row for case in cases for row in _assistance(case)],
        "temporary_accommodation": [
            row for case in cases for row in _temporary_accommodation(case)
        ],
        "reviews": [row for case in cases for row in _reviews(case)],
    }


def _zip(sections: Mapping[str, list[Row]], comment: str, now: datetime) -> bytes:
    out = io.BytesIO()
    stamp = now.timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = comment.encode("utf-8")
        for section in SECTIONS:
            info = zipfile.ZipInfo(section.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, csv_text(section.headings, sections[section.key]))
    return out.getvalue()


def hclic_export(
    session: Session,
    viewer: Acting,
    period: ReportPeriod,
    authority_id: str,
    now: datetime,
    config: HclicConfig,
) -> HclicExport | Refusal:
    """The authority's return for ``period`` as a zip of nine CSVs, made by a role the
    configuration names; a refusal is audited in the caller's transaction."""
    role = exporting_role(viewer.principal.roles, config)
    if role is None:
        return audit_refusal(
            session, viewer, _refused(config), attempted=VIEW, case_reference=None, at=now
        )
    exporter = Acting(viewer.principal, role)
    refused = checked_authority(session, exporter, authority_id, attempted=VIEW, at=now)
    if refused is not None:
        return refused
    conditions = _included(authority_id, period)
    cases = _cases(session, conditions)
    people = _people(session, conditions)
    _fold_duties(cases, _duty_events(session, conditions))
    sections = _sections(cases, people, config)
    comment = f"{NOT_OFFICIAL}. {authority_id}, {period.text}. Source: {config.source}"
    content = _zip(sections, comment, now)
    digest = hashlib.sha256(content).hexdigest()
    counts = {key: len(rows) for key, rows in sections.items()}
    with_people = {case_id for case_id, *_ in people}
    read = sorted(case.reference for case in cases if case.id in with_people)
    audit.record_many(
        session,
        [
            audit.AuditEntry(
                actor=exporter.username,
                role=exporter.role,
                action=EXPORTED,
                after={
                    "authority": authority_id,
                    "from": period.first_day.isoformat(),
                    "to": period.last_day.isoformat(),
                    "cases": len(cases),
                    "rows": counts,
                    "sha256": digest,
                    "categories": NOT_OFFICIAL,
                },
                basis="H-CLIC export (spec §8, errata 8); roles from config/hclic.yaml",
                at=now,
            ),
            *(
                audit.AuditEntry(
                    actor=exporter.username,
                    role=exporter.role,
                    action=PERSONAL_DATA_READ,
                    case_reference=reference,
                    after={"view": VIEW, "fields": ["full_name", "date_of_birth"]},
                    basis=READ_BASIS,
                    at=now,
                )
                for reference in read
            ),
        ],
    )
    return HclicExport(
        filename=f"hclic-{authority_id}-{period.first_day}-{period.last_day}.zip",
        content=content,
        cases=len(cases),
        rows=counts,
        sha256=digest,
    )
