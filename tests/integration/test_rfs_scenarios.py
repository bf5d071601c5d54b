"""The Request for Support end to end on a real Prefect server, real databases and a real SMTP
server: every scenario (tests/scenarios/rfs_*.yaml) is played through ``pathways simulate``.
Then every message that reached the simulator's SMTP server is read: none carries an outcome
code or a word that reveals an s.47 enquiry or NRPF status (spec §6, errata 21), nor anyone's
details, and the referrer's feedback says only that a triage decision was recorded. Last, what
a scenario's ``expect:`` cannot say is checked on the played database: the facts each step
recorded (the feedback time, the basis for sending without consent), the audited refusals, the
people kept only in Person rows, and the timers' due dates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import Session, col, select

from application.case_timeline import case_timeline
from application.case_views import _view_of
from infrastructure.db import make_engine
from models import (
    AuditEvent,
    Case,
    CaseEvent,
    ConsentRecord,
    Decision,
    Notification,
    Person,
    Timer,
)
from pathways.calendar import london_date
from pathways.definitions.rfs_inputs import OPEN_ACCESS_PURPOSE, RFS_PURPOSE
from simulation.smtp import ReceivedMail, SmtpSink
from tests.support.scenario_play import MoreChecks, kept_sinks, play_scenario

pytestmark = pytest.mark.usefixtures("prefect_server")

PATHWAY = "request-for-support"
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("rfs_*.yaml"))
OUTCOMES = (
    "RFS_ACCEPTED_IEH",
    "RFS_ACCEPTED_CSWS_S17",
    "RFS_S47",
    "RFS_NOT_ACCEPTED_L2",
    "RFS_NO_CONSENT_NOT_SENT",
    "RFS_NOT_REQUIRED_L1_L2",
)
# Spec §6: never "s.47/CP status ... immigration or NRPF status" in a message.
REVEALING = re.compile(
    r"RFS_|\bs\.?\s?47\b|section\s+47|strategy discussion|\bNRPF\b|recourse to public funds",
    re.IGNORECASE,
)
FEEDBACK = "Triage decision recorded"
SL = "lha-safeguarding-lead"
HO = "lha-housing-officer"


@pytest.fixture
def delivered() -> Iterator[list[SmtpSink]]:
    with kept_sinks() as sinks:
        yield sinks


def _typed_personal_details(scenario: Path) -> set[str]:
    """Each household member's name, date of birth and contact details the file types."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("full_name", "date_of_birth", "contact_details"):
                if key in node:
                    found.add(str(node[key]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load(scenario.read_text(encoding="utf-8")))
    return found


def _check_mail(scenario: Path, mail: list[ReceivedMail], references: set[str]) -> None:
    personal = _typed_personal_details(scenario)
    for message in mail:
        read = f"{message.subject}\n{message.text()}"
        for reference in references:
            # A reference is random letters and digits: "S47" could appear inside one.
            read = read.replace(reference, "JP-REFERENCE")
        revealed = REVEALING.search(read)
        assert revealed is None, f"{message.subject}: says {revealed.group(0)!r}"
        leaked = sorted(detail for detail in personal if detail in read)
        assert not leaked, f"{message.subject}: carries {leaked}"


def _check_feedback(session: Session, mail: list[ReceivedMail]) -> None:
    """C6: the referrer and the LHA hear that a decision was recorded, with the link; the
    mail says nothing of what was decided."""
    sent = session.exec(
        select(Notification).where(
            Notification.event_type == "triage_decision", Notification.status == "sent"
        )
    ).all()
    cases = session.exec(select(Case).where(Case.pathway == PATHWAY)).all()
    triaged = [case for case in cases if "triage_decision" in case.facts]
    assert sorted(n.recipient for n in sent) == sorted(["lha", "referrer"] * len(triaged))
    by_key = {message.key: message for message in mail}
    for notification in sent:
        assert notification.context["event"] == FEEDBACK
        message = by_key[notification.idempotency_key]
        assert message.subject == f"[{notification.case_reference}] {FEEDBACK}"
        assert f"/cases/{notification.case_reference}" in message.text()
        if notification.recipient == "referrer":
            case = session.get(Case, notification.case_id)
            assert case is not None
            assert message.recipients == [case.facts["referrer_email"]]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_rfs_scenario_holds(scenario: Path, tmp_path: Path, delivered: list[SmtpSink]) -> None:
    play_scenario(scenario, tmp_path, MORE_CHECKS)

    (sink,) = delivered
    engine = make_engine(f"sqlite:///{tmp_path / 'simulation.db'}")
    try:
        with Session(engine) as session:
            references = set(session.exec(select(Case.reference)).all())
            sent = session.exec(select(Notification).where(Notification.status == "sent")).all()
            _check_feedback(session, sink.received)
    finally:
        engine.dispose()
    # Every message delivered is one the outbox recorded as sent, and the other way round.
    assert sorted(m.key for m in sink.received) == sorted(n.idempotency_key for n in sent)
    _check_mail(scenario, sink.received, references)


# --- what each scenario's expect: cannot say ----------------------------------------------


def _case(session: Session, state: str | None = None) -> Case:
    query = select(Case).where(Case.pathway == PATHWAY)
    if state is not None:
        query = query.where(Case.state == state)
    return session.exec(query).one()


def _decisions(session: Session, case: Case) -> list[tuple[str, str, str, str]]:
    rows = session.exec(
        select(Decision).where(Decision.case_id == case.id).order_by(col(Decision.decided_at))
    )
    return [(d.kind, d.outcome, d.decided_by, d.role) for d in rows]


def _refusals(session: Session, case: Case) -> list[tuple[str, str, str, str]]:
    """(action, actor, role, reason) of the case's audited refusals, oldest first."""
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.case_reference == case.reference)
        .order_by(col(AuditEvent.id))
    )
    return [
        (e.action, e.actor, e.role, str((e.after or {}).get("reason", "")))
        for e in events
        if e.action.endswith((".forbidden", ".refused"))
    ]


