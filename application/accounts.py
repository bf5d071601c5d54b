"""Local sign-in accounts: passwords, browser sessions and API tokens, each change audited.

An account belongs to one member of the staff directory, whose roles and authority make the
``Principal`` (``application.principals.principal_of``); the account only says how they prove
who they are. Passwords are stored as argon2 hashes, and sessions and API tokens as the SHA-256
of a random token, so the database holds nothing that signs anyone in.

Every security time (locks, session expiry, last use) is the wall clock, never the shared
application clock: tests and the demo move that clock days ahead, and a lock or a session must
not end because of it. Audit rows take ``audit.record``'s default time, the wall clock too.

``sign_in`` writes on refusal as well (the failure count, the lock, the audit row), so the
caller commits the session whatever it returns. Bad input to an operator's change raises
``AccountError`` naming the field before anything is written.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from application.principals import principal_of
from application.staff import add_staff, roles_of, staff_by_username
from infrastructure import audit
from infrastructure.clock import system_now
from models import ApiToken, StaffMember, UserAccount, WebSession
from pathways.password_rule import password_problem
from pathways.principal import Principal
from pathways.refusal import Refusal
from pathways.roles import ICS_ROLES, OPERATOR_ROLE, ROLES, SYSTEM_ROLE, Role

MAX_FAILURES: Final = 5
"""Consecutive failed sign-ins that lock the account."""
LOCK_FOR: Final = timedelta(minutes=15)
SESSION_IDLE: Final = timedelta(hours=2)
SESSION_MAX: Final = timedelta(hours=12)
TOUCH_EVERY: Final = timedelta(minutes=1)
"""A session's last_seen_at (a token's last_used_at) is rewritten at most this often, so a
page view is a read, not a write, and SQLite's one writer is not taken on every request."""

BASIS: Final = "local accounts (issue 11: argon2 passwords, server-side sessions, hashed tokens)"
NO_ROLE: Final = "-"
"""Signing in is done as a person, before any role is chosen."""
SIGN_IN_REFUSED: Final = (
    "Enter a correct username and password. An account is locked for "
    f"{LOCK_FOR.seconds // 60} minutes after {MAX_FAILURES} failed sign-ins in a row."
)
"""One answer for an unknown user, a wrong password, a disabled or a locked account: which of
them it was would tell a stranger that the username exists (or, while locked, that a guess
was right). The rule is stated instead, so a locked-out member of staff knows to wait."""
TOKEN_PREFIX: Final = "jpp_"
"""Marks an API token, so secret scanners and people can recognise a leaked one."""
MAX_SHOWN: Final = 40
ANONYMOUS: Final = "anonymous"
"""The actor of a failed sign-in as a name no one holds: what a stranger typed goes in the
row's details, never in its actor column, which other rules read (the demo guard looks for
the simulation's actor there)."""

DEMO_AUTHORITY: Final = "dartford"
DEMO_ACTOR: Final = "demo"
DEMO_BASIS: Final = "demo accounts for `make run` (one per role, password shown at start-up)"

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account change the rules do not allow; the message names the field."""


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    session_token: str
    """The cookie's value: returned once, stored only as its hash."""
    expires_at: datetime
    """The session's absolute end; it ends sooner after SESSION_IDLE without a request."""


@dataclass(frozen=True)
class AccountView:
    username: str
    display_name: str
    roles: tuple[str, ...]
    authority_id: str | None
    active: bool
    """Both the account and the member of staff are active: they can sign in."""
    locked_until: datetime | None
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class DemoAccounts:
    password: str
    """Shared by every demo account, new at every start."""
    usernames: Mapping[Role, str]


