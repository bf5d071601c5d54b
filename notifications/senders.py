"""Hands a rendered message to the channel its Apprise URL names.

Apprise stays the notification layer: it parses and checks every route's URL (relay, port,
TLS mode, credentials, certificate check, timeouts, sender, recipients, extra headers), and
every channel but e-mail goes through ``Apprise.notify`` as before. For e-mail only the SMTP
conversation is ours: Apprise's ``send`` opens a connection, and builds an SSL context, for
every message, where a ``Sender`` keeps its sessions open (``notifications.smtp_sessions``) for
the delivery run it works in and drives them with the values Apprise parsed. The message is
the one Apprise would build, written by ``notifications.mime`` for the plain case, by Apprise's
own builder when the URL asks for more (PGP, copies, a reply address).

Each e-mail carries its row's idempotency key in an ``X-Pathways-Key`` header, so a receiver can
drop the rare duplicate that a crash (or a lost lease) between "sent" and "settled" can cause.
"""

from __future__ import annotations

import smtplib
import threading
from datetime import datetime
from email.utils import format_datetime, formataddr, make_msgid
from types import TracebackType
from typing import Any
from urllib.parse import quote

import apprise
from apprise.conversion import convert_between
from apprise.emojis import apply_emojis
from apprise.plugins.email import AppriseEmailException, EmailMessage, NotifyEmail
from apprise.plugins.email.base import PGP_MODE_DEFAULT

from notifications.mime import mime_message
from notifications.relay_errors import (
    DeliveryError,
    captured_apprise_log,
    classify,
    classify_error,
)
from notifications.smtp_sessions import Relay, SmtpSessions
from notifications.templates import RenderedMessage

IDEMPOTENCY_HEADER = "X-Pathways-Key"
EMAIL_SCHEMES = ("mailto://", "mailtos://")
NOT_APPRISE = "invalid route: not a URL Apprise can send to"

_capture_lock = threading.Lock()
"""The log capture behind ``notify`` sets the ``apprise`` logger's level: one at a time."""


def is_email(url: str) -> bool:
    return url.startswith(EMAIL_SCHEMES)


def _with_header(url: str, key: str) -> str:
    if not is_email(url):
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}+{IDEMPOTENCY_HEADER}={quote(key, safe='')}"


def send_with_apprise(url: str, key: str, message: RenderedMessage) -> None:
    """Hands the message to Apprise for the channel ``url`` names, one call of its own (one
    SMTP session for an e-mail); raises DeliveryError saying why not."""
    sender = apprise.Apprise()
    if not sender.add(_with_header(url, key)):
        raise DeliveryError("invalid-route", NOT_APPRISE)
    email = is_email(url)
    with _capture_lock, captured_apprise_log() as lines:
        accepted = sender.notify(
            title=message.subject,
            body=message.html if email else message.text,
            body_format=apprise.NotifyFormat.HTML if email else apprise.NotifyFormat.TEXT,
        )
    if not accepted:
        kind, reason = classify(lines)
        raise DeliveryError(kind, reason)


def relay_of(plugin: Any) -> Relay:
    """The session a message of this Apprise e-mail plugin goes through, as its ``send``
    would open it."""
    return Relay(
        host=str(plugin.smtp_host),
        port=int(plugin.port),
        mode=plugin.secure_mode,
        user=plugin.user or None,
        password=plugin.password or None,
        verify=bool(plugin.verify_certificate),
        timeout=float(plugin.socket_connect_timeout),
    )


def _written_here(plugin: Any) -> bool:
    """A message ``notifications.mime`` writes as Apprise would: no PGP, no copies or reply
    address, no emoji codes, HTML (with its text alternative) or plain text."""
    return (
        plugin.pgp_mode == PGP_MODE_DEFAULT
        and not (plugin.cc or plugin.bcc or plugin.reply_to or plugin.interpret_emojis)
        and plugin.notify_format in (apprise.NotifyFormat.HTML, apprise.NotifyFormat.TEXT)
    )