def _consents(session: Session, case: Case) -> list[tuple[str, bool, str]]:
    """(purpose, given, who recorded it) of the case's consent records, oldest first."""
    rows = session.exec(
        select(ConsentRecord)
        .where(ConsentRecord.case_id == case.id)
        .order_by(col(ConsentRecord.recorded_at), col(ConsentRecord.id))
    )
    return [(c.purpose, c.given, c.recorded_by) for c in rows]


def _case_page_shows(session: Session, case: Case) -> tuple[list[str], list[str]]:
    """What the case page's records and timeline say: the consents' purposes, and each entry."""
    view = _view_of(session, case, datetime.now(UTC))
    return [c.purpose for c in view.consents], [e.text for e in case_timeline(view)]


def _timer(session: Session, case: Case, name: str) -> Timer:
    return session.exec(select(Timer).where(Timer.case_id == case.id, Timer.name == name)).one()


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _household(session: Session, case: Case) -> list[tuple[str, bool, bool]]:
    """(label, has a date of birth, has contact details) of the case's people."""
    people = session.exec(select(Person).where(Person.case_id == case.id).order_by(col(Person.id)))
    return [
        (p.relationship_to_case, p.date_of_birth is not None, p.contact_details is not None)
        for p in people
    ]


def _people_stay_in_person_rows(session: Session, case: Case) -> None:
    people = session.exec(select(Person).where(Person.case_id == case.id)).all()
    assert people
    kept = f"{case.facts} {[e.payload for e in session.exec(select(CaseEvent))]}"
    for person in people:
        assert person.full_name not in kept
        assert str(person.date_of_birth) not in kept
        assert person.contact_details is not None and person.contact_details not in kept


