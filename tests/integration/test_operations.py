"""The operations use cases on a real database: the overdue timers no one of the owning team is
named for, the dead letters (shown by kind, never by body) and their retry, the operator-only
rule and its audit, and the record of the last sweep and delivery run."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from application.directory import import_directory
from application.job_runs import DELIVERY, SWEEP, last_runs, record_finished
from application.operations import (
    OperationsView,
    dead_letters,
    operations_view,
    overdue_unowned_timers,
    retry,
)
from application.principals import Acting
from application.staff import add_staff, disable_staff
from application.sweep import sweep
from flows.deliver_notifications import deliver_notifications
from infrastructure.db import session_scope
from models import AuditEvent, Case, CaseAssignment, Notification, StaffMember, Timer
from pathways.principal import Principal
from pathways.refusal import Refusal
from pathways.roles import Role

NOW = datetime(2026, 12, 14, 12, 0, tzinfo=UTC)
PATHWAY, VERSION = "youth-1617-intake", "1.1"
CANARY = "Zebedee Canarywharf"


def _acting(username: str, role: Role) -> Acting:
    principal = Principal(
        username=username,
        display_name=username,
        roles=frozenset({role}),
        authority_id="dartford",
        team=None,
        covers=frozenset({"dartford"}),
    )
    return Acting(principal, role)


OPERATOR = _acting("ops.one", "operator")
COORDINATOR = _acting("coord.one", "coordinator")


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    with session_scope(db_engine) as session:
        import_directory(session)
    return db_engine


def _staff(session: Session, username: str, team: str) -> StaffMember:
    return add_staff(
        session,
        username=username,
        display_name=username,
        email=f"{username}@test.example",
        roles=["lha-housing-officer" if team == "lha" else "ics-social-worker"],
        team=team,
        authority_id="dartford",
        actor="test",
        actor_role="operator",
        basis="test staff",
    )


def _case(session: Session, reference: str, *named: StaffMember) -> Case:
    case = Case(
        reference=reference,
        pathway=PATHWAY,
        definition_version=VERSION,
        authority_id="dartford",
        state="joint_assessment",
    )
    session.add(case)
    session.flush()
    for staff in named:
        session.add(CaseAssignment(case_id=case.id or 0, staff_id=staff.id or 0, case_role="x"))
    return case


def _timer(
    session: Session, case: Case, name: str, team: str, due: timedelta, status: str = "open"
) -> None:
    session.add(
        Timer(
            case_id=case.id or 0,
            name=name,
            rule_id=f"rule-{name}",
            citation="test",
            owner_team=team,
            started_at=NOW - timedelta(days=30),
            due_at=NOW + due,
            status=status,  # type: ignore[arg-type]
        )
    )


@pytest.fixture
def timers(engine: Engine) -> Engine:
    """Cases whose overdue timers are owned, or not, by who is named on them."""
    with session_scope(engine) as session:
        housing = _staff(session, "ho.one", "lha")
        social_worker = _staff(session, "sw.one", "ics")
        gone = _staff(session, "sw.gone", "ics")
        disable_staff(session, "sw.gone", actor="test", actor_role="operator", basis="left")
        housing_only = _case(session, "JP-AAAA-0001", housing)
        left = _case(session, "JP-AAAA-0002", gone)
        nobody = _case(session, "JP-AAAA-0003")
        both = _case(session, "JP-AAAA-0004", housing, social_worker)
        # Owned: the case names the owning team, or either agency for a joint timer.
        _timer(session, housing_only, "prevention_duty", "lha", -timedelta(days=3))
        _timer(session, housing_only, "joint_visit", "joint", -timedelta(days=2))
        _timer(session, both, "referral_decision", "ics", -timedelta(days=9), "breached")
        # Unowned: the wrong team, a disabled officer, or no one at all.
        _timer(session, housing_only, "referral_decision", "ics", -timedelta(days=4), "breached")
        _timer(session, left, "cf_assessment", "ics", -timedelta(hours=5))
        _timer(session, nobody, "weekly_case_review", "joint", -timedelta(days=1), "warned")
        # Not overdue: due later, or closed.
        _timer(session, nobody, "relief_duty", "lha", timedelta(days=1))
        _timer(session, nobody, "s208_notice", "lha", -timedelta(days=20), "closed")
    return engine


def test_overdue_timers_with_no_one_of_the_owning_team_are_listed_longest_overdue_first(
    timers: Engine,
) -> None:
    with session_scope(timers) as session:
        found = overdue_unowned_timers(session, NOW)
    assert found.total == 3
    assert [(row.case_reference, row.rule_id) for row in found.rows] == [
        ("JP-AAAA-0001", "rule-referral_decision"),
        ("JP-AAAA-0003", "rule-weekly_case_review"),
        ("JP-AAAA-0002", "rule-cf_assessment"),
    ]
    first = found.rows[0]
    assert first.title.startswith("ICS decision on the referral (")
    assert "{period}" not in first.title
    assert first.owner_team == "Children's services (ICS)"
    assert first.pathway_title.startswith("16/17-year-old homelessness intake")
    assert first.alerted is True
    assert found.rows[2].alerted is False  # past due, not swept yet


def test_overdue_unowned_timers_are_paged_in_the_database(timers: Engine) -> None:
    with session_scope(timers) as session:
        first = overdue_unowned_timers(session, NOW, page=1, page_size=2)
        second = overdue_unowned_timers(session, NOW, page=2, page_size=2)
        beyond = overdue_unowned_timers(session, NOW, page=99, page_size=2)
    assert (first.total, first.pages, len(first.rows)) == (3, 2, 2)
    assert [row.case_reference for row in second.rows] == ["JP-AAAA-0002"]
    assert beyond.page == 2


def _dead_letter(session: Session, key: str, status: str = "permanent-failure") -> int:
    failed = status == "permanent-failure"
    row = Notification(
        idempotency_key=key,
        case_reference="JP-AAAA-0001",
        event_type="timer_breach",
        context={"young_person_name": CANARY},
        recipient="lha",
        route=f"mailto://{CANARY.replace(' ', '.')}@example.org",
        status=status,  # type: ignore[arg-type]
        attempts=3,
        last_error=f"the relay refused {CANARY}" if failed else None,
        last_error_kind="recipient-rejected" if failed else None,
        failed_at=NOW if failed else None,
    )
    session.add(row)
    session.flush()
    return row.id or 0


def test_dead_letters_are_shown_by_their_kind_of_error_never_their_body(engine: Engine) -> None:
    with session_scope(engine) as session:
        dead = _dead_letter(session, "a")
        _dead_letter(session, "b", status="pending")
    with session_scope(engine) as session:
        shown = dead_letters(session)
    assert shown.total == 1
    assert shown.by_kind == {"recipient rejected": 1}
    (row,) = shown.rows
    assert (row.id, row.case_reference, row.event_type, row.recipient, row.attempts) == (
        dead,
        "JP-AAAA-0001",
        "timer_breach",
        "lha",
        3,
    )
    assert row.error_label == "recipient rejected"
    assert CANARY.split()[0] not in repr(asdict(shown))


def _status(engine: Engine, notification_id: int) -> str:
    with session_scope(engine) as session:
        found = session.get(Notification, notification_id)
        assert found is not None
        return found.status


def _actions(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as session:
        events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
        return [(event.actor, event.role, event.action) for event in events]


def test_an_operator_retries_one_dead_letter_or_all_of_them(engine: Engine) -> None:
    with session_scope(engine) as session:
        first, second = _dead_letter(session, "a"), _dead_letter(session, "b")
    with session_scope(engine) as session:
        assert retry(session, OPERATOR, NOW, first) == [first]
    assert (_status(engine, first), _status(engine, second)) == ("pending", "permanent-failure")
    with session_scope(engine) as session:
        assert retry(session, OPERATOR, NOW) == [second]
        assert retry(session, OPERATOR, NOW) == []
    assert _status(engine, second) == "pending"
    retried = [a for a in _actions(engine) if a[2] == "notification.retried"]
    assert retried == [("ops.one", "operator", "notification.retried")] * 2


def test_retrying_what_is_no_dead_letter_is_refused_and_writes_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        live = _dead_letter(session, "a", status="pending")
    with session_scope(engine) as session:
        missing = retry(session, OPERATOR, NOW, live + 100)
        not_dead = retry(session, OPERATOR, NOW, live)
    assert isinstance(missing, Refusal) and missing.code == "not_found"
    assert isinstance(not_dead, Refusal) and not_dead.code == "not_allowed_now"
    assert "pending" in not_dead.reason
    assert not [a for a in _actions(engine) if a[2] == "notification.retried"]


def test_only_an_operator_may_see_or_retry_and_a_refusal_is_audited(engine: Engine) -> None:
    with session_scope(engine) as session:
        dead = _dead_letter(session, "a")
    with session_scope(engine) as session:
        seen = operations_view(session, COORDINATOR, NOW)
        retried = retry(session, COORDINATOR, NOW, dead)
    for refused in (seen, retried):
        assert isinstance(refused, Refusal)
        assert (refused.code, refused.http_status) == ("role_not_held", 403)
    assert _status(engine, dead) == "permanent-failure"
    with session_scope(engine) as session:
        audited = session.exec(
            select(AuditEvent).where(col(AuditEvent.action) == "principal.refused.role_not_held")
        ).all()
    assert [(e.actor, e.role, (e.after or {})["attempted"]) for e in audited] == [
        ("coord.one", "coordinator", "operations.view"),
        ("coord.one", "coordinator", "operations.retry"),
    ]


def test_a_job_run_is_one_row_per_job_holding_the_last_run(engine: Engine) -> None:
    record_finished(engine, DELIVERY, as_of=NOW, summary={"sent": 1})
    record_finished(engine, DELIVERY, as_of=NOW + timedelta(minutes=1), summary={"sent": 4})
    with session_scope(engine) as session:
        runs = last_runs(session)
    assert set(runs) == {DELIVERY}
    assert (runs[DELIVERY].as_of, runs[DELIVERY].summary) == (
        NOW + timedelta(minutes=1),
        {"sent": 4},
    )
    assert runs[DELIVERY].finished_at > NOW - timedelta(days=3650)


def test_the_sweep_records_when_it_finished_and_the_operations_view_shows_it(
    timers: Engine,
) -> None:
    swept = sweep(timers, NOW, lambda *_: None)
    with session_scope(timers) as session:
        shown = operations_view(session, OPERATOR, NOW)
    assert isinstance(shown, OperationsView)
    assert shown.last_delivery is None
    assert shown.last_sweep is not None
    assert shown.last_sweep.as_of == NOW
    assert shown.last_sweep.summary == {
        "fired": swept.fired,
        "notifications": swept.notifications,
        "events_run": swept.events_run,
    }
    assert shown.unowned_timers.total == 3
    assert shown.last_sweep.job == SWEEP


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_server")
def test_the_delivery_run_records_when_it_finished(app_engine: Engine) -> None:
    totals = deliver_notifications()
    with session_scope(app_engine) as session:
        runs = last_runs(session)
    assert set(runs) == {DELIVERY}
    assert runs[DELIVERY].summary == totals
