"""The notification state machine against a real SMTP relay and real databases (issue 10,
points 7 and 8).

- A relay down for 20 minutes loses nothing to dead letters: every message arrives once it is
  back, on the retry schedule.
- A bad route, a missing template and a context the template cannot take fail permanently on
  the first attempt, each with its kind.
- A sender whose lease ran out cannot overwrite the result of the sender that took the row.
- Each row records the hash of the template sources it was rendered from.
- A dead letter alerts operations once, without personal data; an alert's own failure does not.
- The database refuses a state, or a failure without its kind, that the machine does not have.

The relay is down when nothing listens on its port ("connection refused" at once), and comes
back as an aiosmtpd sink on that same port.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from application.directory import import_directory
from application.outbox_admin import dead_letter_summary
from infrastructure import clock
from infrastructure.caches import reset_caches
from infrastructure.db import get_engine, session_scope
from infrastructure.settings import PROJECT_ROOT
from models import Authority, Notification
from notifications.context import minimal_context
from notifications.dead_letters import DEAD_LETTER_TEMPLATE, operations_routes
from notifications.delivery import LEASE, claim, deliver_due, deliver_one
from notifications.outbox import outbox_rows
from notifications.routes import email_route
from notifications.templates import template_hash
from simulation.smtp import SmtpSink, free_port
from tests.support.cases import start_case

HO = "lha-housing-officer"
CANARY = "Zebedee Canarywharf"
PAYLOAD = {"young_person": {"full_name": CANARY, "date_of_birth": "2009-05-01"}}
OPS = "pathways-ops@test.example"


@pytest.fixture
def relay(
    migrated_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Engine, int]]:
    """The application on a fresh database, its relay on a free port that nothing listens on
    yet (a test starts ``relay_up`` on it); the default retry schedule."""
    port = free_port()
    monkeypatch.setenv("PATHWAYS_DATABASE_URL", migrated_database_url)
    monkeypatch.setenv(
        "PATHWAYS_SMTP_URL",
        f"mailto://127.0.0.1:{port}?from=pathways@localhost&mode=insecure&cto=2",
    )
    for name in ("PATHWAYS_RETRY_SCHEDULE", "PATHWAYS_OPERATIONS_EMAIL", "PATHWAYS_ROUTES"):
        monkeypatch.delenv(name, raising=False)
    reset_caches()
    engine = get_engine()
    with session_scope(engine) as session:
        import_directory(session)
    try:
        yield engine, port
    finally:
        engine.dispose()
        reset_caches()


@contextmanager
def relay_up(port: int) -> Iterator[SmtpSink]:
    sink = SmtpSink(port)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def rows(engine: Engine) -> list[Notification]:
    with session_scope(engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))))


def queue(
    engine: Engine,
    route: str,
    *,
    event_type: str = "timer_breach",
    context: dict[str, str | None] | None = None,
    now: datetime,
) -> int:
    """One outbox row with no case, as the product's row builder makes it."""
    values = outbox_rows(
        key_prefix=f"test:{route}:{event_type}",
        case_id=None,
        case_reference="JP-TEST-0001",
        event_type=event_type,
        context=context
        if context is not None
        else minimal_context(
            case_reference="JP-TEST-0001",
            pathway="Example referral",
            event="Joint visit: overdue",
            due=None,
            owning_team="Joint LHA + ICS team",
            link="http://127.0.0.1:8080/cases/JP-TEST-0001",
        ),
        routes=[("lha", route)],
        now=now,
    )
    with session_scope(engine) as session:
        session.execute(insert(Notification), values)
        found = session.exec(
            select(Notification.id).where(
                Notification.idempotency_key == values[0]["idempotency_key"]
            )
        ).one()
    return found or 0


def open_case(engine: Engine) -> tuple[str, datetime]:
    applied = start_case(
        pathway="example", authority_id="dartford", payload=PAYLOAD, actor="ho1", role=HO
    )
    return applied.case_reference, clock.now(engine)


# --- a relay outage --------------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_server")
def test_a_relay_down_for_twenty_minutes_loses_nothing_to_dead_letters(
    relay: tuple[Engine, int],
) -> None:
    engine, port = relay
    reference, start = open_case(engine)
    queued = rows(engine)
    assert {row.recipient for row in queued} == {"lha", "ics"}

    # A delivery run every minute of the outage, on the virtual clock.
    for minute in range(21):
        outcome = deliver_due(engine, start + timedelta(minutes=minute))
        assert outcome.dead == 0 and outcome.sent == 0, minute
    during = rows(engine)
    assert [row.id for row in during] == [row.id for row in queued]  # no alert: nothing is dead
    assert {(row.status, row.last_error_kind, row.last_error) for row in during} == {
        ("temporary-failure", "connection-refused", "connection refused")
    }
    # Tried at 0, 1 and 6 minutes; the next try is 15 minutes after that.
    assert {row.attempts for row in during} == {3}
    assert {row.next_attempt_at for row in during} == {start + timedelta(minutes=21)}

    with relay_up(port) as sink:
        outcome = deliver_due(engine, start + timedelta(minutes=21))
    assert (outcome.sent, outcome.retried, outcome.dead) == (2, 0, 0)
    after = rows(engine)
    assert {(row.status, row.attempts, row.last_error) for row in after} == {("sent", 4, None)}
    assert {mail.key for mail in sink.received} == {row.idempotency_key for row in after}
    assert all(reference in mail.subject for mail in sink.received)
    assert all(CANARY not in mail.text() for mail in sink.received)
    # The audit of what was sent: the hash of the very template sources rendered.
    assert {row.template_hash for row in after} == {template_hash("case_opened")}