def _intensive_early_help_feedback_timed(session: Session) -> None:
    case = _case(session, "closed")
    facts = case.facts
    # C6: received at 10:00 (the submission), feedback at 14:00 (the triage decision).
    assert _utc(facts["rfs_received_at"]) == datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
    assert _utc(facts["feedback_given_at"]) == datetime(2027, 1, 11, 14, 0, tzinfo=UTC)
    assert facts["feedback_after_minutes"] == 240
    assert facts["further_enquiries_with"] == ["parent", "referrer"]
    assert facts["joint_appointments"] == ["2027-01-13", "2027-01-20"]
    assert facts["ics_supports_php_actions"] and facts["lha_invited_to_ics_meetings"]
    assert facts["lha_closed"] is True
    assert (case.outcome_code, case.closed_at is not None) == ("RFS_ACCEPTED_IEH", True)
    assert _decisions(session, case) == [
        ("rfs_triage", "RFS_ACCEPTED_IEH", "ifd.dartford", "ifd-triage-worker")
    ]
    assert _household(session, case) == [(f"household_members.{n}", True, True) for n in (1, 2, 3)]
    _people_stay_in_person_rows(session, case)
    # The family's consent is recorded, not only checked, and the case page shows it.
    assert _consents(session, case) == [(RFS_PURPOSE, True, "ho.dartford")]
    assert _case_page_shows(session, case)[0] == [RFS_PURPOSE]


def _s17_assessment_in_45_working_days(session: Session) -> None:
    case = _case(session)
    assert case.facts["feedback_after_minutes"] == 24 * 60
    assert case.facts["cf_assessment_completed"] is True
    # Accepted on Tuesday 2 February: 45 working days, Good Friday and Easter Monday not
    # counted, end on Thursday 8 April.
    assessment = _timer(session, case, "cf_assessment")
    assert london_date(assessment.due_at) == date(2027, 4, 8)
    assert london_date(_timer(session, case, "ifd_triage").due_at) == date(2027, 2, 2)


def _s47_sent_on_the_safeguarding_leads_decision(session: Session) -> None:
    case = _case(session)
    facts = case.facts
    assert (facts["consent_given"], facts["sent_without_consent_basis"]) == (False, "override")
    assert facts["override_concern"] == "s47_significant_harm"
    assert facts["triage_decision"] == "s47_strategy_discussion"
    # Received when the lead's decision sent it (11:00), not when it was drafted (10:00).
    assert facts["feedback_after_minutes"] == 3 * 60
    decisions = _decisions(session, case)
    assert decisions == [
        ("consent_override", "safeguarding_lead_overrides_consent", "sl.tonbridge-malling", SL),
        ("rfs_triage", "RFS_S47", "ifdtm.tonbridge-malling", "ifd-team-manager"),
    ]
    override = session.exec(select(Decision).where(Decision.kind == "consent_override")).one()
    assert "significant harm" in override.rationale
    # The request the lead decided on recorded the family's consent as not given; the
    # override is the lead's decision, and the case page shows both.
    assert [(purpose, given) for purpose, given, _ in _consents(session, case)] == [
        (RFS_PURPOSE, False)
    ]
    consents, timeline = _case_page_shows(session, case)
    assert consents == [RFS_PURPOSE]
    assert "Decision consent_override: safeguarding_lead_overrides_consent" in timeline
    ((action, actor, _, reason),) = _refusals(session, case)
    assert (action, actor) == (
        f"{PATHWAY}.accept_intensive_early_help.refused",
        "ifd.tonbridge-malling",
    )
    assert "needs the family's consent" in reason


def _not_accepted_within_the_working_day(session: Session) -> None:
    case = _case(session)
    assert case.facts["triage_decision"] == "not_accepted"
    assert case.facts["feedback_after_minutes"] == 24 * 60
    assert london_date(_timer(session, case, "ifd_triage").due_at) == date(2027, 1, 15)
    # Not accepted left the case open for the LHA's disagreement; it closed once resolved.
    assert (case.facts["disagreement_raised_by"], case.facts["disagreement_resolved"]) == (
        "lha",
        True,
    )
    ((action, actor, _, reason),) = _refusals(session, case)
    assert (action, actor) == (f"{PATHWAY}.lha_closes_after_not_accepted.refused", "ho.swale")
    assert "disagreement is open" in reason