def token_hash(token: str) -> str:
    """What is stored for a session or API token (random, so a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _shown(text: str) -> str:
    # What a stranger typed goes into the audit row: printable and short.
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text.strip())
    return cleaned[:MAX_SHOWN] or "(blank)"


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _checked_hash(username: str, password: str) -> str:
    problem = password_problem(username, password)
    if problem is not None:
        raise AccountError(problem)
    return _hasher.hash(password)


def _account_of(
    session: Session, username: str, *, for_update: bool = False
) -> tuple[StaffMember, UserAccount] | None:
    statement = (
        select(StaffMember, UserAccount)
        .join(UserAccount, col(UserAccount.staff_id) == col(StaffMember.id))
        .where(StaffMember.username == username)
    )
    found = session.exec(statement.with_for_update() if for_update else statement).first()
    return (found[0], found[1]) if found else None


def _existing(session: Session, username: str) -> tuple[StaffMember, UserAccount]:
    found = _account_of(session, username.strip(), for_update=True)
    if found is None:
        raise AccountError(f"username: '{_shown(username)}' has no account")
    return found


def _record(
    session: Session,
    action: str,
    *,
    actor: str,
    role: str = OPERATOR_ROLE,
    after: dict[str, object],
    basis: str = BASIS,
) -> None:
    audit.record(session, actor=actor, role=role, action=action, after=after, basis=basis)


# --- signing in --------------------------------------------------------------------------


def _refused(
    session: Session, actor: str, reason: str, details: dict[str, object] | None = None
) -> Refusal:
    after: dict[str, object] = {"reason": reason, **(details or {})}
    _record(session, "account.sign_in_failed", actor=actor, role=NO_ROLE, after=after)
    return Refusal("unknown_user", SIGN_IN_REFUSED, "username")


def _failed(session: Session, staff: StaffMember, account: UserAccount, now: datetime) -> Refusal:
    account.failed_attempts += 1
    if account.failed_attempts >= MAX_FAILURES:
        account.locked_until = now + LOCK_FOR
        _record(
            session,
            "account.locked",
            actor=staff.username,
            role=NO_ROLE,
            after={
                "failed_attempts": account.failed_attempts,
                "locked_until": account.locked_until.isoformat(),
            },
        )
    session.add(account)
    return _refused(
        session, staff.username, "wrong_password", {"failed_attempts": account.failed_attempts}
    )


def _start_session(
    session: Session, staff: StaffMember, account: UserAccount, password: str, now: datetime
) -> SignedIn:
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.failed_attempts, account.last_sign_in_at = 0, now
    token = secrets.token_urlsafe(32)
    web = WebSession(
        token_hash=token_hash(token),
        account_id=account.id or 0,
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_MAX,
    )
    session.add_all([account, web])
    session.flush()
    _record(
        session,
        "account.signed_in",
        actor=staff.username,
        role=NO_ROLE,
        after={"expires_at": web.expires_at.isoformat()},
    )
    return SignedIn(principal_of(session, staff), token, web.expires_at)


def sign_in(session: Session, username: str, password: str) -> SignedIn | Refusal:
    """A new session for a correct username and password; otherwise one refusal that does not
    say why (the audit row does). The caller commits either way."""
    now = system_now()
    found = _account_of(session, username.strip(), for_update=True)
    if found is None:
        # Costs what a real check costs, so the time taken does not reveal the username.
        _verify(_dummy_hash(), password)
        return _refused(session, ANONYMOUS, "unknown_user", {"username": _shown(username)})
    staff, account = found
    if account.locked_until is not None and account.locked_until <= now:
        account.locked_until, account.failed_attempts = None, 0
        session.add(account)
    matches = _verify(account.password_hash, password)
    if account.locked_until is not None:
        return _refused(session, staff.username, "locked")
    if not (account.active and staff.active):
        return _refused(session, staff.username, "disabled")
    if not matches:
        return _failed(session, staff, account, now)
    return _start_session(session, staff, account, password, now)


def _live_session(
    session: Session, token: str
) -> tuple[WebSession, UserAccount, StaffMember] | None:
    found = session.exec(
        select(WebSession, UserAccount, StaffMember)
        .join(UserAccount, col(UserAccount.id) == col(WebSession.account_id))
        .join(StaffMember, col(StaffMember.id) == col(UserAccount.staff_id))
        .where(WebSession.token_hash == token_hash(token), col(WebSession.ended_at).is_(None))
    ).first()
    return (found[0], found[1], found[2]) if found else None


def session_principal(session: Session, token: str) -> Principal | None:
    """Who a session cookie signs in: None once it has ended, idled out or passed its end, or
    when the account or the member of staff is disabled. Slides the idle expiry."""
    found = _live_session(session, token)
    if found is None:
        return None
    web, account, staff = found
    now = system_now()
    idle = now - web.last_seen_at
    if now >= web.expires_at or idle >= SESSION_IDLE or not (account.active and staff.active):
        return None
    if idle >= TOUCH_EVERY:
        web.last_seen_at = now
        session.add(web)
    return principal_of(session, staff)


def sign_out(session: Session, token: str) -> None:
    """Ends the session (an unknown or ended one: nothing to do)."""
    found = _live_session(session, token)
    if found is None:
        return
    web, _, staff = found
    web.ended_at = system_now()
    session.add(web)
    _record(session, "account.signed_out", actor=staff.username, role=NO_ROLE, after={})


def token_principal(session: Session, bearer: str) -> Principal | None:
    """Who an API token signs in: None when unknown, revoked, or its account is disabled."""
    found = session.exec(
        select(ApiToken, UserAccount, StaffMember)
        .join(UserAccount, col(UserAccount.id) == col(ApiToken.account_id))
        .join(StaffMember, col(StaffMember.id) == col(UserAccount.staff_id))
        .where(ApiToken.token_hash == token_hash(bearer), col(ApiToken.revoked_at).is_(None))
    ).first()
    if found is None:
        return None
    api_token, account, staff = found
    if not (account.active and staff.active):
        return None
    now = system_now()
    if api_token.last_used_at is None or now - api_token.last_used_at >= TOUCH_EVERY:
        api_token.last_used_at = now
        session.add(api_token)
    return principal_of(session, staff)


# --- the operator's changes --------------------------------------------------------------


def _end_sessions(session: Session, account: UserAccount, now: datetime) -> int:
    live = session.exec(
        select(WebSession).where(
            WebSession.account_id == account.id, col(WebSession.ended_at).is_(None)
        )
    ).all()
    for web in live:
        web.ended_at = now
    session.add_all(live)
    return len(live)


def _revoke_tokens(session: Session, account: UserAccount, now: datetime) -> int:
    live = session.exec(
        select(ApiToken).where(
            ApiToken.account_id == account.id, col(ApiToken.revoked_at).is_(None)
        )
    ).all()
    for api_token in live:
        api_token.revoked_at = now
    session.add_all(live)
    return len(live)


def _create(
    session: Session, staff: StaffMember, password_hash: str, *, by: str, basis: str
) -> None:
    now = system_now()
    session.add(
        UserAccount(
            staff_id=staff.id or 0,
            password_hash=password_hash,
            created_at=now,
            password_changed_at=now,
        )
    )
    session.flush()
    _record(session, "account.created", actor=by, after={"username": staff.username}, basis=basis)


def _reset(
    session: Session,
    staff: StaffMember,
    account: UserAccount,
    password_hash: str,
    *,
    by: str,
    basis: str,
) -> None:
    now = system_now()
    was_locked = account.locked_until is not None and account.locked_until > now
    account.password_hash, account.password_changed_at = password_hash, now
    account.failed_attempts, account.locked_until = 0, None
    session.add(account)
    ended = _end_sessions(session, account, now)
    _record(
        session,
        "account.password_set",
        actor=by,
        after={"username": staff.username, "unlocked": was_locked, "sessions_ended": ended},
        basis=basis,
    )


def add_account(session: Session, username: str, password: str, *, by: str) -> None:
    """An account for an active member of staff who has none yet."""
    name = username.strip()
    staff = staff_by_username(session, name)
    if staff is None:
        raise AccountError(f"username: no member of staff '{_shown(username)}'")
    if not staff.active:
        raise AccountError(f"username: '{name}' is disabled in the staff directory")
    if _account_of(session, name) is not None:
        raise AccountError(f"username: '{name}' already has an account")
    _create(session, staff, _checked_hash(name, password), by=by, basis=BASIS)


def set_password(session: Session, username: str, password: str, *, by: str) -> None:
    """A new password; it also unlocks the account and ends every session it has."""
    staff, account = _existing(session, username)
    _reset(session, staff, account, _checked_hash(staff.username, password), by=by, basis=BASIS)


def disable_account(session: Session, username: str, *, by: str) -> None:
    """The account can no longer sign in: its sessions end and its API tokens are revoked."""
    staff, account = _existing(session, username)
    if not account.active:
        return
    now = system_now()
    account.active = False
    session.add(account)
    ended = _end_sessions(session, account, now)
    revoked = _revoke_tokens(session, account, now)
    _record(
        session,
        "account.disabled",
        actor=by,
        after={"username": staff.username, "sessions_ended": ended, "tokens_revoked": revoked},
    )


def issue_api_token(session: Session, username: str, *, by: str) -> str:
    """A new bearer token for the JSON API: returned this once, stored only as its hash."""
    staff, account = _existing(session, username)
    if not (account.active and staff.active):
        raise AccountError(f"username: '{staff.username}' is disabled and cannot have a token")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    api_token = ApiToken(token_hash=token_hash(token), account_id=account.id or 0)
    session.add(api_token)
    session.flush()
    _record(
        session,
        "account.token_issued",
        actor=by,
        after={"username": staff.username, "token_id": api_token.id},
    )
    return token


def list_accounts(session: Session) -> list[AccountView]:
    now = system_now()
    found = session.exec(
        select(StaffMember, UserAccount)
        .join(UserAccount, col(UserAccount.staff_id) == col(StaffMember.id))
        .order_by(col(StaffMember.username))
    ).all()
    return [
        AccountView(
            username=staff.username,
            display_name=staff.display_name,
            roles=tuple(roles_of(session, staff)),
            authority_id=staff.authority_id,
            active=account.active and staff.active,
            locked_until=(
                account.locked_until
                if account.locked_until is not None and account.locked_until > now
                else None
            ),
            last_sign_in_at=account.last_sign_in_at,
        )
        for staff, account in found
    ]


# --- the demo ----------------------------------------------------------------------------

DEMO_ROLES: Final[Sequence[Role]] = tuple(role for role in ROLES if role != SYSTEM_ROLE)


def _demo_staff(session: Session, role: Role) -> StaffMember:
    username = f"demo.{role}"
    staff = staff_by_username(session, username)
    if staff is not None:
        return staff
    return add_staff(
        session,
        username=username,
        display_name=f"Demo {ROLES[role].split(' (')[0]}",
        email=f"{username}@{DEMO_AUTHORITY}.example",
        roles=[role],
        team="ics" if role in ICS_ROLES else "lha",
        authority_id=DEMO_AUTHORITY,
        actor=DEMO_ACTOR,
        actor_role=OPERATOR_ROLE,
        basis=DEMO_BASIS,
    )


def seed_demo_accounts(session: Session) -> DemoAccounts:
    """One demo member of staff and account per role, all at the demo authority, sharing a new
    random password; an existing demo account is re-enabled, unlocked and given it."""
    password = secrets.token_urlsafe(16)
    # One hash for them all: the password is shared anyway, and each hash costs real time.
    shared_hash = _hasher.hash(password)
    usernames: dict[Role, str] = {}
    for role in DEMO_ROLES:
        staff = _demo_staff(session, role)
        found = _account_of(session, staff.username, for_update=True)
        if found is None:
            _create(session, staff, shared_hash, by=DEMO_ACTOR, basis=DEMO_BASIS)
        else:
            account = found[1]
            if not account.active:
                account.active = True
                after: dict[str, object] = {"username": staff.username}
                _record(session, "account.enabled", actor=DEMO_ACTOR, after=after, basis=DEMO_BASIS)
            _reset(session, staff, account, shared_hash, by=DEMO_ACTOR, basis=DEMO_BASIS)
        usernames[role] = staff.username
    return DemoAccounts(password, usernames)