def _apprise_messages(
    plugin: Any, headers: dict[str, str], message: RenderedMessage
) -> list[EmailMessage]:
    """The messages Apprise's ``notify`` would send: the body converted as ``Apprise.notify``
    converts it, title and body trimmed as its overflow handling does, the MIME built by the
    plugin's own code."""
    subject = message.subject.strip()
    body: str = convert_between(  # type: ignore[no-untyped-call]
        apprise.NotifyFormat.HTML, plugin.notify_format, content=message.html
    )
    if plugin.interpret_emojis:
        subject = apply_emojis(subject)  # type: ignore[no-untyped-call]
        body = apply_emojis(body)  # type: ignore[no-untyped-call]
    return list(
        NotifyEmail.prepare_emails(
            subject=subject,
            body=body.rstrip(),
            notify_format=plugin.notify_format,
            from_addr=plugin.from_addr,
            to=plugin.targets,
            cc=plugin.cc,
            bcc=plugin.bcc,
            reply_to=plugin.reply_to,
            smtp_host=plugin.smtp_host,
            headers=headers,
            names=plugin.names,
            pgp=plugin.pgp,
            pgp_mode=plugin.pgp_mode,
            inline=plugin.inline,
            tzinfo=plugin.tzinfo,
        )
    )


def email_messages(plugin: Any, key: str, message: RenderedMessage) -> list[EmailMessage]:
    """One message per recipient of this Apprise e-mail plugin, with its headers, addresses
    and format, and the idempotency header. The plain case (every route of the product's own)
    is written by ``notifications.mime``, its text part our text template; PGP, copies or a
    reply address go through Apprise's own builder."""
    headers = {"X-Application": plugin.app_id, **plugin.headers, IDEMPOTENCY_HEADER: key}
    if not _written_here(plugin):
        return _apprise_messages(plugin, headers, message)
    html = message.html.rstrip() if plugin.notify_format == apprise.NotifyFormat.HTML else None
    sender = formataddr(plugin.from_addr, charset="utf-8")
    written = []
    for name, address in plugin.targets:
        lines = [
            *headers.items(),
            ("Subject", message.subject.strip()),
            ("From", sender),
            ("To", formataddr((name, address), charset="utf-8")),
            ("Message-ID", make_msgid(domain=plugin.smtp_host)),
            ("Date", format_datetime(datetime.now(tz=plugin.tzinfo))),
        ]
        body = mime_message(lines, message.text.rstrip(), html)
        written.append(EmailMessage(recipient=address, to_addrs=[address], body=body))
    return written


class Sender:
    """Sends for one thread of a delivery run; ``close`` ends its SMTP sessions."""

    def __init__(self) -> None:
        self._sessions = SmtpSessions()
        self._plugins: dict[str, Any] = {}

    def __enter__(self) -> Sender:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._sessions.close()

    def send(self, url: str, key: str, message: RenderedMessage) -> None:
        """Hands the message to the channel ``url`` names; raises DeliveryError saying why not."""
        plugin = self._email_plugin(url) if is_email(url) else None
        if plugin is None:
            send_with_apprise(url, key, message)
            return
        if not plugin.targets:
            raise DeliveryError("invalid-route", "invalid route: it names no recipient")
        try:
            messages = email_messages(plugin, key, message)
        except AppriseEmailException as error:  # e.g. PGP asked for and not possible
            raise classify_error(error) from None
        relay = relay_of(plugin)
        failure: DeliveryError | None = None
        # As Apprise's own send: every recipient is tried; any failure fails the attempt.
        for email in messages:
            try:
                self._sessions.send(relay, plugin.from_addr[1], email.to_addrs, email.body)
            except (OSError, smtplib.SMTPException, RuntimeError) as error:
                failure = classify_error(error)
        if failure is not None:
            raise failure

    def _email_plugin(self, url: str) -> Any:
        """Apprise's e-mail plugin for ``url``, parsed once per sender; None for a URL that
        its e-mail plugin does not take (Apprise's own ``notify`` then says why)."""
        if url not in self._plugins:
            plugin = apprise.Apprise.instantiate(url)
            self._plugins[url] = plugin if isinstance(plugin, NotifyEmail) else None
        return self._plugins[url]
