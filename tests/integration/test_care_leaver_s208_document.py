"""Pathway B's s.188 placement outside the district (B8): the s.208(3) notice is produced as a
document for the officer, naming the young person, and only the alert to the host authority
is an e-mail (errata 9, 22). The same document code as the 16/17 intake's, on a care-leaver
case, and the duty to refer shares the case with the authority the young person chose."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import select

from application.case_commands import record_step, start_case
from application.documents import Document, produce_document
from infrastructure.db import session_scope
from models import Case, CaseShare, Notification
from pathways.refusal import Refusal
from tests.support.cases import acting_for, apply_now

NAME = "Morgan Notional"
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _step(
    reference: str, transition: str, payload: dict[str, object], who: tuple[str, str]
) -> None:
    with session_scope() as session:
        authority = session.exec(select(Case).where(Case.reference == reference)).one().authority_id
    acting = acting_for(who[0], who[1], authority)
    outcome = record_step(
        acting=acting,
        case_reference=reference,
        transition=transition,
        payload=payload,
        runner=apply_now,
        now=AT,
    )
    assert not isinstance(outcome, Refusal), outcome
    assert outcome.status == "applied", outcome.reason


def test_the_s208_notice_of_a_care_leaver_placement_is_a_document(app_engine: Engine) -> None:
    opened = start_case(
        acting=acting_for("sw.dartford", "ics-social-worker", "dartford"),
        pathway="care-leaver-transition",
        authority_id="dartford",
        payload={
            "young_person": {"full_name": NAME, "date_of_birth": "2008-05-02"},
            "legal_status": "former_relevant_child",
            "legal_basis": "left_care",
        },
        runner=apply_now,
        now=AT,
    )
    assert not isinstance(opened, Refusal), opened
    reference = opened.case_reference
    acting_for("pa.dartford", "personal-adviser", "dartford")
    _step(
        reference,
        "record_pathway_plan",
        {"agreed_on": "2026-11-20", "personal_adviser": "pa.dartford"},
        ("sw.dartford", "ics-social-worker"),
    )
    _step(
        reference,
        "refer_to_housing",
        {
            "situation": "homeless",
            "consent_to_refer": True,
            "consent_to_share_contact_details": True,
            "chosen_authority": "gravesham",
            "referred_on": "2026-11-23",
        },
        ("pa.dartford", "personal-adviser"),
    )
    with session_scope() as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        shares = session.exec(select(CaseShare).where(CaseShare.case_id == case.id)).all()
        assert [(s.authority_id, s.reason) for s in shares] == [("gravesham", "duty_to_refer")]
    # Gravesham's own housing officer may now act on the case: its duty, its placement.
    _step(
        reference,
        "record_interim_accommodation",
        {"placed_at": "2026-11-23T09:00:00+00:00", "accommodation": "other", "district": "swale"},
        ("ho.gravesham", "lha-housing-officer"),
    )
    produced = produce_document(
        acting=acting_for("ho.gravesham", "lha-housing-officer", "gravesham"),
        case_reference=reference,
        kind="s208-notice",
    )
    assert isinstance(produced, Document), produced
    assert NAME in produced.text and "s.208" in produced.text
    with session_scope() as session:
        case = session.exec(select(Case).where(Case.reference == reference)).one()
        alerts = session.exec(
            select(Notification).where(
                Notification.case_id == case.id,
                Notification.event_type == "out_of_district_placement",
            )
        ).all()
        assert alerts and all(NAME not in str(alert.context) for alert in alerts)
