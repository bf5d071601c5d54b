"""Sign-in accounts on a real database: passwords, the lockout, sessions that end, API tokens
stored hashed, and the audit row each leaves."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from application.accounts import (
    LOCK_FOR,
    MAX_FAILURES,
    SESSION_IDLE,
    AccountError,
    SignedIn,
    add_account,
    disable_account,
    issue_api_token,
    list_accounts,
    seed_demo_accounts,
    session_principal,
    set_password,
    sign_in,
    sign_out,
    token_principal,
)
from application.directory import import_directory
from application.staff import add_staff, disable_staff
from infrastructure import clock
from infrastructure.db import session_scope
from models import AuditEvent, UserAccount, WebSession
from pathways.refusal import Refusal

USER = "ho.dartford"
PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long passphrase"


@pytest.fixture
def engine(db_engine: Engine) -> Engine:
    with session_scope(db_engine) as session:
        import_directory(session)
        add_staff(
            session,
            username=USER,
            display_name="Housing Officer (Dartford)",
            email="ho.dartford@dartford.example",
            roles=["lha-housing-officer"],
            team="lha",
            authority_id="dartford",
            actor="test",
            actor_role="operator",
            basis="test staff",
        )
        add_account(session, USER, PASSWORD, by="test")
    return db_engine


def _sign_in(engine: Engine, username: str = USER, password: str = PASSWORD) -> SignedIn | Refusal:
    with session_scope(engine) as session:
        return sign_in(session, username, password)


def _signed_in(engine: Engine, password: str = PASSWORD) -> SignedIn:
    result = _sign_in(engine, password=password)
    assert isinstance(result, SignedIn), result
    return result


def _refused(engine: Engine, username: str = USER, password: str = PASSWORD) -> Refusal:
    result = _sign_in(engine, username, password)
    assert isinstance(result, Refusal), result
    return result


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with session_scope(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            ).all()
        )


def _account(session: Session) -> UserAccount:
    return session.exec(select(UserAccount)).one()


def _whole_table(engine: Engine, table: str) -> str:
    with engine.connect() as connection:
        return repr(connection.execute(text(f"SELECT * FROM {table}")).all())


def _principal(engine: Engine, token: str) -> str | None:
    with session_scope(engine) as session:
        found = session_principal(session, token)
    return found.username if found else None


def test_a_correct_password_signs_in_as_the_directorys_principal(engine: Engine) -> None:
    signed = _signed_in(engine)
    assert signed.principal.username == USER
    assert signed.principal.roles == {"lha-housing-officer"}
    assert signed.principal.covers == {"dartford"}
    with session_scope(engine) as session:
        found = session_principal(session, signed.session_token)
        account = _account(session)
    assert found == signed.principal
    assert account.last_sign_in_at is not None and account.failed_attempts == 0
    assert [event.actor for event in _events(engine, "account.signed_in")] == [USER]
    # Only the hash of the cookie's token is stored.
    assert signed.session_token not in _whole_table(engine, "websession")
    digest = hashlib.sha256(signed.session_token.encode()).hexdigest()
    assert digest in _whole_table(engine, "websession")


def test_unknown_user_and_wrong_password_get_the_same_answer(engine: Engine) -> None:
    wrong = _refused(engine, password="not the password")
    unknown = _refused(engine, username="nobody.here", password=PASSWORD)
    assert wrong == unknown
    assert (wrong.code, wrong.http_status) == ("unknown_user", 401)
    failures = _events(engine, "account.sign_in_failed")
    assert [(event.actor, event.after) for event in failures] == [
        (USER, {"reason": "wrong_password", "failed_attempts": 1}),
        ("anonymous", {"reason": "unknown_user", "username": "nobody.here"}),
    ]
    # The audit trail never holds a password that was tried.
    assert "not the password" not in _whole_table(engine, "auditevent")
    assert PASSWORD not in _whole_table(engine, "auditevent")


@pytest.mark.parametrize("typed", ["evil\x1b[31m" + "x" * 500, "simulation", "system"])
def test_what_a_stranger_types_is_audited_short_printable_and_never_as_the_actor(
    engine: Engine, typed: str
) -> None:
    _refused(engine, username=typed)
    (event,) = _events(engine, "account.sign_in_failed")
    assert event.actor == "anonymous"
    shown = (event.after or {})["username"]
    assert "\x1b" not in shown and len(shown) <= 40


def test_the_fifth_failure_locks_the_account_and_set_password_unlocks_it(engine: Engine) -> None:
    for _ in range(MAX_FAILURES - 1):
        _refused(engine, password="a wrong guess!")
    assert _events(engine, "account.locked") == []
    _refused(engine, password="a wrong guess!")
    (locked,) = _events(engine, "account.locked")
    assert locked.actor == USER and (locked.after or {})["failed_attempts"] == MAX_FAILURES
    with session_scope(engine) as session:
        until = _account(session).locked_until
    assert until is not None
    assert until - datetime.now(UTC) == pytest.approx(LOCK_FOR, abs=timedelta(minutes=1))

    # While locked even the right password is refused, with the same answer as any failure.
    refused = _refused(engine)
    assert refused == _refused(engine, username="nobody.here")
    assert (_events(engine, "account.sign_in_failed")[-2].after or {})["reason"] == "locked"

    with session_scope(engine) as session:
        set_password(session, USER, OTHER_PASSWORD, by="cli:test")
    (reset,) = _events(engine, "account.password_set")
    assert (reset.actor, reset.role, (reset.after or {})["unlocked"]) == (
        "cli:test",
        "operator",
        True,
    )
    _refused(engine)  # the old password is gone
    assert _signed_in(engine, OTHER_PASSWORD).principal.username == USER


def test_a_lock_that_has_run_out_lets_the_right_password_in(engine: Engine) -> None:
    for _ in range(MAX_FAILURES):
        _refused(engine, password="a wrong guess!")
    with session_scope(engine) as session:
        account = _account(session)
        account.locked_until = datetime.now(UTC) - timedelta(seconds=1)
        session.add(account)
    _signed_in(engine)
    with session_scope(engine) as session:
        account = _account(session)
    assert (account.locked_until, account.failed_attempts) == (None, 0)


def test_a_session_ends_after_idling_and_at_its_absolute_end(engine: Engine) -> None:
    idle, expired, busy = (_signed_in(engine).session_token for _ in range(3))
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        rows = {row.token_hash: row for row in session.exec(select(WebSession)).all()}

        def row(token: str) -> WebSession:
            return rows[hashlib.sha256(token.encode()).hexdigest()]

        row(idle).last_seen_at = now - SESSION_IDLE - timedelta(seconds=1)
        row(expired).expires_at = now - timedelta(seconds=1)
        row(busy).last_seen_at = now - SESSION_IDLE + timedelta(minutes=5)
        session.add_all(rows.values())
    assert _principal(engine, idle) is None
    assert _principal(engine, expired) is None
    # A request within the idle limit slides it: the session is good for SESSION_IDLE again.
    assert _principal(engine, busy) == USER
    with session_scope(engine) as session:
        seen = next(
            web.last_seen_at
            for web in session.exec(select(WebSession)).all()
            if web.token_hash == hashlib.sha256(busy.encode()).hexdigest()
        )
    assert datetime.now(UTC) - seen < timedelta(minutes=1)


def test_moving_the_application_clock_does_not_end_a_session(engine: Engine) -> None:
    token = _signed_in(engine).session_token
    with session_scope(engine) as session:
        clock.set_virtual_time(session, datetime.now(UTC) + timedelta(days=3))
    assert _principal(engine, token) == USER


def test_sign_out_ends_the_session(engine: Engine) -> None:
    token = _signed_in(engine).session_token
    with session_scope(engine) as session:
        sign_out(session, token)
    assert _principal(engine, token) is None
    assert [event.actor for event in _events(engine, "account.signed_out")] == [USER]
    with session_scope(engine) as session:
        sign_out(session, token)  # twice: nothing more to end
    assert len(_events(engine, "account.signed_out")) == 1


def test_a_disabled_account_is_refused_and_loses_its_sessions_and_tokens(engine: Engine) -> None:
    token = _signed_in(engine).session_token
    with session_scope(engine) as session:
        bearer = issue_api_token(session, USER, by="cli:test")
        disable_account(session, USER, by="cli:test")
    assert _refused(engine).code == "unknown_user"
    assert _principal(engine, token) is None
    with session_scope(engine) as session:
        assert token_principal(session, bearer) is None
        (view,) = list_accounts(session)
    assert view.active is False
    (disabled,) = _events(engine, "account.disabled")
    assert disabled.after == {"username": USER, "sessions_ended": 1, "tokens_revoked": 1}


def test_a_member_of_staff_disabled_in_the_directory_cannot_sign_in(engine: Engine) -> None:
    token = _signed_in(engine).session_token
    with session_scope(engine) as session:
        disable_staff(session, USER, actor="test", actor_role="operator", basis="left")
    assert _refused(engine).code == "unknown_user"
    assert _principal(engine, token) is None


def test_api_tokens_are_stored_hashed_and_sign_their_owner_in(engine: Engine) -> None:
    with session_scope(engine) as session:
        bearer = issue_api_token(session, USER, by="cli:test")
    assert bearer not in _whole_table(engine, "apitoken")
    assert bearer not in _whole_table(engine, "auditevent")
    with session_scope(engine) as session:
        found = token_principal(session, bearer)
        unknown = token_principal(session, bearer + "x")
    assert found is not None and found.username == USER
    assert unknown is None
    with engine.connect() as connection:
        last_used = connection.execute(text("SELECT last_used_at FROM apitoken")).scalar_one()
    assert last_used is not None


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("nobody.here", PASSWORD, "username: no member of staff 'nobody.here'"),
        (USER, PASSWORD, "username: 'ho.dartford' already has an account"),
    ],
)
def test_add_account_refuses_naming_the_field(
    engine: Engine, username: str, password: str, message: str
) -> None:
    with pytest.raises(AccountError, match=re.escape(message)), session_scope(engine) as session:
        add_account(session, username, password, by="cli:test")


def test_a_bad_password_is_refused_and_nothing_is_written(engine: Engine) -> None:
    with session_scope(engine) as session:
        add_staff(
            session,
            username="so.dartford",
            display_name="Senior Officer",
            email="so.dartford@dartford.example",
            roles=["lha-senior-officer"],
            team="lha",
            authority_id="dartford",
            actor="test",
            actor_role="operator",
            basis="test staff",
        )
    before = len(_events(engine, "account.created"))
    for password in ("too short", "so.dartford"):
        with (
            pytest.raises(AccountError, match=r"^password: ") as refused,
            session_scope(engine) as session,
        ):
            add_account(session, "so.dartford", password, by="cli:test")
        assert password not in str(refused.value)
    with (
        pytest.raises(AccountError, match="password: must be at least 12"),
        session_scope(engine) as session,
    ):
        set_password(session, USER, "short", by="cli:test")
    assert len(_events(engine, "account.created")) == before
    assert _events(engine, "account.password_set") == []
    with session_scope(engine) as session:
        assert [view.username for view in list_accounts(session)] == [USER]


def test_demo_accounts_one_per_role_share_a_new_password_each_time(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = seed_demo_accounts(session)
    assert "system" not in first.usernames
    assert first.usernames["coordinator"] == "demo.coordinator"
    assert first.usernames["lha-housing-officer"] == "demo.lha-housing-officer"
    coordinator = _sign_in(engine, "demo.coordinator", first.password)
    assert isinstance(coordinator, SignedIn)
    assert coordinator.principal.roles == {"coordinator"}
    assert coordinator.principal.authority_id == "dartford"

    with session_scope(engine) as session:
        disable_account(session, "demo.auditor", by="cli:test")
    with session_scope(engine) as session:
        second = seed_demo_accounts(session)
        views = {view.username: view for view in list_accounts(session)}
    assert second.password != first.password
    assert _principal(engine, coordinator.session_token) is None  # reset ends its sessions
    assert isinstance(_refused(engine, "demo.auditor", first.password), Refusal)
    # The reset re-enables a demo account someone disabled, and says so.
    assert isinstance(_sign_in(engine, "demo.auditor", second.password), SignedIn)
    assert [event.after for event in _events(engine, "account.enabled")] == [
        {"username": "demo.auditor"}
    ]
    assert views["demo.ics-social-worker"].roles == ("ics-social-worker",)
    assert len([name for name in views if name.startswith("demo.")]) == len(first.usernames)
