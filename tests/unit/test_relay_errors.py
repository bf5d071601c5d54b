"""What Apprise's e-mail plugin logs for a failed send becomes a specific kind and a reason that
keeps the SMTP code but neither the relay's text (it can echo an address) nor a URL.

The texts are the ones smtplib's exceptions render, as Apprise 1.x logs them
("Socket Exception: <exception>"); the integration tests produce the common ones for real.
"""

from __future__ import annotations

import logging

import pytest

from notifications.relay_errors import captured_apprise_log, classify, classify_exception_text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[Errno 111] Connection refused", "connection-refused"),
        ("[Errno 61] Connection refused", "connection-refused"),
        ("timed out", "timed-out"),
        ("Connection unexpectedly closed: timed out", "timed-out"),
        ("Connection unexpectedly closed", "connection-closed"),
        ("[Errno 104] Connection reset by peer", "connection-closed"),
        ("[Errno -2] Name or service not known", "host-not-found"),
        ("[Errno 101] Network is unreachable", "connection-refused"),
        ("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)", "tls-failed"),
        ("STARTTLS extension not supported by server.", "tls-failed"),
        ("(535, b'5.7.8 Authentication credentials invalid')", "authentication-failed"),
        ("(530, b'5.7.0 Authentication required')", "authentication-failed"),
        ("(530, b'5.7.0 Must issue a STARTTLS command first')", "tls-failed"),
        ("(534, b'5.7.9 mechanism too weak')", "authentication-failed"),
        ("SMTP AUTH extension not supported by server.", "authentication-failed"),
        ("{'duty@council.example': (550, b'5.1.1 no such user')}", "recipient-rejected"),
        ("(553, b'5.7.1 sender not allowed', 'pathways@localhost')", "sender-rejected"),
        ("(554, b'5.7.1 message refused')", "message-refused"),
        ("(451, b'4.3.0 try again later')", "message-refused"),
        ("something nobody expected", "relay-error"),
    ],
)
def test_each_exception_text_has_its_kind(text: str, kind: str) -> None:
    assert classify_exception_text(text) == kind


def test_the_reason_keeps_the_smtp_code_and_not_the_relays_text() -> None:
    kind, reason = classify(
        [
            'Sending email to "duty@council.example" failed.',
            "Socket Exception: {'duty@council.example': (550, b'5.1.1 <duty@council.example> "
            "unknown')}",
        ]
    )
    assert (kind, reason) == ("recipient-rejected", "recipient rejected (SMTP 550 5.1.1)")


def test_the_last_exception_is_the_one_that_ended_the_attempt() -> None:
    lines = [
        "Socket Exception: [Errno 111] Connection refused",
        "Socket Exception: (535, b'5.7.8 Authentication credentials invalid')",
    ]
    assert classify(lines) == ("authentication-failed", "authentication failed (SMTP 535 5.7.8)")


def test_nothing_logged_is_a_relay_error_and_no_recipient_is_an_invalid_route() -> None:
    assert classify([]) == ("relay-error", "the relay did not accept the message")
    assert classify(["There are no Email recipients to notify"])[0] == "invalid-route"


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_the_capture_keeps_debug_lines_without_passing_them_on() -> None:
    root, apprise_logger = logging.getLogger(), logging.getLogger("apprise")
    kept = _Kept()
    root.addHandler(kept)
    level = apprise_logger.level
    try:
        apprise_logger.setLevel(logging.WARNING)
        with captured_apprise_log() as lines:
            apprise_logger.debug("Email To: duty@council.example")
            apprise_logger.warning("Connection error")
        assert lines == ["Email To: duty@council.example", "Connection error"]
        # Handlers above see what they saw before the capture: the warning, not the address.
        assert kept.messages == ["Connection error"]
        assert apprise_logger.level == logging.WARNING
        assert not apprise_logger.filters
    finally:
        root.removeHandler(kept)
        apprise_logger.setLevel(level)
