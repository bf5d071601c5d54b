"""Pathway B (care-leaver-transition 1.0) end to end on a real Prefect server, real databases
and a real SMTP server: every scenario (tests/scenarios/care_leaver_*.yaml) is played once
through ``pathways simulate`` (a module-scoped fixture per file), and its ``expect:`` checks
must all hold. Then what ``expect:`` cannot say is checked on the played database and on every
message the SMTP server received: no message carries a name, a date of birth or any other text
the worker typed (the B&B reason, a short-notice detail, a rationale); no case's facts hold a
date of birth; every refusal of a step is audited, and a refused opening writes nothing; the
birthday clocks fall due as their rule says of the date of birth on the Person row (the end of
the eve of the birthday); the s.208 notice's last day is the placement's day + 13 (errata 9).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError
from sqlmodel import Session, col, select

from application.case_views import _view_of
from infrastructure.clock import set_virtual_time
from infrastructure.db import make_engine, session_scope
from models import AuditEvent, Case, CaseEvent, CaseShare, Decision, Notification, Person, Timer
from pathways.deadlines import due_date_reveals_birthday
from pathways.definitions import get_definition
from pathways.engine.limits import InputLimits
from simulation.runner import configured_app
from simulation.scenario import load_scenario
from simulation.smtp import ReceivedMail
from tests.support.cases import record_step
from tests.support.scenario_play import kept_sinks, play_scenario

pytestmark = pytest.mark.usefixtures("prefect_server")

PATHWAY = "care-leaver-transition"
SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("care_leaver_*.yaml"))
LONDON = ZoneInfo("Europe/London")
TYPED_TEXT = (
    "full_name",
    "date_of_birth",
    "bb_exceptional_reason",
    "short_notice_detail",
    "rationale",
)
"""Input fields whose values the worker types about a person: never in a message."""
OUTCOMES = ("CL_SUPPORT_ENDED_21", "CL_SUPPORT_ENDED_25", "CL_ENDED_AT_REQUEST")


@dataclass(frozen=True)
class Played:
    scenario: Path
    url: str
    mail: list[ReceivedMail]

    @property
    def story(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.scenario.read_text(encoding="utf-8"))
        return loaded

    @contextmanager
    def session(self) -> Iterator[Session]:
        engine = make_engine(self.url)
        try:
            with Session(engine) as session:
                yield session
        finally:
            engine.dispose()


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda path: path.stem)
def played(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Played:
    """One play of the scenario file: its checks hold, no made-up name reaches the output and
    the audit chain is intact (``play_scenario``)."""
    scenario: Path = request.param
    where = tmp_path_factory.mktemp(scenario.stem)
    with kept_sinks() as sinks:
        play_scenario(scenario, where, {})
    (sink,) = sinks
    return Played(scenario, f"sqlite:///{where / 'simulation.db'}", list(sink.received))


# --- what every scenario owes ---------------------------------------------------------------


def _typed(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in TYPED_TEXT and value is not None:
                found.add(str(value))
            _typed(value, found)
    elif isinstance(node, list):
        for value in node:
            _typed(value, found)
    return found


def _written_forms(day: date) -> set[str]:
    """A date of birth as a message might print it."""
    return {
        f"{day:%a %d %b %Y}",
        day.isoformat(),
        day.strftime("%d/%m/%Y"),
        f"{day.day} {day:%B %Y}",
        f"{day:%d %B %Y}",
        f"{day.day} {day:%b %Y}",
        f"{day:%d %b %Y}",
    }


def _messages_carry_no_typed_text(played: Played, session: Session) -> None:
    typed = _typed(played.story, set())
    for person in session.exec(select(Person)).all():
        typed.add(person.full_name)
        if person.date_of_birth is not None:
            typed |= _written_forms(person.date_of_birth)
    for timer in session.exec(select(Timer)).all():
        if due_date_reveals_birthday(timer.rule_id):
            # Spec §6: a birthday clock's due date gives the birthday away.
            typed |= _written_forms(_utc(timer.due_at).astimezone(LONDON).date())
    references = set(session.exec(select(Case.reference)).all())
    assert played.mail, "a scenario delivers at least one message"
    for message in played.mail:
        read = f"{message.subject}\n{message.text()}"
        for reference in references:
            read = read.replace(reference, "JP-REFERENCE")
        leaked = sorted(text for text in typed if text in read)
        assert not leaked, f"{message.subject}: carries {leaked}"
    # Every message delivered is one the outbox recorded as sent, and the other way round.
    sent = session.exec(select(Notification).where(Notification.status == "sent")).all()
    assert sorted(m.key for m in played.mail) == sorted(n.idempotency_key for n in sent)


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(value) for value in node))
    return set()


def _facts_hold_no_date_of_birth(session: Session) -> None:
    for case in session.exec(select(Case)).all():
        facts = json.dumps(case.facts)
        assert not [key for key in _keys(case.facts) if "birth" in key], case.reference
        for person in session.exec(select(Person).where(Person.case_id == case.id)).all():
            assert person.date_of_birth is not None
            assert person.date_of_birth.isoformat() not in facts, case.reference
            assert person.full_name not in facts, case.reference


def _refused_steps(scenario: Path) -> list[tuple[str, str, str, bool]]:
    """(case label, transition, actor, refused as bad input) of each step the file expects
    refused. Input its model refuses is refused before anything is written, so not audited."""
    story = load_scenario(scenario)
    found = []
    for step in story.steps:
        if step.expect_refused is None or step.record is None or step.case is None:
            continue
        assert step.as_ is not None
        spec = get_definition(PATHWAY).transition(step.record)
        assert spec is not None, step.record
        bad_input = False
        if spec.input_model is not None:
            limits = InputLimits(
                now=story.time_of(step.at), max_clock_skew=timedelta(0), min_parent_age_gap_years=0
            )
            try:
                spec.input_model.model_validate(step.input or {}, context=limits.context())
            except ValidationError:
                bad_input = True
        found.append((step.case, step.record, step.as_.actor, bad_input))
    return found


def _refusals(session: Session) -> list[tuple[str | None, str, str]]:
    """(case reference, transition, actor) of every audited refusal, oldest first."""
    found = []
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    for event in events:
        if event.action.startswith(f"{PATHWAY}.") and event.action.endswith(
            (".refused", ".forbidden")
        ):
            transition = event.action.removeprefix(f"{PATHWAY}.").rsplit(".", 1)[0]
        elif event.action.startswith("principal.refused."):
            attempted = str((event.after or {}).get("attempted", ""))
            transition = attempted.removeprefix(f"{PATHWAY}.")
        else:
            continue
        found.append((event.case_reference, transition, event.actor))
    return found


def _refusals_audited_and_refused_openings_wrote_nothing(played: Played, session: Session) -> None:
    story = played.story
    opened = {
        label: session.exec(
            select(Case.reference)
            .join(Person, col(Person.case_id) == col(Case.id))
            .where(Person.full_name == spec["input"]["young_person"]["full_name"])
            .where(Case.pathway == PATHWAY)
        ).all()
        for label, spec in story["cases"].items()
    }
    wanted = [
        (opened[label][-1], transition, actor)
        for label, transition, actor, bad_input in _refused_steps(played.scenario)
        if not bad_input
    ]
    assert _refusals(session) == wanted
    for label, spec in story["cases"].items():
        if "expect_refused" in spec:
            named = spec["input"]["young_person"]["full_name"]
            others = [
                other
                for other, s in story["cases"].items()
                if other != label
                and "expect_refused" not in s
                and s["input"]["young_person"]["full_name"] == named
            ]
            assert len(opened[label]) == len(others), f"{label}: a refused opening wrote a case"


def test_care_leaver_scenario(played: Played) -> None:
    # One test per file: under xdist the checks of one play stay on one worker, played once.
    with played.session() as session:
        _messages_carry_no_typed_text(played, session)
        _facts_hold_no_date_of_birth(session)
        _refusals_audited_and_refused_openings_wrote_nothing(played, session)
        MORE_CHECKS[played.scenario.stem](played, session)


# --- helpers for the route checks -----------------------------------------------------------


def _case(session: Session, name: str) -> Case:
    """The care-leaver case of the young person the file names ``name``."""
    return session.exec(
        select(Case)
        .join(Person, col(Person.case_id) == col(Case.id))
        .where(Person.full_name == name, Case.pathway == PATHWAY)
    ).one()


def _born(session: Session, case: Case) -> date:
    person = session.exec(
        select(Person).where(
            Person.case_id == case.id, Person.relationship_to_case == "young_person"
        )
    ).one()
    assert person.date_of_birth is not None
    return person.date_of_birth


def _timers(session: Session, case: Case) -> dict[str, Timer]:
    rows = session.exec(
        select(Timer).where(Timer.case_id == case.id).order_by(col(Timer.occurrence))
    ).all()
    return {timer.name: timer for timer in rows}


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(23, 59), tzinfo=LONDON).astimezone(UTC)


def _eve_of_birthday(born: date, age: int) -> datetime:
    """The rule ``eve-of-birthday``: due at the end of the day before the birthday (no
    29 February birthday in these files)."""
    return _end_of(born.replace(year=born.year + age) - timedelta(days=1))


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _events(session: Session, case: Case, transition: str) -> list[CaseEvent]:
    return list(
        session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.transition == transition)
            .order_by(col(CaseEvent.id))
        ).all()
    )


def _mail_to(played: Played, session: Session, case: Case, event_type: str) -> ReceivedMail:
    keys = session.exec(
        select(Notification.idempotency_key).where(
            Notification.case_id == case.id, Notification.event_type == event_type
        )
    ).all()
    (message,) = [m for m in played.mail if m.key in keys]
    return message


# --- each scenario's route ------------------------------------------------------------------


def _late_clocks_counted_from_the_date_of_birth(played: Played, session: Session) -> None:
    late = _case(session, "Ashley Madeup")
    born = _born(session, late)
    timers = _timers(session, late)
    sixteen, eighteen = born.replace(year=born.year + 16), born.replace(year=born.year + 18)
    # reg.42(1): three months after the 16th birthday; T20: six months before the 18th.
    assert _utc(timers["needs_assessment"].due_at) == _end_of(_add_months(sixteen, 3))
    assert _utc(timers["pre18_panel"].due_at) == _end_of(_add_months(eighteen, -6))
    assert _utc(timers["accommodation_plan_by_18"].due_at) == _eve_of_birthday(born, 18)
    assert _utc(timers["pa_support_21"].due_at) == _eve_of_birthday(born, 21)
    opened_at = _utc(late.opened_at)
    for name in ("needs_assessment", "pre18_panel"):
        # Already overdue when the case opened; breached by the first sweep, a minute later.
        assert _utc(timers[name].due_at) < opened_at
        breach = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "timer.breach", AuditEvent.case_reference == late.reference
            )
        ).all()
        (fired,) = [e for e in breach if (e.after or {}).get("timer") == name]
        assert _utc(fired.occurred_at) == opened_at + timedelta(minutes=1)
    assert late.facts["under_18_at_opening"] is True
    # The case page says which clocks were already overdue when the case opened.
    page = _view_of(session, late, datetime.now(UTC))
    assert {t.name for t in page.timers_overdue_at_opening} == {"needs_assessment", "pre18_panel"}
    older = _case(session, "Morgan Notreal")
    # A former relevant child: only the duty to 21 runs, none of the pre-18 clocks exist.
    assert set(_timers(session, older)) == {"pa_support_21"}
    assert _utc(_timers(session, older)["pa_support_21"].due_at) == _eve_of_birthday(
        _born(session, older), 21
    )
    assert older.facts["under_18_at_opening"] is False
    assert _view_of(session, older, datetime.now(UTC)).timers_overdue_at_opening == []


def _short_notice_moves_flagged_with_their_reasons(played: Played, session: Session) -> None:
    case = _case(session, "Riley Inventedname")
    facts = case.facts
    assert facts["moves"] == [
        {
            "planned_move_on": "2027-04-16",
            "agreed_on": "2027-04-06",
            "notice_days": 10,
            "short_notice": True,
            "reason": "placement_breakdown",
        },
        {
            "planned_move_on": "2027-06-14",
            "agreed_on": "2027-05-20",
            "notice_days": 25,
            "short_notice": True,
            "reason": "other",
        },
    ]
    assert facts["moves"][-1]["short_notice"] is True
    assert (facts["short_notice_moves"], facts["planned_move_on"]) == (2, None)
    # T19: agreement due 28 calendar days before the move on 14 June.
    agreement = _timers(session, case)["move_agreement"]
    assert _utc(agreement.due_at) == _end_of(date(2027, 5, 17))
    assert agreement.status == "closed"
    # The detail is typed text: in the stored input only, never a fact or an audit row.
    details = [
        s["input"]["short_notice_detail"]
        for s in played.story["steps"]
        if "input" in s and "short_notice_detail" in s["input"]
    ]
    audit = json.dumps([e.after for e in session.exec(select(AuditEvent)).all()])
    for detail in details:
        assert detail not in json.dumps(facts) and detail not in audit


def _referred_shared_acknowledged_and_planned(played: Played, session: Session) -> None:
    chooser = _case(session, "Quinn Imaginaire")
    facts = chooser.facts
    assert facts["duty_to_refer"] == {
        "to_authority": "gravesham",
        "outside_directory": False,
        "situation": "threatened_within_56_days",
        "referred_on": "2027-06-08",
    }
    share = session.exec(select(CaseShare).where(CaseShare.case_id == chooser.id)).one()
    assert (share.authority_id, share.reason, share.shared_by) == (
        "gravesham",
        "duty_to_refer",
        "pa.dartford",
    )
    # Gravesham's officer, on the shared case: the acknowledgement, the duty and the PHP.
    for transition in ("acknowledge_referral", "open_lha_duty", "record_php"):
        applied = [e for e in _events(session, chooser, transition) if e.status == "applied"]
        assert [(e.actor, e.role) for e in applied] == [("ho.gravesham", "lha-housing-officer")]
    assert (facts["lha_duty"], facts["lha_duty_from"]) == ("prevention", "2027-06-08")
    assert (facts["php_linked_to_pathway_plan"], facts["php_pa_input"]) == (True, True)
    timers = _timers(session, chooser)
    # 56 days beginning with Tuesday 8 June (s.195): the last day is 2 August.
    assert _utc(timers["prevention_duty"].due_at) == _end_of(date(2027, 8, 2))
    # Two working days after the referral on Tuesday 8 June: Thursday 10 June.
    assert _utc(timers["referral_acknowledgement"].due_at) == _end_of(date(2027, 6, 10))
    alert = _mail_to(played, session, chooser, "action_required")
    assert alert.recipients and all(r.endswith("@gravesham.gov.uk") for r in alert.recipients)
    assert chooser.reference in alert.subject

    # The case page gives the local connection a Kent care leaver has with the chosen district.
    referral = _view_of(session, chooser, datetime.now(UTC)).duty_to_refer
    assert referral is not None
    assert (referral.authority_id, referral.local_connection) == (
        "gravesham",
        "two_tier_every_district",
    )
    seaside = _case(session, "Sasha Nonesuch")
    outside = _view_of(session, seaside, datetime.now(UTC)).duty_to_refer
    assert outside is not None
    assert (outside.authority_id, outside.local_connection) == (
        None,
        "not_assessed_outside_directory",
    )
    assert seaside.facts["duty_to_refer"]["outside_directory"] is True
    assert seaside.facts["duty_to_refer_authority"] is None
    assert "Brighton" not in json.dumps(seaside.facts)
    assert session.exec(select(CaseShare).where(CaseShare.case_id == seaside.id)).all() == []
    (acknowledged,) = _events(session, seaside, "acknowledge_referral")
    assert (acknowledged.actor, acknowledged.role) == ("pa.dartford", "personal-adviser")


def _s208_last_day_is_start_plus_13(played: Played, session: Session) -> None:
    case = _case(session, "Jules Fabricated")
    notice = _timers(session, case)["s208_notice"]
    # s.208(4): 14 days beginning with the day the accommodation was made available (Monday
    # 6 September, 23:30), not the day it was recorded (Tuesday).
    placed = datetime(2027, 9, 6, 23, 30, tzinfo=LONDON)
    assert case.facts["placed_at"] == placed.isoformat()
    assert _utc(notice.due_at) == _end_of(placed.date() + timedelta(days=13))
    assert _utc(notice.due_at) == _end_of(date(2027, 9, 19))
    assert (notice.status, case.facts["s208_notice_sent_on"]) == ("closed", "2027-09-09")
    assert (case.facts["placement_district"], case.facts["accommodation"]) == (
        "canterbury",
        "bed_and_breakfast",
    )
    # The host authority hears the reference and the last day, no more (errata 22).
    alert = _mail_to(played, session, case, "out_of_district_placement")
    assert alert.recipients and all(r.endswith("@canterbury.gov.uk") for r in alert.recipients)
    text = alert.text()
    assert case.reference in alert.subject and case.reference in text
    assert "Notice due by: Sun 19 Sep 2027 23:59 (UK time)" in " ".join(text.split()), text
    # The B&B reason is a personal copy: the audit chain holds its commitment, not the text.
    reason = case.facts["bb_exceptional_use"]["reason"]
    assert "East Kent" in reason
    audit = json.dumps([e.after for e in session.exec(select(AuditEvent)).all()])
    assert "East Kent" not in audit


def _handed_to_pathway_d_and_reviewed_there(played: Played, session: Session) -> None:
    source = _case(session, "Devon Pretendname")
    linked = session.exec(select(Case).where(Case.linked_case_id == source.id)).one()
    assert (linked.pathway, linked.state, linked.authority_id) == (
        "intentional-homelessness",
        "joint_review",
        "canterbury",
    )
    applicant = session.exec(select(Person).where(Person.case_id == linked.id)).one()
    assert (applicant.relationship_to_case, applicant.full_name) == (
        "applicant",
        "Devon Pretendname",
    )
    assert applicant.date_of_birth == _born(session, source)
    assert linked.facts["care_leaver_category"] == "former_relevant_child"
    assert linked.facts["personal_adviser"] == "pa.canterbury"
    assert source.facts["handed_off_to_intentionality"] is True
    reference, last = (
        linked.reference,
        max(_utc(e.occurred_at) for e in session.exec(select(CaseEvent)).all()),
    )
    session.close()

    # Pathway D's first step on the linked case, by Canterbury's housing officer.
    at = last + timedelta(days=1)
    with configured_app(played.url, "smtp://127.0.0.1:1"):
        engine = make_engine(played.url)
        try:
            with session_scope(engine) as writing:
                set_virtual_time(writing, at, frozen=True)
        finally:
            engine.dispose()
        record_step(
            case_reference=reference,
            transition="record_joint_review",
            payload={
                "steps_and_support_in_place": "Relief duty and PHP with the PA's input.",
                "interventions_to_avoid_finding": "A second offer of a supported flat.",
                "accommodation_plan_if_found": "Supported lodgings held by children's services.",
                "joint_plan_for_future_needs": "Joint visit with the PA; pathway plan review.",
            },
            actor="ho.canterbury",
            role="lha-housing-officer",
            now=at,
        )
    with played.session() as after:
        case = after.exec(select(Case).where(Case.reference == reference)).one()
        (review,) = _events(after, case, "record_joint_review")
        assert (review.status, review.actor, case.state) == (
            "applied",
            "ho.canterbury",
            "joint_review",
        )


def _birthdays_recorded_by_the_system(played: Played, session: Session) -> None:
    asker = _case(session, "Emery Unreal")
    born = _born(session, asker)
    timers = _timers(session, asker)
    assert _utc(timers["pa_support_21"].due_at) == _eve_of_birthday(born, 21)
    assert _utc(timers["pa_support_25"].due_at) == _eve_of_birthday(born, 25)
    for name, fact in (("pa_support_21", "reached_21"), ("pa_support_25", "reached_25")):
        (reached,) = _events(session, asker, f"record_{name}_reached")
        # Recorded by the sweep, as of the end of the eve of the birthday.
        assert (reached.role, reached.status) == ("system", "applied")
        assert _utc(reached.occurred_at) == _utc(timers[name].due_at)
        assert asker.facts[fact] is True
    assert (asker.facts["support_to_25_requested"], asker.facts["support_to_25_asked_on"]) == (
        True,
        "2028-02-15",
    )
    assert asker.facts["lha_duty_ended"] == {
        "duty": "prevention",
        "on": "2029-06-20",
        "reason": "accommodation_secured_6_months",
    }
    ender = _case(session, "Harper Hypothetical")
    (reached,) = _events(session, ender, "record_pa_support_21_reached")
    assert _utc(reached.occurred_at) == _eve_of_birthday(_born(session, ender), 21)
    assert "pa_support_25" not in _timers(session, ender)
    assert (ender.outcome_code, asker.outcome_code) == OUTCOMES[:2]


def _each_agency_ended_only_its_own(played: Played, session: Session) -> None:
    looked_after = _case(session, "Kit Nonexistent")
    assert (looked_after.facts["looked_after"], looked_after.facts["legal_status"]) == (
        False,
        "relevant_child",
    )
    assert looked_after.facts["left_care_on"] == "2027-07-06"
    decisions = session.exec(select(Decision).where(Decision.case_id == looked_after.id)).all()
    assert [(d.kind, d.decided_by, d.role) for d in decisions] == [
        ("approve_ceasing_to_look_after", "ad.dartford", "ics-assistant-director")
    ]
    (left,) = [
        e for e in _events(session, looked_after, "record_left_care") if e.status == "applied"
    ]
    assert left.actor == "sw.dartford"

    early = _case(session, "Rowan Placeholder")
    assert early.facts["risk_triggers"] == [
        {"trigger": "rent_arrears", "on": "2027-07-07", "lha_told": True, "basis": "override"}
    ]
    (override,) = session.exec(select(Decision).where(Decision.case_id == early.id)).all()
    assert (override.kind, override.decided_by, override.role) == (
        "sharing_override",
        "tm.dartford",
        "ics-team-manager",
    )
    assert early.facts["lha_duty_ended"]["reason"] == "withdrew"
    assert early.closed_at is not None and early.outcome_code == OUTCOMES[2]
    consented = _case(session, "Sky Fictionalperson")
    assert consented.facts["risk_triggers"] == [
        {"trigger": "placement_breakdown", "on": "2027-07-07", "lha_told": True, "basis": "consent"}
    ]
    turning25 = _case(session, "Tate Storybook")
    assert turning25.facts["reached_25"] is True
    assert _utc(_timers(session, turning25)["pa_support_25"].due_at) == _eve_of_birthday(
        _born(session, turning25), 25
    )
    # Closed only once the duty had ended and the notice was given, in that order.
    ended = [e.transition for e in _events(session, turning25, "end_lha_duty")]
    assert ended == ["end_lha_duty"]
    order = [
        e.transition
        for e in session.exec(
            select(CaseEvent)
            .where(CaseEvent.case_id == turning25.id, CaseEvent.status == "applied")
            .order_by(col(CaseEvent.id))
        ).all()
    ]
    assert order[-3:] == ["end_lha_duty", "record_s208_notice_sent", "close_at_25"]


def _only_the_cohort_opens(played: Played, session: Session) -> None:
    (case,) = session.exec(select(Case)).all()
    assert case.facts["support_to_25_requested"] is True
    assert [p.full_name for p in session.exec(select(Person)).all()] == ["Dana Madeupname"]
    assert set(_timers(session, case)) == {"pa_support_25"}
    assert _utc(_timers(session, case)["pa_support_25"].due_at) == _eve_of_birthday(
        _born(session, case), 25
    )
    openings = session.exec(
        select(AuditEvent).where(col(AuditEvent.action).startswith(f"{PATHWAY}."))
    ).all()
    assert all(e.case_reference == case.reference for e in openings)


def _planned_route_clocks(played: Played, session: Session) -> None:
    case = _case(session, "Jordan Imaginary")
    born = _born(session, case)
    timers = _timers(session, case)
    assert _utc(timers["accommodation_plan_by_18"].due_at) == _eve_of_birthday(born, 18)
    assert _utc(timers["pa_support_21"].due_at) == _eve_of_birthday(born, 21)
    # Errata 20: the care-leaver clock runs from the last looked-after review, 14 August 2028.
    assert _utc(timers["pathway_plan_review"].due_at) == _end_of(date(2029, 2, 14))
    assert case.facts["moves"][-1]["short_notice"] is False


MORE_CHECKS: dict[str, Callable[[Played, Session], None]] = {
    "care_leaver_late_opened": _late_clocks_counted_from_the_date_of_birth,
    "care_leaver_short_notice_move": _short_notice_moves_flagged_with_their_reasons,
    "care_leaver_duty_to_refer": _referred_shared_acknowledged_and_planned,
    "care_leaver_out_of_district": _s208_last_day_is_start_plus_13,
    "care_leaver_intentionality_handoff": _handed_to_pathway_d_and_reviewed_there,
    "care_leaver_support_to_25": _birthdays_recorded_by_the_system,
    "care_leaver_no_side_doors": _each_agency_ended_only_its_own,
    "care_leaver_refusals": _only_the_cohort_opens,
    "care_leaver_planned_route": _planned_route_clocks,
}


def test_every_care_leaver_scenario_has_route_checks_and_every_outcome_a_scenario() -> None:
    assert sorted(MORE_CHECKS) == [path.stem for path in SCENARIOS]
    expected = [yaml.safe_load(path.read_text(encoding="utf-8"))["expect"] for path in SCENARIOS]
    ended = {
        case.get("outcome") for wanted in expected for case in wanted.get("cases", {}).values()
    }
    assert set(OUTCOMES) <= ended
