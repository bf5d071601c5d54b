"""The H-CLIC export over rows written straight to the database: nine CSVs linked by the case
reference, only the cases with a trigger in the period, each duty with how it ended mapped by
the configuration (read from the file PATHWAYS_HCLIC_CONFIG names), refused and audited for a
role the file does not name, and each export audited without personal data."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import pytest
import yaml
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from application.hclic import SECTIONS, HclicExport, hclic_export
from application.principals import Acting
from application.report_scope import ReportPeriod
from infrastructure.caches import reset_caches
from infrastructure.hclic_config import (
    NOT_OFFICIAL,
    HclicConfig,
    HclicConfigError,
    load_hclic_config,
    parse_hclic_config,
)
from models import AuditEvent, Authority, Case, CaseEvent, Person
from pathways.definitions import get_definition
from pathways.principal import Principal
from pathways.refusal import Refusal
from pathways.roles import Role

NOW: Final = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
Q1: Final = ReportPeriod(date(2026, 1, 1), date(2026, 3, 31))
CANARY: Final = "Zebedee Canarywharf"
FORMULA: Final = '=HYPERLINK("http://example.org")'
YOUTH: Final = "youth-1617-intake"
IH: Final = "intentional-homelessness"


def person(role: Role) -> Acting:
    principal = Principal(
        username=f"{role}.dartford",
        display_name=role,
        roles=frozenset({role}),
        authority_id="dartford",
        team=None,
        covers=frozenset({"dartford"}),
    )
    return Acting(principal, role)


MANAGER = person("lha-service-manager")


def _case(session: Session, reference: str, **fields: Any) -> Case:
    row = Case(
        reference=reference,
        pathway=fields.pop("pathway", YOUTH),
        definition_version=fields.pop("version", "1.1"),
        authority_id=fields.pop("authority_id", "dartford"),
        state=fields.pop("state", "support_package"),
        opened_at=fields.pop("opened_at", datetime(2025, 12, 1, tzinfo=UTC)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def _event(session: Session, case: Case, transition: str, at: datetime, **payload: Any) -> None:
    session.add(
        CaseEvent(
            case_id=case.id or 0,
            transition=transition,
            payload=payload,
            actor="officer",
            role="lha-housing-officer",
            idempotency_key=f"{transition}:{at.isoformat()}",
            status="applied",
            occurred_at=at,
            applied_at=at,
        )
    )


def populate(session: Session) -> None:
    for authority_id in ("dartford", "swale"):
        session.add(
            Authority(
                id=authority_id,
                name=authority_id,
                kind="district",
                children_services_authority="kcc",
            )
        )
    session.flush()
    moved = _case(
        session,
        "JP-HCLC-0001",
        status="closed",
        state="closed",
        outcome_code="O2",
        closed_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        facts={
            "enquiry_received_at": "2025-12-01T10:00:00+00:00",
            "lha_duty": "relief",
            "prevention_duty_from": "2025-12-02",
            "relief_duty_from": "2026-02-01",
            "duty_outcome": "accommodation_secured_6_months_alternative",
            "personalised_housing_plan_agreed": True,
            "emergency_placement": "s188",
            "placed_at": "2026-01-31T21:00:00+00:00",
            "accommodation": "bed_and_breakfast",
            "placement_district": "swale",
            "placement_out_of_district": True,
            "s208_notice_sent_on": "2026-02-02",
            "moved_on_at": "2026-02-09T12:00:00+00:00",
            "priority_need": True,
            "priority_need_decided_on": "2026-02-03",
        },
    )
    _event(
        session,
        moved,
        "open_prevention_duty",
        datetime(2025, 12, 2, tzinfo=UTC),
        satisfied_on="2025-12-02",
        personalised_housing_plan_agreed=True,
    )
    _event(
        session,
        moved,
        "end_lha_duty",
        datetime(2026, 1, 31, 20, tzinfo=UTC),
        duty_outcome="became_homeless",
    )
    _event(
        session,
        moved,
        "open_relief_duty",
        datetime(2026, 2, 1, tzinfo=UTC),
        satisfied_on="2026-02-01",
        personalised_housing_plan_agreed=True,
    )
    _event(session, moved, "record_home_meeting", datetime(2026, 2, 5, tzinfo=UTC))
    _event(
        session,
        moved,
        "close_case",
        datetime(2026, 3, 1, 10, tzinfo=UTC),
        duty_outcome="accommodation_secured_6_months_alternative",
    )
    session.add(
        Person(
            case_id=moved.id or 0,
            relationship_to_case="young_person",
            full_name=CANARY,
            date_of_birth=date(2009, 5, 1),
        )
    )
    session.add(Person(case_id=moved.id or 0, relationship_to_case="parent", full_name=FORMULA))
    # Imported with its duty in the facts alone, closed with no duty outcome: its pathway
    # outcome maps it.
    _case(
        session,
        "JP-HCLC-0002",
        status="closed",
        state="assistance_rejected",
        outcome_code="O5b",
        closed_at=datetime(2026, 1, 20, tzinfo=UTC),
        facts={"lha_duty": "prevention", "prevention_duty_from": "2026-01-02"},
    )
    reviewed = _case(
        session,
        "JP-HCLC-0003",
        pathway=IH,
        version="1.0",
        outcome_code="REVIEW_UPHELD",
        facts={
            "application_made_on": "2026-01-10",
            "care_leaver": True,
            "care_leaver_category": "former_relevant_child",
            "s184_decided_on": "2026-02-01",
            "review_requested_on": "2026-02-10",
            "review_kind": "s202",
            "review_decision_due_on": "2026-03-31",
            "review_outcome": "upheld",
            "review_notified_on": "2026-03-20",
        },
    )
    session.add(
        Person(
            case_id=reviewed.id or 0,
            relationship_to_case="applicant",
            full_name="Ada Applicant",
            date_of_birth=date(2004, 6, 1),
        )
    )
    # Not in the return: advice only, closed before the period, opened after it, and Swale's.
    _case(session, "JP-HCLC-0004", facts={"homeless": False})
    _case(
        session,
        "JP-HCLC-0005",
        status="closed",
        closed_at=datetime(2025, 12, 31, 12, tzinfo=UTC),
        facts={"lha_duty": "prevention"},
    )
    _case(
        session,
        "JP-HCLC-0006",
        opened_at=datetime(2026, 4, 1, 9, tzinfo=UTC),
        facts={"lha_duty": "prevention"},
    )
    _case(session, "JP-HCLC-0007", authority_id="swale", facts={"lha_duty": "relief"})
    session.flush()


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    with Session(db_engine) as session:
        populate(session)
        yield session


@pytest.fixture
def config() -> HclicConfig:
    return load_hclic_config()


def exported(session: Session, config: HclicConfig) -> HclicExport:
    made = hclic_export(session, MANAGER, Q1, "dartford", NOW, config)
    assert not isinstance(made, Refusal), made
    return made


def files(made: HclicExport) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(made.content)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
        }


def test_the_export_is_nine_sections_linked_by_the_case_reference(
    session: Session, config: HclicConfig
) -> None:
    made = exported(session, config)
    found = files(made)

    assert list(found) == [section.filename for section in SECTIONS]
    assert len(found) == 9
    with zipfile.ZipFile(io.BytesIO(made.content)) as archive:
        assert NOT_OFFICIAL in archive.comment.decode("utf-8")
        for section in SECTIONS:
            header = archive.read(section.filename).decode("utf-8").splitlines()[0]
            assert header.split(",") == list(section.headings)
    main = found["01_main.csv"]
    assert [row["case_id"] for row in main] == ["JP-HCLC-0001", "JP-HCLC-0002", "JP-HCLC-0003"]
    linked = {row["case_id"] for rows in found.values() for row in rows}
    assert linked == {row["case_id"] for row in main}
    assert made.cases == 3
    assert made.rows == {
        "main": 3,
        "people": 3,
        "support": 3,
        "prevention": 2,
        "relief": 1,
        "final_duties": 2,
        "assistance": 1,
        "temporary_accommodation": 1,
        "reviews": 1,
    }


def test_each_duty_ends_with_its_configured_category(session: Session, config: HclicConfig) -> None:
    found = files(exported(session, config))

    first, imported, reviewed = found["01_main.csv"]
    assert (first["latest_duty"], first["reason_duty_ended_code"]) == (
        "relief",
        "accommodation_secured_6_months_alternative",
    )
    assert first["category_label"] == "Accommodation secured for 6+ months: alternative home"
    assert first["category_basis"] == "LHA duty outcome"
    assert first["triggers"] == "duty owed; temporary accommodation"
    assert first["approach_date"] == "2025-12-01"
    assert first["closed_on"] == "2026-03-01"
    assert first["outcome"] == get_definition(YOUTH, "1.1").outcomes["O2"]
    assert {row["category_list"] for row in found["01_main.csv"]} == {NOT_OFFICIAL}
    assert (imported["reason_duty_ended_category"], imported["category_basis"]) == (
        "withdrew_or_deceased",
        "pathway outcome",
    )
    assert (reviewed["reason_duty_ended_category"], reviewed["triggers"]) == (
        "not mapped",
        "homelessness application",
    )
    prevention = [
        (r["case_id"], r["owed_from"], r["ended_on"], r["reason_ended_category"])
        for r in found["04_prevention.csv"]
    ]
    assert prevention == [
        ("JP-HCLC-0001", "2025-12-02", "2026-01-31", "became_homeless"),
        ("JP-HCLC-0002", "2026-01-02", "", ""),
    ]
    (relief,) = found["05_relief.csv"]
    assert (relief["owed_from"], relief["ended_on"], relief["reason_ended_code"]) == (
        "2026-02-01",
        "2026-03-01",
        "accommodation_secured_6_months_alternative",
    )


def test_people_support_duties_accommodation_and_reviews_as_recorded(
    session: Session, config: HclicConfig
) -> None:
    found = files(exported(session, config))

    assert [
        (
            p["case_id"],
            p["person"],
            p["relationship"],
            p["full_name"],
            p["date_of_birth"],
            p["age_at_approach"],
        )
        for p in found["02_people.csv"]
    ] == [
        ("JP-HCLC-0001", "1", "young_person", CANARY, "2009-05-01", "16"),
        ("JP-HCLC-0001", "2", "parent", "'" + FORMULA, "", ""),
        ("JP-HCLC-0003", "1", "applicant", "Ada Applicant", "2004-06-01", "21"),
    ]
    assert [(s["case_id"], s["support_need"]) for s in found["03_support.csv"]] == [
        ("JP-HCLC-0001", "Young person aged 16-17"),
        ("JP-HCLC-0002", "Young person aged 16-17"),
        ("JP-HCLC-0003", "Care leaver"),
    ]
    assert [
        (d["decision"], d["result"], d["decided_on"]) for d in found["06_final_duties.csv"]
    ] == [
        ("s.184 priority need", "priority need", "2026-02-03"),
        ("s.184 decision: intentionally homeless", "Review upheld", "2026-02-01"),
    ]
    assert [a["assistance"] for a in found["07_assistance.csv"]] == [
        "Personalised housing plan agreed"
    ]
    (placed,) = found["08_temporary_accommodation.csv"]
    assert placed == {
        "case_id": "JP-HCLC-0001",
        "placed_on": "2026-01-31",
        "power": "s.188",
        "accommodation": "bed_and_breakfast",
        "placement_district": "swale",
        "out_of_district": "true",
        "moved_on_on": "2026-02-09",
        "s208_notice_sent_on": "2026-02-02",
    }
    (review,) = found["09_reviews.csv"]
    assert (review["requested_on"], review["outcome"], review["notified_on"]) == (
        "2026-02-10",
        "upheld",
        "2026-03-20",
    )


def test_the_export_is_audited_without_personal_data(session: Session, config: HclicConfig) -> None:
    made = exported(session, config)

    rows = session.exec(
        select(AuditEvent)
        .where(col(AuditEvent.action).in_(("hclic.exported", "case.personal_data.read")))
        .order_by(col(AuditEvent.id))
    ).all()
    assert [(row.action, row.case_reference) for row in rows] == [
        ("hclic.exported", None),
        ("case.personal_data.read", "JP-HCLC-0001"),
        ("case.personal_data.read", "JP-HCLC-0003"),
    ]
    summary = rows[0]
    assert (summary.actor, summary.role) == ("lha-service-manager.dartford", "lha-service-manager")
    assert summary.after is not None
    assert summary.after["sha256"] == made.sha256 and summary.after["cases"] == 3
    assert summary.after["rows"] == made.rows
    assert all(
        CANARY not in repr(row.after) and "2009-05-01" not in repr(row.after) for row in rows
    )


def test_any_other_role_or_another_council_is_refused_and_the_refusal_audited(
    session: Session, config: HclicConfig
) -> None:
    roles: list[Role] = ["auditor", "operator", "lha-housing-officer", "housing-director"]
    for role in roles[:3]:
        refused = hclic_export(session, person(role), Q1, "dartford", NOW, config)

        assert isinstance(refused, Refusal) and refused.http_status == 403, role
        assert "lha-service-manager, housing-director" in refused.reason
        last = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        assert last is not None and last.action == "principal.refused.role_not_held"
        assert (last.actor, last.role) == (f"{role}.dartford", role)
        assert last.after is not None and last.after["attempted"] == "report.hclic"
    other = hclic_export(session, person(roles[3]), Q1, "swale", NOW, config)
    assert isinstance(other, Refusal) and other.http_status == 403
    assert other.reason.startswith("authority: 'housing-director.dartford' reports only on")
    exported = select(AuditEvent).where(AuditEvent.action == "hclic.exported")
    assert session.exec(exported).first() is None


def test_the_mapping_and_the_roles_are_read_from_the_configured_file(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = yaml.safe_load(Path("config/hclic.yaml").read_text(encoding="utf-8"))
    raw["categories"]["moved_elsewhere"] = "Our own code: moved elsewhere"
    raw["duty_outcomes"]["accommodation_secured_6_months_alternative"] = "moved_elsewhere"
    raw["export_roles"] = ["lha-housing-officer"]
    changed = tmp_path / "hclic.yaml"
    changed.write_text(yaml.safe_dump(raw), encoding="utf-8")
    monkeypatch.setenv("PATHWAYS_HCLIC_CONFIG", str(changed))
    reset_caches()
    try:
        config = load_hclic_config()
    finally:
        reset_caches()

    assert config.export_roles == ("lha-housing-officer",)
    assert isinstance(hclic_export(session, MANAGER, Q1, "dartford", NOW, config), Refusal)
    made = hclic_export(session, person("lha-housing-officer"), Q1, "dartford", NOW, config)
    assert not isinstance(made, Refusal)
    first = files(made)["01_main.csv"][0]
    assert first["category_label"] == "Our own code: moved elsewhere"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"duty_outcomes": {"moved_away": "contact_lost"}}, "duty_outcomes.moved_away"),
        ({"duty_outcomes": {"contact_lost": "lost"}}, "duty_outcomes.contact_lost: 'lost'"),
        ({"pathway_outcomes": {YOUTH: {"O9": "contact_lost"}}}, f"pathway_outcomes.{YOUTH}.O9"),
        ({"export_roles": ["chief-executive"]}, "export_roles.0"),
        ({"export_roles": []}, "export_roles"),
    ],
)
def test_a_mapping_to_nothing_is_refused_naming_the_field(
    change: dict[str, Any], message: str
) -> None:
    raw = yaml.safe_load(Path("config/hclic.yaml").read_text(encoding="utf-8"))
    raw.update(change)

    with pytest.raises(HclicConfigError, match=message.replace(".", r"\.")):
        parse_hclic_config(raw, "hclic.yaml")
