"""The MIME text of a notification e-mail: our own text and HTML renders as one
multipart/alternative message, written out directly.

Apprise's e-mail plugin builds its message with the standard library's ``email`` package
(``NotifyEmail.prepare_emails``), which folds every header through ``email.header.Header``
and converts the HTML body to the plain-text part: about 0.6 ms of CPU a message, more than
the whole SMTP conversation with a relay next door. A notification already has its plain text
(its ``.txt.j2`` template), and its headers are short ASCII lines, so this writes the same
structure at a fraction of the cost: each part UTF-8, quoted-printable (so no line is longer
than 76 characters and no ``=`` run can look like the boundary), and any header value that is
not plain ASCII, or too long for one line, encoded and folded by ``email.header`` as the
plugin's are.
"""

from __future__ import annotations

import binascii
import secrets
from collections.abc import Sequence
from email.header import Header
from typing import Final

MAX_HEADER_LINE: Final = 78
"""RFC 5322's recommended line length, to which ``email`` folds a header."""


def header_line(name: str, value: str) -> str:
    """``Name: value``. A value that is not printable ASCII, or makes the line longer than
    ``MAX_HEADER_LINE``, goes through ``email.header`` as the plugin's do: RFC 2047-encoded
    when not ASCII, folded where it has spaces, a line break in it never a header of its own.
    """
    line = f"{name}: {value}"
    if value.isascii() and value.isprintable() and len(line) <= MAX_HEADER_LINE:
        return line
    charset = None if value.isascii() else "utf-8"
    return f"{name}: {Header(value, charset).encode(maxlinelen=MAX_HEADER_LINE)}"


def _quoted_printable(content: str) -> str:
    return binascii.b2a_qp(content.encode("utf-8"), istext=True).decode("ascii")


def _part(subtype: str, content: str) -> list[str]:
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        _quoted_printable(content),
    ]


def mime_message(headers: Sequence[tuple[str, str]], text: str, html: str | None) -> str:
    """The message: its MIME headers, ``headers`` in order, then the text part, with the HTML
    part as its alternative when there is one. Lines end in LF; ``smtplib`` sends CRLF."""
    if html is None:
        content_type, encoding, _, body = _part("plain", text)
        top, parts = [content_type, encoding], [body]
    else:
        # Quoted-printable writes '=' as '=3D', so no line of a part can start with this.
        boundary = f"==============={secrets.token_hex(10)}=="
        top = [f'Content-Type: multipart/alternative; boundary="{boundary}"']
        parts = [
            f"--{boundary}",
            *_part("plain", text),
            f"--{boundary}",
            *_part("html", html),
            f"--{boundary}--",
        ]
    named = [header_line(name, value) for name, value in headers]
    written = "\n".join([*top, "MIME-Version: 1.0", *named, "", *parts])
    return written if written.endswith("\n") else f"{written}\n"
