"""Demo data for ``make run``: named staff and one 16/17 intake case per route.

Every case is played through the real flows (``flows.dispatch``) at past moments, in one
chronological order across all cases, with the shared clock frozen at each moment: the served
timer sweep then sees the same time as the step being recorded, so warnings, breaches and the
looked-after rule fire when they would have. The clock is given back afterwards. Everyone in
the demo is obviously fictional. Seeding runs once: an audit event marks it done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from application.cases import EventRefusedError
from application.staff import add_staff, assign_staff
from flows.dispatch import record_step, start_case
from flows.timer_sweep import timer_sweep
from infrastructure import audit, clock
from infrastructure.db import session_scope
from models import AuditEvent, ClockOffset, StaffMember
from pathways.calendar import add_months

PATHWAY = "youth-1617-intake"
SEEDED = "demo.seeded"
ACTOR = "demo"
BASIS = "demo data for `make run` (fictional people)"
AUTHORITIES = {"dartford": "Dartford", "gravesham": "Gravesham", "medway": "Medway"}
# Short name -> (role, team, title) for every role the 16/17 pathway uses.
STAFF_ROLES = {
    "ho": ("lha-housing-officer", "lha", "Housing Officer"),
    "so": ("lha-senior-officer", "lha", "Senior Officer"),
    "sw": ("ics-social-worker", "ics", "Social Worker"),
    "tm": ("ics-team-manager", "ics", "ICS Team Manager"),
    "eh": ("early-help-practitioner", "ics", "Early Help Practitioner"),
    "ehl": ("early-help-unit-lead", "ics", "Early Help Unit Lead"),
}
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
SEEN_BOTH = {"saw_family": True, "saw_young_person": True}
DOMAINS = ["behaviour_asb", "debt", "no_occupation_or_paid_work"]
REVIEWED_EFFECTIVE = {"support_taken_up": True, "progress": "improving", "package_effective": True}


def username(short: str, authority: str) -> str:
    return f"demo.{short}.{authority}"


@dataclass(frozen=True)
class Play:
    at: datetime
    case: str
    transition: str | None = None
    by: str = "ho"
    payload: dict[str, Any] = field(default_factory=dict)
    refused: bool = False
    sweep: bool = False


@dataclass
class Story:
    """One demo case: who opens it, when, and the steps that follow, as offsets from opening."""

    key: str
    authority: str
    opened: datetime
    young_person: str
    date_of_birth: date
    opened_by: str = "ho"
    intake: dict[str, Any] = field(default_factory=dict)
    plays: list[Play] = field(default_factory=list)

    def step(
        self,
        after: timedelta,
        transition: str,
        by: str,
        payload: dict[str, Any] | None = None,
        refused: bool = False,
    ) -> Story:
        self.plays.append(
            Play(self.opened + after, self.key, transition, by, payload or {}, refused)
        )
        return self

    def sweep(self, after: timedelta) -> Story:
        self.plays.append(Play(self.opened + after, self.key, sweep=True))
        return self

    def opening(self) -> Play:
        payload = {
            "enquiry_received_at": self.opened.isoformat(),
            "young_person": {
                "full_name": self.young_person,
                "date_of_birth": str(self.date_of_birth),
            },
            "parent_or_pr_holder": {"full_name": f"{self.young_person} Fictitious-Parent"},
            "slept_last_night": "sofa_surfing",
            "safe_tonight": True,
            "known_to_ics": False,
            "young_person_consent": {"purpose": "joint LHA and ICS working", "given": True},
            "parent_consent": {"purpose": "joint LHA and ICS working", "given": True},
            "approached": "co_located_team",
            **self.intake,
        }
        return Play(self.opened, self.key, None, self.opened_by, payload)


def _morning(now: datetime, days_ago: int, hour: int = 9) -> datetime:
    return (now - days_ago * DAY).replace(hour=hour, minute=0, second=0, microsecond=0)


def _aged(today: date, years: int, days: int) -> date:
    """A date of birth that makes someone ``years`` old ``days`` after their birthday today."""
    return add_months(today - timedelta(days=days), -12 * years)


def _support_package(story: Story, by: str = "eh") -> Story:
    story.step(5 * MINUTE, "triage_safe_tonight", "ho")
    story.step(3 * HOUR, "support_package_needed", by, SEEN_BOTH)
    story.step(DAY, "agree_caf_plan", by, {"plan": "caf_action_plan", "support_domains": DOMAINS})
    return story


def _prevention_duty(story: Story) -> Story:
    satisfied_on = (story.opened + DAY).date().isoformat()
    duty = {"satisfied_on": satisfied_on, "personalised_housing_plan_agreed": True}
    return story.step(DAY + HOUR, "open_prevention_duty", "ho", duty)


def _week(story: Story, week: int, effective: bool = True) -> Story:
    meeting = {"support_taken_up": effective, "progress": "improving" if effective else "worsening"}
    story.step(week * 7 * DAY, "record_home_meeting", "eh", meeting)
    review = {**meeting, "package_effective": effective}
    return story.step(week * 7 * DAY + HOUR, "record_team_review", "sw", review)


def _assessed(story: Story, after: timedelta, outcome: str) -> Story:
    story.step(after, "escalate_to_assessment", "sw")
    referral = {
        "decision": "child_and_family_assessment",
        "rationale": "The package has not worked.",
    }
    story.step(after + 4 * HOUR, "record_referral_decision", "tm", referral)
    assessed = {"decision": outcome, "rationale": "Cannot safely return home yet."}
    return story.step(after + 14 * DAY, "complete_assessment", "sw", assessed)


def stories(now: datetime) -> list[Story]:
    """One case per route (spec §2), all opened and moved on before ``now``."""
    today = now.date()
    sixteen, seventeen = _aged(today, 16, 150), _aged(today, 17, 100)

    returned_home = Story("O1 returned home", "dartford", _morning(now, 20), "Demo Alex", seventeen)
    returned_home.step(5 * MINUTE, "triage_safe_tonight", "ho")
    returned_home.step(16 * HOUR, "returned_home_no_further_input", "sw", SEEN_BOTH)

    # Still running: recurring meetings and reviews, and a close refused for want of agreement.
    running = Story("O2 package running", "dartford", _morning(now, 30), "Demo Sam", sixteen)
    _prevention_duty(_support_package(running))
    for week in (1, 2, 3, 4):
        _week(running, week)
    running.step(29 * DAY, "record_stakeholder_review", "tm", REVIEWED_EFFECTIVE)
    running.step(29 * DAY + 2 * HOUR, "young_person_asks_to_stop", "eh")
    running.step(29 * DAY + 3 * HOUR, "close_case", "ho", refused=True)

    closed = Story("O2 closed by agreement", "gravesham", _morning(now, 60), "Demo Jo", seventeen)
    _prevention_duty(_support_package(closed))
    for week in (1, 2, 3):
        _week(closed, week)
    agreed = 3 * 7 * DAY + 4 * HOUR
    closed.step(agreed, "family_asks_to_stop", "eh")
    closed.step(agreed, "young_person_asks_to_stop", "eh")
    closed.step(agreed + HOUR, "team_agrees_to_close", "so", {"rationale": "All agree to stop."})
    secured = {"duty_outcome": "accommodation_secured_6_months_existing"}
    closed.step(agreed + 2 * HOUR, "end_prevention_duty", "ho", secured)
    closed.step(agreed + 3 * HOUR, "close_case", "ho")

    not_safe = Story(
        "not safe tonight, looked after",
        "dartford",
        _morning(now, 3, 15),
        "Demo Casey",
        seventeen,
        opened_by="sw",
        intake={"safe_tonight": False, "slept_last_night": "rough_sleeping"},
    )
    bed_and_breakfast = {
        "placed_at": _morning(now, 3, 17).isoformat(),
        "accommodation": "bed_and_breakfast",
    }
    exception = {
        "bb_exceptional_reason": "No foster or supported-lodgings bed free in Kent tonight.",
        "bb_authorised_by": username("tm", "dartford"),
    }
    not_safe.step(5 * MINUTE, "triage_not_safe_tonight", "sw")
    not_safe.step(HOUR, "place_under_s20", "sw", bed_and_breakfast, refused=True)
    not_safe.step(2 * HOUR, "place_under_s20", "sw", {**bed_and_breakfast, **exception})
    not_safe.step(20 * HOUR, "joint_visit_stays_accommodated", "ho", SEEN_BOTH)
    not_safe.sweep(26 * HOUR + MINUTE)

    overdue = Story("joint visit overdue", "gravesham", _morning(now, 2), "Demo Morgan", sixteen)
    overdue.step(5 * MINUTE, "triage_safe_tonight", "ho")
    overdue.sweep(18 * HOUR + MINUTE)
    overdue.sweep(24 * HOUR + MINUTE)

    # Sixteen 45 days ago, so the care-leaver case's needs assessment (T17) is not yet due.
    accepted = Story(
        "O3 s.20 accepted",
        "dartford",
        _morning(now, 40),
        "Demo Taylor",
        _aged(today, 16, 45),
        intake={"referrer_email": "pastoral@demo-school.example"},
    )
    _week(_support_package(accepted, by="sw"), 1, effective=False)
    _assessed(accepted, 7 * DAY + 2 * HOUR, "s20_offer")
    accepted.step(22 * DAY, "s20_accepted", "sw")

    declined = Story("s.20 declined", "medway", _morning(now, 35), "Demo Avery", seventeen)
    _week(_support_package(declined), 1, effective=False)
    _assessed(declined, 7 * DAY + 2 * HOUR, "s20_offer")
    advised = {"advice_given": True, "advocacy_offered": True}
    declined.step(22 * DAY, "s20_declined_after_advice", "sw", advised)

    out_of_area = Story(
        "O4 out of area",
        "medway",
        _morning(now, 5, 10),
        "Demo Quinn",
        seventeen,
        intake={"safe_tonight": False, "approached": "housing_options"},
    )
    nightstop = {"placed_at": _morning(now, 5, 12).isoformat(), "accommodation": "nightstop"}
    out_of_area.step(10 * MINUTE, "triage_not_safe_tonight", "ho")
    out_of_area.step(2 * HOUR, "place_under_s188", "ho", nightstop)
    home = {"home_authority": "Demo Borough Council"}
    out_of_area.step(6 * HOUR, "supported_back_to_home_authority", "ho", home)

    rejected = Story("O5 rejected assistance", "gravesham", _morning(now, 12), "Demo Drew", sixteen)
    _support_package(rejected)
    not_taken_up = {"support_taken_up": False, "progress": "worsening"}
    rejected.step(7 * DAY, "record_home_meeting", "eh", not_taken_up)
    rejected.step(7 * DAY + 2 * HOUR, "assistance_rejected", "sw")

    return [
        returned_home,
        running,
        closed,
        not_safe,
        overdue,
        accepted,
        declined,
        out_of_area,
        rejected,
    ]


def seed_demo(engine: Engine) -> None:
    """Adds the demo staff and cases, unless an earlier run already did."""
    with session_scope(engine) as session:
        if session.exec(select(AuditEvent.id).where(AuditEvent.action == SEEDED)).first():
            return
        _add_staff(session)
    now = clock.now(engine)
    cases = stories(now)
    plays = sorted(
        (play for story in cases for play in (story.opening(), *story.plays)),
        key=lambda play: play.at,
    )
    references: dict[str, str] = {}
    by_key = {story.key: story for story in cases}
    with _clock_frozen_in_turn(engine) as freeze:
        for play in plays:
            if play.at >= now:
                raise DemoSeedError(f"demo case '{play.case}' has a step in the future")
            freeze(play.at)
            _play(engine, play, by_key[play.case], references)
    timer_sweep()
    with session_scope(engine) as session:
        audit.record(
            session,
            actor=ACTOR,
            role="system",
            action=SEEDED,
            after={"cases": references},
            basis=BASIS,
            at=now,
        )


def _add_staff(session: Session) -> None:
    for authority, place in AUTHORITIES.items():
        for short, (role, team, title) in STAFF_ROLES.items():
            name = username(short, authority)
            if session.exec(select(StaffMember.id).where(StaffMember.username == name)).first():
                continue
            add_staff(
                session,
                username=name,
                display_name=f"Demo {title} ({place})",
                email=f"{name}@{authority}.example",
                role=role,
                team=team,
                authority_id=authority,
                actor=ACTOR,
                actor_role="system",
                basis=BASIS,
            )


class DemoSeedError(RuntimeError):
    """A demo step did not go as its story says: the pathway and the demo disagree."""


@contextmanager
def _clock_frozen_in_turn(engine: Engine) -> Iterator[Callable[[datetime], None]]:
    """Yields a function that freezes the shared clock at a moment; restores it afterwards."""
    with Session(engine) as session:
        saved = session.get(ClockOffset, 1)
        before = (saved.offset_seconds, saved.frozen_at) if saved else None

    def freeze(moment: datetime) -> None:
        with session_scope(engine) as session:
            clock.set_virtual_time(session, moment, frozen=True)

    try:
        yield freeze
    finally:
        with session_scope(engine) as session:
            row = session.get(ClockOffset, 1) or ClockOffset(id=1)
            row.offset_seconds, row.frozen_at = before or (0.0, None)
            session.add(row)


def _play(engine: Engine, play: Play, story: Story, references: dict[str, str]) -> None:
    if play.sweep:
        timer_sweep()
        return
    actor, role = username(play.by, story.authority), STAFF_ROLES[play.by][0]
    what = f"demo case '{story.key}': {play.transition or 'opening'}"
    try:
        if play.transition is None:
            applied = start_case(
                pathway=PATHWAY,
                authority_id=story.authority,
                payload=play.payload,
                actor=actor,
                role=role,
                now=play.at,
            )
            references[story.key] = applied.case_reference
            _assign(engine, story, applied.case_reference, play.at)
        else:
            applied = record_step(
                case_reference=references[story.key],
                transition=play.transition,
                payload=play.payload,
                actor=actor,
                role=role,
                now=play.at,
            )
    except EventRefusedError as refused:
        if play.refused:
            return
        raise DemoSeedError(f"{what} was refused: {refused.refusal.reason}") from refused
    if play.refused or applied.status != "applied":
        raise DemoSeedError(f"{what} ended {applied.status}, not as the story says")


def _assign(engine: Engine, story: Story, reference: str, at: datetime) -> None:
    with session_scope(engine) as session:
        for short in ("ho", "sw", "eh"):
            assign_staff(
                session,
                reference,
                username(short, story.authority),
                actor=ACTOR,
                actor_role="system",
                basis=BASIS,
                at=at,
            )
