"""The notification e-mail ``notifications.mime`` writes reads back, with the standard library's
own parser, as exactly the parts and headers it was given."""

from __future__ import annotations

import email
import email.policy
from email.errors import HeaderParseError

import pytest

from notifications.mime import MAX_HEADER_LINE, header_line, mime_message

TEXT = (
    "Case reference: JP-TEST-0001\n"
    "Pathway: Referral — joint, café\n"
    "--===============not-a-boundary== starts this line\n"
    "A line far longer than quoted-printable's seventy-six characters, which it must break "
    "softly and join again.\n"
    ".a line starting with a dot\n"
)
HTML = '<p>Pathway: Referral — joint, <a href="http://127.0.0.1:8080/cases/JP-TEST-0001">x</a></p>'


def _read(raw: str) -> email.message.EmailMessage:
    parsed = email.message_from_string(raw, policy=email.policy.default)
    assert isinstance(parsed, email.message.EmailMessage)
    return parsed


def _content(part: email.message.MIMEPart) -> str:
    return str(part.get_content())


def test_an_alternative_message_reads_back_as_its_text_and_html() -> None:
    raw = mime_message([("Subject", "Due soon — JP-TEST-0001"), ("X-Key", "k:1")], TEXT, HTML)
    message = _read(raw)
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert _content(text) == TEXT
    assert _content(html) == HTML
    assert message["Subject"] == "Due soon — JP-TEST-0001"
    assert message["X-Key"] == "k:1"
    assert all(len(line) <= 76 for line in raw.splitlines()[1:] if not line.startswith("--"))


def test_a_text_only_message_is_one_part() -> None:
    message = _read(mime_message([("Subject", "s")], TEXT, None))
    assert message.get_content_type() == "text/plain"
    assert _content(message) == TEXT


def test_header_lines_are_plain_when_they_can_be_and_encoded_or_folded_when_not() -> None:
    assert header_line("X-Key", "test:email:duty@test.example") == (
        "X-Key: test:email:duty@test.example"
    )
    encoded = header_line("Subject", "Café — JP-TEST-0001")
    assert encoded.isascii() and "=?utf-8?" in encoded
    assert _read(f"{encoded}\n\nx")["Subject"] == "Café — JP-TEST-0001"
    words = " ".join(["overdue"] * 20)
    folded = header_line("Subject", words)
    # Folded as Apprise's headers are: the first line's budget does not count the name.
    first, *rest = folded.splitlines()
    assert rest and len(first) <= MAX_HEADER_LINE + len("Subject: ")
    assert all(len(line) <= MAX_HEADER_LINE for line in rest)
    assert _read(f"{folded}\n\nx")["Subject"] == words
    # A value with no space to fold at stays whole, on its header's line.
    key = "dead-letter:12:20260302T090000000000:dead_letter:0123456789abcdef"
    assert header_line("X-Pathways-Key", key) == f"X-Pathways-Key: {key}"


def test_a_line_break_cannot_smuggle_in_a_header() -> None:
    with pytest.raises(HeaderParseError):
        header_line("X-Note", "fine\nBcc: someone@test.example")
