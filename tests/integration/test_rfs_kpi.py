"""The KPI "median time from a Request for Support to feedback", over requests made through the
real use cases on SQLite and PostgreSQL: sent with consent and by the Safeguarding Lead's
override, answered across a weekend, one still waiting, one received before the period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final

from sqlalchemy.engine import Engine
from sqlmodel import Session

from application.case_commands import record_step, start_case
from application.kpis import FeedbackTimes, Line, Share, kpi_report
from application.principals import SYSTEM_ACTING
from application.report_scope import ReportPeriod
from dashboard.templating import environment
from pathways.refusal import Refusal
from tests.support.cases import acting_for, apply_now

PATHWAY: Final = "request-for-support"
FEBRUARY: Final = ReportPeriod(date(2027, 2, 1), date(2027, 2, 28))
HO: Final = "lha-housing-officer"
SL: Final = "lha-safeguarding-lead"
IFD: Final = "ifd-triage-worker"
THRESHOLD: Final = {
    "support_level": 3,
    "safeguarding_concern": False,
    "nrpf_family_with_children": False,
    "spoke_to_parents": True,
    "consulted_safeguarding_lead": False,
}


def at(day: int, hour: int, minute: int = 0, month: int = 2) -> datetime:
    # February 2027 is GMT, so UTC is the office's wall clock.
    return datetime(2027, month, day, hour, minute, tzinfo=UTC)


def content(authority: str, *, consent: bool) -> dict[str, Any]:
    return {
        "household_members": [
            {
                "full_name": "Casey Notreal",
                "date_of_birth": "1994-11-02",
                "relationship": "parent",
                "contact_details": "07700 900517",
            },
            {
                "full_name": "Drew Notreal",
                "date_of_birth": "2013-05-14",
                "relationship": "child",
                "contact_details": "Through the parent",
            },
        ],
        "synopsis": "Section 21 notice; no affordable home found.",
        "complicating_factors": "A disability in the household.",
        "duty_owed": "prevention",
        "duty_ends_on": "2027-03-29",
        "lha_next_steps": "Negotiate more time with the landlord.",
        "interventions_tried": "Discretionary housing payment.",
        "impact_of_interventions": "Two months of the shortfall covered.",
        "agencies_involved": "The child's school.",
        "referrer_name": "Housing Officer",
        "referrer_email": f"ho.{authority}@test.example",
        "referrer_phone": "01632 960202",
        "s184_letter_reference": "S184-0201",
        "assessment_reference": "HA-0201",
        "php_reference": "PHP-0201",
        "family_consent": {
            "given": consent,
            "scope": "Sharing this request with the Integrated Front Door.",
        },
    }


def request(
    authority: str,
    sent: datetime,
    *,
    consent: bool = True,
    decision: str | None = None,
    decided: datetime | None = None,
) -> None:
    """A Level 3 request opened the same morning and received at ``sent`` (sent by the
    Safeguarding Lead when there is no consent); the front door's ``decision`` at ``decided``."""
    staff = {HO: f"ho.{authority}", SL: f"sl.{authority}", IFD: f"ifd.{authority}"}
    opened = start_case(
        acting=acting_for(staff[HO], HO, authority),
        pathway=PATHWAY,
        authority_id=authority,
        payload=THRESHOLD,
        runner=apply_now,
        now=sent.replace(hour=8, minute=0),
    )
    assert not isinstance(opened, Refusal), opened

    def step(transition: str, role: str, when: datetime, payload: dict[str, Any]) -> None:
        outcome = record_step(
            acting=acting_for(staff[role], role, authority),
            case_reference=opened.case_reference,
            transition=transition,
            payload=payload,
            runner=apply_now,
            now=when,
        )
        assert not isinstance(outcome, Refusal), outcome

    step("start_rfs", HO, sent.replace(hour=8, minute=10), {})
    if consent:
        step("submit_rfs", HO, sent, content(authority, consent=True))
    else:
        asked = sent.replace(hour=8, minute=20)
        step("ask_safeguarding_lead", HO, asked, content(authority, consent=False))
        override = {"rationale": "Risk of significant harm.", "concern": "s47_significant_harm"}
        step("safeguarding_lead_overrides_consent", SL, sent, override)
    if decision is not None and decided is not None:
        step(decision, IFD, decided, {})


def test_the_median_time_to_feedback_per_authority_in_working_and_clock_hours(
    app_engine: Engine,
) -> None:
    # Monday 10:00 to 14:00: four working hours, four on the clock.
    request("canterbury", at(1, 10), decision="not_accepted", decided=at(1, 14))
    # Friday 16:00 to Monday 10:00: two working hours, 66 on the clock.
    request("canterbury", at(5, 16), decision="accept_intensive_early_help", decided=at(8, 10))
    # Sent by the Safeguarding Lead without consent on Tuesday 11:00, decided at noon.
    request(
        "canterbury",
        at(9, 11),
        consent=False,
        decision="refer_for_s47_strategy_discussion",
        decided=at(9, 12),
    )
    # Received before February, decided in it: not this period's request.
    request("canterbury", at(29, 15, month=1), decision="not_accepted", decided=at(1, 9))
    # Dartford's request is still waiting for its decision.
    request("dartford", at(10, 9, 30), decision=None)

    officer = acting_for("ho.canterbury", HO, "canterbury")
    with Session(app_engine) as session:
        report = kpi_report(session, SYSTEM_ACTING, at(26, 12), FEBRUARY)
        own = kpi_report(session, officer, at(26, 12), FEBRUARY).rfs_feedback
    everyone = report.rfs_feedback

    canterbury = FeedbackTimes("Canterbury City Council", 3, 3, 2.0, 4.0)
    dartford = FeedbackTimes("Dartford Borough Council", 1, 0, None, None)
    assert everyone.authorities == (canterbury, dartford)
    assert everyone.overall == FeedbackTimes("All authorities", 4, 3, 2.0, 4.0)
    assert everyone.overall.awaiting == 1
    assert everyone.overall.text == "2.0 working hours (3 requests)"
    assert [(bar.label, bar.value) for bar in everyone.bars] == [("Canterbury City Council", 2.0)]
    assert everyone.outcomes == (
        Line("Accepted: Intensive Early Help", 1, Share(1, 3)),
        Line("Accepted: s.17 child and family assessment", 0, Share(0, 3)),
        Line("Referred for an s.47 strategy discussion", 1, Share(1, 3)),
        Line("Not accepted: the LHA continues with Level 2 / universal services", 1, Share(1, 3)),
    )
    # A Canterbury officer's report has only Canterbury's requests.
    assert own.authorities == (canterbury,)
    assert own.overall == FeedbackTimes("All authorities", 3, 3, 2.0, 4.0)

    page = (
        environment()
        .get_template("kpis.html")
        .render(report=report, title="KPIs", navigation=[], viewer=None, csrf_token="")
    )
    assert "Requests received 01 Feb 2027 to 28 Feb 2027." in page
    assert "All authorities: 2.0 working hours (3 requests)</strong>; 1 still waiting" in page
    assert "Canterbury City Council: 2.0 working hours (3 requests)" in page  # the chart's text