# --- permanent at once -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ("not-a-reference", "is not a route reference"),
        ("route:nowhere", "PATHWAYS_ROUTES names no route 'nowhere'"),
        ("email:two addresses@x.example", "not a single e-mail address"),
    ],
)
def test_a_bad_route_fails_permanently_on_the_first_attempt(
    relay: tuple[Engine, int], route: str, reason: str
) -> None:
    engine, port = relay
    now = clock.now(engine)
    row_id = queue(engine, route, now=now)
    with relay_up(port) as sink:
        outcome = deliver_due(engine, now)
    assert (outcome.dead, outcome.retried) == (1, 0)
    [row] = rows(engine)
    assert (row.id, row.status, row.attempts, row.last_error_kind) == (
        row_id,
        "permanent-failure",
        1,
        "invalid-route",
    )
    assert row.last_error is not None and row.last_error.startswith("invalid route: ")
    assert reason in row.last_error and "mailto" not in row.last_error
    assert row.failed_at == now
    assert sink.received == []
    with session_scope(engine) as session:
        summary = dead_letter_summary(session)
    assert (summary.total, summary.by_kind) == (1, {"invalid-route": 1})
    assert summary.newest[0].last_error == row.last_error


def test_a_missing_template_fails_permanently_at_once(relay: tuple[Engine, int]) -> None:
    engine, _ = relay
    now = clock.now(engine)
    queue(engine, email_route("duty@test.example"), event_type="no_such_template", now=now)
    assert deliver_due(engine, now).dead == 1
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error_kind, row.template_hash) == (
        "permanent-failure",
        1,
        "template-error",
        None,
    )
    assert row.last_error == "template error: no_such_template.subject.j2 is missing"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"link": None}, "context error: link: Input should be a valid string"),
        ({"full_name": CANARY}, "context error: full_name: Extra inputs are not permitted"),
    ],
)
def test_a_context_the_template_cannot_take_fails_permanently_at_once(
    relay: tuple[Engine, int], change: dict[str, str | None], reason: str
) -> None:
    engine, _ = relay
    now = clock.now(engine)
    context = {
        **minimal_context(
            case_reference="JP-TEST-0001",
            pathway="Example referral",
            event="Joint visit: overdue",
            due=None,
            owning_team="Joint LHA + ICS team",
            link="http://127.0.0.1:8080/cases/JP-TEST-0001",
        ),
        **change,
    }
    queue(engine, email_route("duty@test.example"), context=context, now=now)
    assert deliver_due(engine, now).dead == 1
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error_kind) == (
        "permanent-failure",
        1,
        "context-error",
    )
    # Field and rule only: the value given (a name, here) is never kept.
    assert row.last_error == reason and CANARY not in (row.last_error or "")
    assert row.template_hash == template_hash("timer_breach")


# --- claims and leases -----------------------------------------------------------------------


def test_a_sender_whose_lease_ran_out_cannot_overwrite_the_new_holder(
    relay: tuple[Engine, int],
) -> None:
    engine, port = relay
    start = clock.now(engine)
    queue(engine, email_route("duty@test.example"), now=start)

    [stale] = claim(engine, start, 10)
    assert claim(engine, start + LEASE - timedelta(seconds=1), 10) == []  # still held
    [fresh] = claim(engine, start + LEASE + timedelta(seconds=1), 10)
    assert (stale.id, stale.attempts, fresh.attempts) == (fresh.id, 1, 2)

    with relay_up(port) as sink:
        assert deliver_one(engine, fresh, start + LEASE + timedelta(seconds=2)) == "sent"
    # The stale sender's try fails now (the relay is down again), and it would have made the
    # row a permanent failure (no retries left): it is told its claim is gone, and writes nothing.
    assert deliver_one(engine, stale, start + LEASE + timedelta(seconds=3), schedule=()) == (
        "superseded"
    )
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)
    assert row.delivered_at == start + LEASE + timedelta(seconds=2)
    assert row.dead_letter_alerted_at is None
    assert len(sink.received) == 1


def test_a_stale_sender_that_succeeds_leaves_the_new_holders_result(
    relay: tuple[Engine, int],
) -> None:
    engine, port = relay
    start = clock.now(engine)
    queue(engine, email_route("duty@test.example"), now=start)
    [stale] = claim(engine, start, 10)
    [fresh] = claim(engine, start + LEASE + timedelta(seconds=1), 10)
    assert deliver_one(engine, fresh, start + LEASE + timedelta(seconds=2)) == "retried"
    with relay_up(port) as sink:
        assert deliver_one(engine, stale, start + LEASE + timedelta(seconds=3)) == "superseded"
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error_kind) == (
        "temporary-failure",
        2,
        "connection-refused",
    )
    # The message did arrive: its next try repeats it with the same key for the receiver to
    # drop, which is the outbox's at-least-once promise.
    assert [mail.key for mail in sink.received] == [row.idempotency_key]


