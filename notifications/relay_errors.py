"""Why a message could not be handed to the relay: a failure kind and a reason fit to keep.

E-mail goes over SMTP sessions the sender holds (``notifications.smtp_sessions``), so its
failures arrive as the smtplib or socket exception itself (``classify_error``). Other channels
go through ``Apprise.notify``, which only says True or False: its plugins log the exception
behind a False at DEBUG ("Socket Exception: [Errno 111] Connection refused"), so the sender
captures the ``apprise`` logger for the one call and ``classify`` reads those lines. Either way
the reason is a fixed phrase and the SMTP reply code, never the relay's own text (it can echo
an address) nor the URL (it can hold the relay's password).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from apprise import LOGGER_NAME

from pathways.notification_lifecycle import KIND_LABELS, FailureKind

EXCEPTION_PREFIX = "Socket Exception: "
# smtplib renders a reply as "(535, b'5.7.8 Authentication credentials invalid')".
SMTP_REPLY = re.compile(r"\((\d{3}), b?['\"](\d\.\d{1,3}\.\d{1,3})?")
# SMTPSenderRefused adds the refused sender: "(553, b'5.7.1 ...', 'from@host')".
SENDER_REFUSED = re.compile(r"^\(\d{3}, b?['\"].*['\"], ['\"][^'\"]*['\"]\)$")
AUTH_CODES = frozenset({"530", "534", "535", "538"})


class DeliveryError(RuntimeError):
    """A failed attempt, with its kind; the reason holds no URL and no credential."""

    def __init__(self, kind: FailureKind, reason: str) -> None:
        super().__init__(reason)
        self.kind: FailureKind = kind
        self.reason = reason


# The first rule whose fragment appears in the exception text wins; order matters ("Connection
# unexpectedly closed: timed out" is a timeout).
TEXT_RULES: tuple[tuple[tuple[str, ...], FailureKind], ...] = (
    (("Connection refused", "Errno 111]", "Errno 61]"), "connection-refused"),
    (("timed out",), "timed-out"),
    (
        (
            "Name or service not known",
            "nodename nor servname",
            "Temporary failure in name resolution",
            "No address associated with hostname",
            "Errno -2]",
            "Errno -3]",
            "Errno -5]",
        ),
        "host-not-found",
    ),
    (("SSL", "CERTIFICATE", "certificate", "STARTTLS", "TLS"), "tls-failed"),
    (("uthentication", "AUTH "), "authentication-failed"),
    (
        (
            "Connection unexpectedly closed",
            "Connection reset",
            "Broken pipe",
            "Server not connected",
        ),
        "connection-closed",
    ),
    (("Network is unreachable", "No route to host"), "connection-refused"),
)


class _Capture(logging.Filter):
    """Keeps every message the logger makes in the capturing thread, and passes on only those
    it would have passed."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())
        return record.levelno >= self.threshold


@contextmanager
def captured_apprise_log() -> Iterator[list[str]]:
    """The ``apprise`` logger's messages, DEBUG included, while the block runs.

    A filter rather than ``apprise.LogCapture``: that lowers the logger's level, and the DEBUG
    lines (recipient addresses among them) would then reach every handler above it, Prefect's
    console too. The lines are the capturing thread's own; as the level is the logger's, one
    capture at a time (``notifications.senders`` holds a lock around it).
    """
    logger = logging.getLogger(LOGGER_NAME)
    capture = _Capture(logger.getEffectiveLevel())
    previous = logger.level
    logger.addFilter(capture)
    logger.setLevel(logging.DEBUG)
    try:
        yield capture.lines
    finally:
        logger.setLevel(previous)
        logger.removeFilter(capture)


def _smtp_code(text: str) -> str:
    match = SMTP_REPLY.search(text)
    if match is None:
        return ""
    code, enhanced = match.groups()
    return f" (SMTP {code}{f' {enhanced}' if enhanced else ''})"


def classify_exception_text(text: str) -> FailureKind:
    """The failure kind of one exception text that Apprise's e-mail plugin logged."""
    stripped = text.strip()
    if stripped.startswith("{"):
        # SMTPRecipientsRefused: a dict of the refused addresses and their replies.
        return "recipient-rejected"
    for fragments, kind in TEXT_RULES:
        if any(fragment in stripped for fragment in fragments):
            return kind
    match = SMTP_REPLY.search(stripped)
    if match is not None and match.group(1) in AUTH_CODES:
        return "authentication-failed"
    if SENDER_REFUSED.match(stripped):
        return "sender-rejected"
    if match is not None:
        return "message-refused"
    return "relay-error"


def _failure(text: str) -> DeliveryError:
    kind = classify_exception_text(text)
    return DeliveryError(kind, f"{KIND_LABELS[kind]}{_smtp_code(text)}")


def classify_error(error: BaseException) -> DeliveryError:
    """The failure an smtplib or socket exception stands for; its text is what Apprise's
    e-mail plugin would have logged of it, so both paths give the same kind and reason."""
    return _failure(str(error))


def classify(lines: list[str]) -> tuple[FailureKind, str]:
    """The failure kind and a reason to keep, from the lines a failed ``notify`` logged."""
    exceptions = [
        line[len(EXCEPTION_PREFIX) :] for line in lines if line.startswith(EXCEPTION_PREFIX)
    ]
    if not exceptions:
        if any("no Email recipients" in line for line in lines):
            return "invalid-route", "invalid route: it names no recipient"
        return "relay-error", KIND_LABELS["relay-error"]
    # The last one is the failure that ended the attempt.
    failure = _failure(exceptions[-1])
    return failure.kind, failure.reason