def _incomplete_request_wrote_nothing(session: Session) -> None:
    case = _case(session)
    ((action, _, _, reason),) = _refusals(session, case)
    assert action == f"{PATHWAY}.submit_rfs.refused"
    missing = reason.split("missing: ", 1)[1]
    assert missing.split(", ") == [
        "the date of birth of household member 2",
        "contact details of household member 2",
        "synopsis",
        "the date the 56-day duty ends",
        "the LHA's next steps",
        "the referrer's phone number",
        "the personal housing plan (PHP) reference",
    ]
    # Only the complete request's two members: the refused one left no rows behind.
    assert _household(session, case) == [(f"household_members.{n}", True, True) for n in (1, 2)]
    sent_at = datetime(2027, 1, 18, 10, 20, tzinfo=UTC)
    assert _utc(case.facts["rfs_received_at"]) == sent_at
    assert _timer(session, case, "ifd_triage").started_at == sent_at
    outbox = session.exec(select(Notification.created_at)).all()
    assert outbox and min(outbox) >= sent_at
    _people_stay_in_person_rows(session, case)


def _only_the_lead_decides_and_only_the_ifd_triages(session: Session) -> None:
    declined = _case(session, "not_sent")
    second = _case(session, "joint_working")
    assert _decisions(session, declined) == [
        ("consent_override_declined", "RFS_NO_CONSENT_NOT_SENT", "sl.ashford", SL)
    ]
    rationale = session.exec(select(Decision.rationale).where(Decision.case_id == declined.id))
    assert "Level 2 support continues" in rationale.one()
    refused = [(a, actor, role) for a, actor, role, _ in _refusals(session, declined)]
    assert refused == [
        (f"{PATHWAY}.safeguarding_lead_overrides_consent.forbidden", "ho.ashford", HO)
    ]
    refused = [(a, actor, role) for a, actor, role, _ in _refusals(session, second)]
    assert refused == [
        (f"{PATHWAY}.accept_intensive_early_help.forbidden", "sw.ashford", "ics-social-worker"),
        (f"{PATHWAY}.not_accepted.forbidden", "so.ashford", "lha-senior-officer"),
    ]
    # Not sent: no triage clock, and nothing went to the Integrated Front Door.
    assert session.exec(select(Timer).where(Timer.case_id == declined.id)).all() == []
    to_ifd = select(Notification).where(
        Notification.case_id == declined.id, Notification.recipient == "ifd"
    )
    assert session.exec(to_ifd).all() == []
    assert "rfs_received_at" not in declined.facts


def _nrpf_sent_without_consent_on_the_s184_basis(session: Session) -> None:
    case = _case(session)
    facts = case.facts
    assert (facts["support_level"], facts["nrpf_family_with_children"]) == (2, True)
    assert (facts["consent_given"], facts["sent_without_consent_basis"]) == (False, "nrpf")
    assert facts["duty_owed"] == "none"
    refused = [(a, reason.split(" ", 1)[0]) for a, _, _, reason in _refusals(session, case)]
    assert refused == [
        (f"{PATHWAY}.signpost_universal_services.refused", "an"),
        (f"{PATHWAY}.submit_rfs.refused", "s184_letter_reference:"),
    ]
    # Accepted on Wednesday 3 February: 45 working days end on Friday 9 April.
    assert london_date(_timer(session, case, "cf_assessment").due_at) == date(2027, 4, 9)


def _the_ifd_chain_alerted_in_order(session: Session) -> None:
    case = _case(session)
    rows = session.exec(
        select(Notification)
        .where(Notification.event_type == "timer_escalation")
        .order_by(col(Notification.created_at))
    ).all()
    # One level per escalation step, to the named manager of each level at Dover.
    # The breach reached the team manager (level 1); the walk went on from level 2.
    assert [(london_date(n.created_at), n.recipient, n.route) for n in rows] == [
        (date(2027, 1, 20), "role:ifd-service-manager", "email:ifdsm.dover@kent.example"),
        (date(2027, 1, 27), "role:ics-assistant-director", "email:ad.dover@kent.example"),
    ]
    breach = session.exec(
        select(Notification)
        .where(Notification.event_type == "timer_breach")
        .order_by(col(Notification.recipient))
    ).all()
    assert [(london_date(n.created_at), n.recipient) for n in breach] == [
        (date(2027, 1, 13), "ifd"),
        (date(2027, 1, 13), "role:ifd-team-manager"),
    ]
    triage = _timer(session, case, "ifd_triage")
    assert london_date(triage.due_at) == date(2027, 1, 12)
    assert (triage.escalation_chain, triage.next_fire_at) == ("ifd", None)


