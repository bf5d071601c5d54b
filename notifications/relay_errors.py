"""Why Apprise could not hand a message to the relay, read from what Apprise logged.

``Apprise.notify`` only says True or False. The e-mail plugin logs the exception behind a
False at DEBUG ("Socket Exception: [Errno 111] Connection refused"), so the sender captures the
``apprise`` logger for the one call and ``classify`` turns those lines into a failure kind and
a reason fit to keep: a fixed phrase and the SMTP reply code, never the relay's own text (it
can echo an address) nor the URL (it can hold the relay's password).
"""

from __future__ import annotations

import logging
import re
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
    """Keeps every message the logger makes and passes on only those it would have passed."""

    def __init__(self, threshold: int) -> None:
        super().__init__()
        self.threshold = threshold
        self.lines: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.lines.append(record.getMessage())
        return record.levelno >= self.threshold


@contextmanager
def captured_apprise_log() -> Iterator[list[str]]:
    """The ``apprise`` logger's messages, DEBUG included, while the block runs.

    A filter rather than ``apprise.LogCapture``: that lowers the logger's level, and the DEBUG
    lines (recipient addresses among them) would then reach every handler above it, Prefect's
    console too. Not for concurrent use from several threads: deliveries run one at a time.
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
    text = exceptions[-1]
    kind = classify_exception_text(text)
    return kind, f"{KIND_LABELS[kind]}{_smtp_code(text)}"
