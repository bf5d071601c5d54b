"""The intentional-homelessness pathway end to end on a real Prefect server, real databases and
a real SMTP server: every scenario (tests/scenarios/ih_*.yaml) is played through ``pathways
simulate``; then what a scenario's ``expect:`` cannot say is checked on the played database:
the audit trail of the sign-offs (who signed, when, in which role, on what basis), the refused
attempts, and the facts the decision recorded.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from models import AuditEvent, Case, CaseEvent, Decision, Notification, Timer
from pathways.calendar import london_date
from tests.support.scenario_play import MoreChecks, play_scenario

pytestmark = pytest.mark.usefixtures("prefect_server")

PATHWAY = "intentional-homelessness"
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("ih_*.yaml"))
SEED_004 = "seed 004 §1.2, §2.10"
ROLE_CHECK = "role check (spec §0.3)"


def _case_at(session: Session, state: str) -> Case:
    return session.exec(select(Case).where(Case.pathway == PATHWAY, Case.state == state)).one()


def _decisions(session: Session, case: Case) -> list[tuple[str, str, str, str]]:
    """(kind, outcome, decided_by, role) of the case's decisions, oldest first."""
    rows = session.exec(
        select(Decision).where(Decision.case_id == case.id).order_by(col(Decision.decided_at))
    )
    return [(d.kind, d.outcome, d.decided_by, d.role) for d in rows]


def _refusals(session: Session, case: Case, *kinds: str) -> list[AuditEvent]:
    """The case's refused attempts audited as any of ``kinds`` (default: "forbidden", the
    role checks, and "refused", the pathway rules), oldest first."""
    suffixes = tuple(f".{kind}" for kind in kinds or ("forbidden", "refused"))
    events = session.exec(
        select(AuditEvent)
        .where(AuditEvent.case_reference == case.reference)
        .order_by(col(AuditEvent.id))
    )
    return [e for e in events if e.action.endswith(suffixes)]


def _signed_off_by_two_directors_and_issued(session: Session) -> None:
    case = _case_at(session, "closed_decision_stands")
    assert _decisions(session, case) == [
        ("ih_signoff", "housing_director_approves", "dir.canterbury", "housing-director"),
        ("ih_signoff", "childrens_director_approves", "ad.canterbury", "ics-assistant-director"),
        ("intentionality", "issue_decision", "ho.canterbury", "lha-housing-officer"),
    ]
    sign_offs = session.exec(
        select(Decision)
        .where(Decision.case_id == case.id, Decision.kind == "ih_signoff")
        .order_by(col(Decision.decided_at))
    ).all()
    assert [d.decided_at for d in sign_offs] == [
        datetime(2027, 2, 3, 10, 0, tzinfo=UTC),
        datetime(2027, 2, 4, 9, 0, tzinfo=UTC),
    ]
    assert all(d.basis.startswith(SEED_004) and d.rationale for d in sign_offs)

    # The wrong role, and the same person in their other role: each a 403, audited.
    forbidden = _refusals(session, case, "forbidden")
    assert [(e.action, e.actor, e.role, e.basis) for e in forbidden] == [
        (
            f"{PATHWAY}.housing_director_approves.forbidden",
            "ho.canterbury",
            "lha-housing-officer",
            ROLE_CHECK,
        ),
        (
            f"{PATHWAY}.childrens_director_approves.forbidden",
            "dir.canterbury",
            "ics-assistant-director",
            ROLE_CHECK,
        ),
    ]
    assert "already signed this decision off" in str((forbidden[1].after or {})["reason"])

    # One period on the clock and in the letter (errata 18): 21 days beginning with the day
    # of deemed notification.
    assert case.facts["review_period_days"] == 21
    assert case.facts["review_request_ends_on"] == "2027-02-24"
    assert case.facts["joint_message_given"] is True
    window = session.exec(
        select(Timer).where(Timer.case_id == case.id, Timer.name == "review_request")
    ).one()
    assert london_date(window.due_at) == date(2027, 2, 24)


def _declined_clears_both_sign_offs(session: Session) -> None:
    case = _case_at(session, "closed_no_finding")
    assert _decisions(session, case) == [
        ("ih_signoff", "housing_director_approves", "hd.sevenoaks", "housing-director"),
        ("ih_signoff_declined", "director_declines", "ad.sevenoaks", "ics-assistant-director"),
    ]
    assert case.facts["signoff_declined"] is True
    assert (case.facts["housing_signoff"], case.facts["childrens_signoff"]) == (False, False)
    assert "s184_decided_on" not in case.facts


def _barred_for_the_care_leaver_only(session: Session) -> None:
    leaver = _case_at(session, "finding_barred")
    assert leaver.facts["care_leaver_category"] == "former_relevant_child"
    assert _decisions(session, leaver) == [
        ("intentionality", "IH_BLOCKED_CWSA2026", "ho.dover", "lha-housing-officer"),
    ]
    (refused,) = _refusals(session, leaver, "refused")
    assert refused.action == f"{PATHWAY}.request_sign_off.refused"
    assert "s.191(1ZA)-(1C)" in str((refused.after or {})["reason"])
    family = _case_at(session, "awaiting_sign_off")
    assert family.facts["care_leaver_category"] == "not_relevant_or_former_relevant"
    assert _decisions(session, family) == []