# --- dead-letter alerts ----------------------------------------------------------------------


@pytest.mark.usefixtures("prefect_server")
def test_a_dead_letter_alerts_operations_once_without_personal_data(
    relay: tuple[Engine, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, port = relay
    monkeypatch.setenv("PATHWAYS_RETRY_SCHEDULE", "1m")
    monkeypatch.setenv("PATHWAYS_OPERATIONS_EMAIL", OPS)
    reset_caches()
    reference, start = open_case(engine)
    originals = {row.id: row for row in rows(engine)}

    assert deliver_due(engine, start).retried == 2
    assert deliver_due(engine, start + timedelta(minutes=1)).dead == 2
    after = {row.id: row for row in rows(engine)}
    alerts = [row for row_id, row in after.items() if row_id not in originals]
    assert len(alerts) == 2
    assert {(row.event_type, row.recipient, row.route, row.case_reference) for row in alerts} == {
        (DEAD_LETTER_TEMPLATE, "operations", email_route(OPS), reference)
    }
    assert {after[row_id].dead_letter_alerted_at for row_id in originals} == {
        start + timedelta(minutes=1)
    }

    with relay_up(port) as sink:
        sent = deliver_due(engine, start + timedelta(minutes=2))
        # Nothing else is due; and nothing queues a second alert.
        again = deliver_due(engine, start + timedelta(hours=1))
    assert (sent.sent, again.handled) == (2, 0)
    assert len(rows(engine)) == 4
    mails = sink.to(OPS)
    assert len(mails) == 2
    for mail in mails:
        body = mail.text()
        assert reference in mail.subject and "NOT DELIVERED" in mail.subject
        assert "failed permanently: connection refused" in body
        assert "case_opened to " in body
        assert CANARY not in body and "2009" not in body
        assert "mailto" not in body and str(port) not in body
    shown = {
        f"notification {row_id} (case_opened to {row.recipient})"
        for row_id, row in originals.items()
    }
    assert {line for mail in mails for line in shown if line in mail.text()} == shown
    assert all(CANARY not in json.dumps(row.context) for row in rows(engine))


def test_a_failing_alert_does_not_alert_about_itself(
    relay: tuple[Engine, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = relay
    monkeypatch.setenv("PATHWAYS_OPERATIONS_EMAIL", OPS)
    reset_caches()
    now = clock.now(engine)
    queue(engine, "not-a-reference", event_type=DEAD_LETTER_TEMPLATE, now=now)
    assert deliver_due(engine, now).dead == 1
    [row] = rows(engine)
    assert (row.status, row.last_error_kind, row.dead_letter_alerted_at) == (
        "permanent-failure",
        "invalid-route",
        None,
    )


def _config_with_operations_email(tmp_path: Path, authority: str, address: str) -> Path:
    source = PROJECT_ROOT / "config" / "authorities.yaml"
    raw: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
    raw["authorities"][authority] = {
        **(raw["authorities"][authority] or {}),
        "operations_email": address,
    }
    path = tmp_path / "authorities.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_the_operations_route_is_the_authoritys_then_the_setting_then_its_lha_inbox(
    relay: tuple[Engine, int], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine, _ = relay
    with session_scope(engine) as session:
        lha_inbox = session.get(Authority, "dartford")
        assert lha_inbox is not None and lha_inbox.routes
        assert operations_routes(session, "dartford") == lha_inbox.routes
        assert operations_routes(session, None) == []

    monkeypatch.setenv("PATHWAYS_OPERATIONS_EMAIL", OPS)
    reset_caches()
    with session_scope(engine) as session:
        assert operations_routes(session, "dartford") == [email_route(OPS)]
        assert operations_routes(session, None) == [email_route(OPS)]

    config = _config_with_operations_email(tmp_path, "dartford", "ops@dartford.test.example")
    monkeypatch.setenv("PATHWAYS_AUTHORITY_CONFIG", str(config))
    reset_caches()
    with session_scope(engine) as session:
        assert operations_routes(session, "dartford") == [email_route("ops@dartford.test.example")]
        assert operations_routes(session, "gravesham") == [email_route(OPS)]


# --- the database holds the states -----------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        "status = 'dead'",
        "status = 'delivered'",
        "status = 'temporary-failure', last_error_kind = NULL",
        "status = 'permanent-failure', last_error_kind = NULL",
        "status = 'sent', delivered_at = NULL",
        "last_error_kind = 'gremlins'",
    ],
)
def test_a_raw_update_cannot_leave_the_state_machine(
    relay: tuple[Engine, int], values: str
) -> None:
    engine, _ = relay
    queue(engine, email_route("duty@test.example"), now=clock.now(engine))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text(f"UPDATE notification SET {values}"))
