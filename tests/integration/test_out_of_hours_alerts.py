"""Issue #9 point 6: a timer marked ``out_of_hours_fallback`` that warns or breaches while the
offices are shut, or whose deadline falls then, also alerts the authority's out-of-hours
service (seed 002 "Out of hours"; spec T01 "OOH fallback needed").

The example pathway's ``urgent_callback`` timer carries the flag; its dates are set by hand
so each case fires at the moment under test.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from application.sweep import fire_due_timers
from infrastructure.db import session_scope
from models import Case, Notification, Timer
from pathways.calendar import LONDON
from tests.support.authority_config_file import use_authority_config
from tests.support.cases import record_step, start_case

pytestmark = pytest.mark.usefixtures("prefect_server")

KCC_OOH = "email:ooh-social-care@kent.example.invalid"


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def _open_with_callback(authority_id: str, opened_at: datetime) -> str:
    opened = start_case(
        pathway="example",
        authority_id=authority_id,
        payload={"young_person": {"full_name": "Night Person"}},
        actor=f"ho.{authority_id}",
        role="lha-housing-officer",
        now=opened_at,
    )
    record_step(
        case_reference=opened.case_reference,
        transition="request_callback",
        payload={},
        actor=f"ho.{authority_id}",
        role="lha-housing-officer",
        now=opened_at,
    )
    return opened.case_reference


def _set_callback(engine: Engine, reference: str, *, warn_at: datetime, due_at: datetime) -> None:
    with session_scope(engine) as session:
        timer = session.exec(
            select(Timer)
            .join(Case, col(Case.id) == col(Timer.case_id))
            .where(Case.reference == reference, Timer.name == "urgent_callback")
        ).one()
        timer.warn_at, timer.due_at, timer.next_fire_at = warn_at, due_at, warn_at
        session.add(timer)


def _queued(engine: Engine, reference: str, event_type: str) -> dict[str, set[str]]:
    with session_scope(engine) as session:
        rows = session.exec(
            select(Notification.recipient, Notification.route).where(
                Notification.case_reference == reference, Notification.event_type == event_type
            )
        ).all()
    found: dict[str, set[str]] = {}
    for recipient, route in rows:
        found.setdefault(recipient, set()).add(route)
    return found


def _warn(engine: Engine, authority_id: str, fired: datetime, due: datetime) -> dict[str, set[str]]:
    # Opened an hour before: the example's own 24-hour visit timer is nowhere near due.
    reference = _open_with_callback(authority_id, fired - timedelta(hours=1))
    _set_callback(engine, reference, warn_at=fired, due_at=due)
    assert fire_due_timers(engine, fired).by_kind == {"warning": 1}
    return _queued(engine, reference, "timer_warning")


def test_a_warning_in_office_hours_for_a_deadline_in_office_hours_stays_with_the_team(
    app_engine: Engine,
) -> None:
    # Tuesday 12 January 2027: warned at 11:00 for 14:00.
    queued = _warn(app_engine, "dartford", _at(2027, 1, 12, 11), _at(2027, 1, 12, 14))
    assert set(queued) == {"lha"}


@pytest.mark.parametrize(
    ("fired", "due"),
    [
        pytest.param(_at(2027, 1, 12, 19), _at(2027, 1, 13, 10), id="fired-at-19:00"),
        pytest.param(_at(2027, 1, 12, 11), _at(2027, 1, 12, 21), id="due-at-21:00"),
        pytest.param(_at(2027, 1, 16, 11), _at(2027, 1, 16, 14), id="saturday"),
        # Early May bank holiday, Monday 3 May 2027 (BST).
        pytest.param(_at(2027, 5, 3, 11), _at(2027, 5, 3, 14), id="bank-holiday"),
        pytest.param(_at(2027, 1, 12, 16, 59), _at(2027, 1, 12, 17), id="due-at-closing-time"),
    ],
)
def test_a_warning_out_of_hours_also_goes_to_the_ooh_service(
    app_engine: Engine, fired: datetime, due: datetime
) -> None:
    queued = _warn(app_engine, "dartford", fired, due)
    assert queued.get("ooh") == {KCC_OOH}
    assert "lha" in queued


def test_a_breach_out_of_hours_goes_to_the_ooh_service_once(app_engine: Engine) -> None:
    fired = _at(2027, 1, 12, 20)
    reference = _open_with_callback("dartford", fired - timedelta(hours=2))
    _set_callback(app_engine, reference, warn_at=fired, due_at=fired)
    assert fire_due_timers(app_engine, fired).by_kind == {"breach": 1}
    assert fire_due_timers(app_engine, fired + timedelta(minutes=1)).fired == 0
    with session_scope(app_engine) as session:
        ooh = session.exec(
            select(Notification).where(
                Notification.case_reference == reference, Notification.recipient == "ooh"
            )
        ).all()
    assert [(n.event_type, n.route) for n in ooh] == [("timer_breach", KCC_OOH)]


def test_a_timer_without_the_flag_never_calls_the_ooh_service(app_engine: Engine) -> None:
    # The example's visit timer: opened Monday 19:00, breached Tuesday 19:00, out of hours.
    opened_at = _at(2027, 1, 11, 19)
    reference = start_case(
        pathway="example",
        authority_id="dartford",
        payload={"young_person": {"full_name": "Night Person"}},
        actor="ho.dartford",
        role="lha-housing-officer",
        now=opened_at,
    ).case_reference
    assert fire_due_timers(app_engine, opened_at + timedelta(hours=24)).by_kind == {"breach": 1}
    assert "ooh" not in _queued(app_engine, reference, "timer_breach")


def test_office_hours_are_the_authoritys_own(
    app_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_authority_config(
        tmp_path,
        monkeypatch,
        lambda raw: raw["authorities"].update(
            maidstone={"office_hours": {"start": "09:00", "end": "16:30"}}
        ),
    )
    fired, due = _at(2027, 1, 12, 16, 40), _at(2027, 1, 13, 10)
    assert "ooh" in _warn(app_engine, "maidstone", fired, due)
    assert "ooh" not in _warn(app_engine, "dartford", fired, due)