def _relief_continued_without_sign_off(session: Session) -> None:
    case = _case_at(session, "relief_continued")
    assert _decisions(session, case) == [
        ("intentionality", "IH_AVOIDED_RELIEF_CONTINUED", "so.ashford", "lha-senior-officer"),
    ]
    timers = session.exec(select(Timer.name).where(Timer.case_id == case.id)).all()
    assert not {"housing_signoff", "childrens_signoff"} & set(timers)


def _due_on(session: Session, case: Case, timer: str) -> date:
    """The London date a case's (latest) timer of that name falls due."""
    found = session.exec(
        select(Timer)
        .where(Timer.case_id == case.id, Timer.name == timer)
        .order_by(col(Timer.occurrence).desc())
    ).first()
    assert found is not None, f"{case.reference} has no {timer} timer"
    return london_date(found.due_at)


def _upheld_by_an_independent_senior_reviewer(session: Session) -> None:
    case = _case_at(session, "closed_review_upheld")
    assert ("s202_review", "review_upheld", "sor.dartford", "lha-reviewing-officer") in (
        _decisions(session, case)
    )
    refused = [(e.action, e.actor, e.role) for e in _refusals(session, case)]
    assert refused == [
        (f"{PATHWAY}.review_upheld.forbidden", "hor.dartford", "lha-reviewing-officer"),
        (f"{PATHWAY}.review_upheld.forbidden", "sor.dartford", "lha-senior-officer"),
        (f"{PATHWAY}.close_after_appeal_window.refused", "hor.dartford", "lha-housing-officer"),
    ]
    # s.204(2): 21 days after notification on Monday 15 February, that day excluded.
    assert case.facts["appeal_ends_on"] == "2027-03-08"
    assert _due_on(session, case, "appeal_window") == date(2027, 3, 8)
    assert _due_on(session, case, "review_decision_eight_weeks") == date(2027, 3, 9)


def _extension_replaces_the_eight_weeks(session: Session) -> None:
    case = _case_at(session, "closed_review_overturned")
    assert case.facts["review_extended_to"] == "2027-03-30"
    assert case.facts["review_decision_due_on"] == "2027-03-30"
    assert _due_on(session, case, "review_decision_eight_weeks") == date(2027, 3, 9)
    assert _due_on(session, case, "review_decision_extended") == date(2027, 3, 30)
    assert ("s202_review", "REVIEW_OVERTURNED", "ro.gravesham", "lha-reviewing-officer") in (
        _decisions(session, case)
    )


def _notice_ends_on_the_monday_and_reaches_ics_with_consent(session: Session) -> None:
    cases = session.exec(select(Case).where(Case.pathway == PATHWAY)).all()
    by_consent = {bool(c.facts["s213a_consent_given"]): c for c in cases}
    for case in by_consent.values():
        # Given Friday 8 January: 28 days is Friday 5 February, so Monday 8 February (T16).
        assert case.facts["accommodation_ends_on"] == "2027-02-08"
        assert _due_on(session, case, "accommodation_end") == date(2027, 2, 8)
    sent_to_ics = {
        c: session.exec(
            select(Notification).where(
                Notification.case_id == by_consent[c].id,
                Notification.event_type == "action_required",
                Notification.recipient == "ics",
            )
        ).all()
        for c in (True, False)
    }
    assert sent_to_ics[False] == []
    (alert,) = sent_to_ics[True]
    assert alert.context["event"] == "Accommodation end date to note"
    assert alert.context["due"] == "Mon 08 Feb 2027 23:59 (UK time)"


def _late_review_opens_the_appeal_from_the_due_day(session: Session) -> None:
    case = _case_at(session, "under_review")
    assert case.facts["review_decision_late"] is True
    # s.204(1)(b) (errata 19): 21 days from Tuesday 9 March, when the decision was due, not
    # from Friday 12 March, when the sweep found it late.
    assert case.facts["appeal_ends_on"] == "2027-03-30"
    assert _due_on(session, case, "appeal_window_late_review") == date(2027, 3, 30)
    late = session.exec(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.transition == "review_decision_late"
        )
    ).one()
    assert (late.role, late.status) == ("system", "applied")
    assert london_date(late.occurred_at) == date(2027, 3, 9)


MORE_CHECKS: MoreChecks = {
    "ih_care_leaver_signed_off_issued": _signed_off_by_two_directors_and_issued,
    "ih_signoff_declined": _declined_clears_both_sign_offs,
    "ih_barred_cwsa2026": _barred_for_the_care_leaver_only,
    "ih_relief_continued": _relief_continued_without_sign_off,
    "ih_review_upheld": _upheld_by_an_independent_senior_reviewer,
    "ih_review_overturned_with_extension": _extension_replaces_the_eight_weeks,
    "ih_reasonable_notice_not_friday": _notice_ends_on_the_monday_and_reaches_ics_with_consent,
    "ih_late_review_appeal": _late_review_opens_the_appeal_from_the_due_day,
}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda path: path.stem)
def test_intentionality_scenario_holds(scenario: Path, tmp_path: Path) -> None:
    play_scenario(scenario, tmp_path, MORE_CHECKS)
