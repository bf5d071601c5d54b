"""Short socket timeouts on an Apprise URL, so a relay that never answers costs seconds.

Apprise reads ``cto`` (connect) and ``rto`` (read) from any URL's query. Its e-mail plugin
waits 15 s by default and uses ``cto`` for the whole SMTP conversation (one socket timeout for
the connect and every reply), so each message to a silent relay would hold a delivery run for
15 s. A value the URL already gives (an operator's ``PATHWAYS_SMTP_URL`` or a
``PATHWAYS_ROUTES`` entry) is kept.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import parse_qsl, urlsplit

CONNECT_TIMEOUT_SECONDS: Final = 5.0
"""A relay on the network answers each SMTP step in well under a second; 5 s still allows a
slow one, and a message it times out on is retried (its idempotency header drops a duplicate)."""
READ_TIMEOUT_SECONDS: Final = 10.0
"""For the HTTP-based channels (Teams, webhooks), where Apprise reads a reply after the connect."""


def with_socket_timeouts(
    url: str,
    connect: float = CONNECT_TIMEOUT_SECONDS,
    read: float = READ_TIMEOUT_SECONDS,
) -> str:
    """``url`` with ``cto`` and ``rto`` added where it does not set them itself."""
    parts = urlsplit(url)
    given = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    options = [f"{key}={value:g}" for key, value in (("cto", connect), ("rto", read))]
    missing = [option for option in options if option.split("=", 1)[0] not in given]
    if not missing:
        return url
    base, hash_mark, fragment = url.partition("#")
    separator = "&" if parts.query else ("" if base.endswith("?") else "?")
    return f"{base}{separator}{'&'.join(missing)}{hash_mark}{fragment}"
