"""SMTP sessions a sender keeps open for a delivery run, and the SSL context they all share.

Apprise opens an SMTP connection, and builds an SSL context (loading the system's CA
certificates), for every message it sends: at a relay that is most of a message's cost. A
sender of ``notifications.delivery`` keeps one session per relay open instead, for as long as
its run, and opens a new one when a session breaks.

A kept session can have gone stale (the relay closed it, or answers 421 at MAIL FROM when it
takes no more on one connection). If it fails before the message reached DATA, the relay
cannot have taken the message, so it goes once more on a fresh session. From DATA on the relay
may hold it: the failure stands, and the row's next attempt repeats it under the same
idempotency key, as after any failure in that window.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

log = logging.getLogger(__name__)

SecureMode = Literal["insecure", "ssl", "starttls"]
"""Apprise's ``mode=`` of a ``mailto://`` URL (``SecureMailMode``)."""


@dataclass(frozen=True)
class Relay:
    """Where and how to open a session: the values Apprise parsed from the route's URL."""

    host: str
    port: int
    mode: SecureMode
    user: str | None
    password: str | None = field(repr=False)
    verify: bool
    """Whether the relay's certificate is checked (Apprise's ``verify=``)."""
    timeout: float
    """Seconds for the connect and for each reply (Apprise's ``cto=``)."""


_contexts: dict[bool, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def ssl_context(verify: bool) -> ssl.SSLContext:
    """The process's one SSL context for relays (one for each ``verify`` setting), made on
    first use; an SSLContext may wrap sockets in several threads at once."""
    with _contexts_lock:
        context = _contexts.get(verify)
        if context is None:
            context = ssl.create_default_context()
            if not verify:
                # As Apprise does for verify=no: the operator's choice for a relay with a
                # self-signed certificate.
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            _contexts[verify] = context
        return context


class _Session(smtplib.SMTP):
    """A session that knows whether the message in flight reached DATA."""

    reached_data = False

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.reached_data = True
        return super().data(msg)


class _SslSession(_Session, smtplib.SMTP_SSL):
    pass


def _open(relay: Relay) -> _Session:
    context = ssl_context(relay.verify)
    # local_hostname=None: the EHLO name is this host's FQDN, as Apprise's sessions say it.
    session: _Session = (
        _SslSession(relay.host, relay.port, None, timeout=relay.timeout, context=context)
        if relay.mode == "ssl"
        else _Session(relay.host, relay.port, None, timeout=relay.timeout)
    )
    try:
        if relay.mode == "starttls":
            session.starttls(context=context)
        if relay.user and relay.password:
            session.login(relay.user, relay.password)
    except BaseException:
        _close(session)
        raise
    return session


def _close(session: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError, smtplib.SMTPException):
        session.quit()
    session.close()


def _went_away(error: BaseException) -> bool:
    """A kept session the relay had closed, or refuses to use again (421), not a slow one."""
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "timed out" not in str(error)
    return isinstance(error, ConnectionError)


def _still_usable(error: BaseException) -> bool:
    """The relay refused this message and smtplib reset the session (RSET): it can go on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return (
        isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError)
        and error.smtp_code != 421
    )


class SmtpSessions:
    """One sender's open sessions, by relay. Not shared between threads: each sender of a
    delivery run has its own."""

    def __init__(self) -> None:
        self._open: dict[Relay, _Session] = {}

    def send(self, relay: Relay, sender: str, recipients: list[str], message: str) -> None:
        """Sends one message; raises the smtplib or socket exception that stopped it."""
        kept = self._open.pop(relay, None)
        if kept is not None:
            try:
                self._send_on(relay, kept, sender, recipients, message)
                return
            except (smtplib.SMTPException, OSError) as error:
                if kept.reached_data or not _went_away(error):
                    raise
                log.debug("a kept SMTP session was closed by the relay; opening a new one")
        self._send_on(relay, _open(relay), sender, recipients, message)

    def _send_on(
        self, relay: Relay, session: _Session, sender: str, recipients: list[str], message: str
    ) -> None:
        session.reached_data = False
        try:
            session.sendmail(sender, recipients, message)
        except BaseException as error:
            if _still_usable(error):
                self._open[relay] = session
            else:
                _close(session)
            raise
        self._open[relay] = session

    def close(self) -> None:
        """Says QUIT on every session; one that fails to is closed all the same."""
        sessions, self._open = list(self._open.values()), {}
        for session in sessions:
            _close(session)