def _disagreement_positions_and_resolution(session: Session) -> None:
    case = _case(session)
    facts = case.facts
    assert facts["disagreement_raised_by"] == "ics"
    assert (facts["disagreement_open"], facts["disagreement_resolved"]) == (False, True)
    events = session.exec(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(col(CaseEvent.id))
    ).all()
    moves = [
        (e.transition, e.actor, e.role, e.payload.get("level"))
        for e in events
        if "disagreement" in e.transition or e.transition == "record_escalation_position"
    ]
    assert moves == [
        ("ics_raises_disagreement", "sw.folkestone", "ics-social-worker", None),
        ("record_escalation_position", "tm.folkestone", "ics-team-manager", "team_manager"),
        ("record_escalation_position", "sm.folkestone", "ics-service-manager", "service_manager"),
        ("resolve_disagreement", "ad.folkestone", "ics-assistant-director", None),
    ]
    timers = set(session.exec(select(Timer.name).where(Timer.case_id == case.id)).all())
    assert "disagreement_ics" in timers and not {"disagreement_lha", "disagreement_ifd"} & timers


def _signposted_without_a_request(session: Session) -> None:
    case = _case(session, "universal_support")
    assert case.facts["support_level"] == 2
    assert session.exec(select(Timer)).all() == []
    assert session.exec(select(Person)).all() == []
    refused = [a for a, _, _, _ in _refusals(session, case)]
    assert refused == [
        f"{PATHWAY}.start_rfs.refused",
        f"{PATHWAY}.signpost_universal_services.refused",
    ]
    # Each family's answer is a consent record: the refused attempt left none.
    assert _consents(session, case) == [(OPEN_ACCESS_PURPOSE, True, "ho.sevenoaks")]
    declined = _case(session, "open_access_declined")
    assert _consents(session, declined) == [(OPEN_ACCESS_PURPOSE, False, "ho.sevenoaks")]
    assert _case_page_shows(session, declined)[0] == [OPEN_ACCESS_PURPOSE]


def _cross_district_moves_recorded(session: Session) -> None:
    facts = _case(session).facts
    assert facts["local_connection_referral_to"] == "tonbridge-malling"
    assert facts["local_connection_referral_accepted_on"] == "2027-01-18"
    assert (facts["ics_case_transferred_to"], facts["ics_transfer_reason"]) == (
        "tonbridge-malling",
        "family_ties",
    )


MORE_CHECKS: MoreChecks = {
    "rfs_accepted_intensive_early_help": _intensive_early_help_feedback_timed,
    "rfs_accepted_s17_assessment": _s17_assessment_in_45_working_days,
    "rfs_s47_strategy_discussion": _s47_sent_on_the_safeguarding_leads_decision,
    "rfs_not_accepted": _not_accepted_within_the_working_day,
    "rfs_incomplete_refused": _incomplete_request_wrote_nothing,
    "rfs_no_consent_not_sent": _only_the_lead_decides_and_only_the_ifd_triages,
    "rfs_nrpf_family": _nrpf_sent_without_consent_on_the_s184_basis,
    "rfs_triage_breach_escalates": _the_ifd_chain_alerted_in_order,
    "rfs_disagreement_to_assistant_director": _disagreement_positions_and_resolution,
    "rfs_universal_support_l2": _signposted_without_a_request,
    "rfs_cross_district_s198": _cross_district_moves_recorded,
}


def test_every_rfs_scenario_has_its_own_checks_and_every_outcome_a_scenario() -> None:
    assert sorted(MORE_CHECKS) == [path.stem for path in SCENARIOS]
    expected = [yaml.safe_load(path.read_text(encoding="utf-8"))["expect"] for path in SCENARIOS]
    ended = {case.get("outcome") for wanted in expected for case in wanted["cases"].values()}
    assert set(OUTCOMES) <= ended
