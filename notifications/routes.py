"""Route references, and the Apprise URLs they stand for at delivery time.

What the application stores as a route (an authority's team routes, an outbox row, anything
the audit records) is a reference, never an Apprise URL, so no credential reaches the database,
the hash-chained audit trail (which can never be purged) or the output:

- ``email:<address>``: an e-mail through the relay in ``PATHWAYS_SMTP_URL``, as ``to=<address>``;
- ``route:<name>``: a named channel whose Apprise URL (often holding a token) is the ``<name>``
  entry of ``PATHWAYS_ROUTES``.

``resolve_route`` reads the settings each time it is called, just before a message is sent, so
``pathways deliver`` uses the relay of its own environment, and after the relay changes the
queued and the dead notifications go through the new one.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from infrastructure.apprise_timeouts import with_socket_timeouts
from infrastructure.settings import ROUTE_NAME, get_settings
from notifications.redaction import redact_url

EMAIL_PREFIX = "email:"
NAMED_PREFIX = "route:"
UNMAPPED_PREFIX = "unmapped:"
"""A route that could not be made a reference (a URL stored before references, which migration
0004 could not map; a configured value the directory import would refuse), followed by a
description without the secret: always a permanent failure, never silently dropped."""

# One recipient, nothing Apprise would read as a second one (a comma, a space) or as an option.
_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!$%'*+/=^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$"
)


class RouteError(ValueError):
    """A stored route that cannot be turned into an Apprise URL: a permanent failure.

    The message never holds a credential: it names the reference, or a redacted URL.
    """


def is_email_address(address: str) -> bool:
    return bool(_ADDRESS.match(address))


def email_route(address: str) -> str:
    """The reference for an e-mail to ``address`` through the configured relay."""
    return f"{EMAIL_PREFIX}{address.strip()}"


def named_route(name: str) -> str:
    """The reference for the channel that ``PATHWAYS_ROUTES`` names ``name``."""
    return f"{NAMED_PREFIX}{name.strip()}"


def configured_route(target: str) -> str:
    """The reference for a route as configuration gives it: an address or ``route:<name>``.

    An Apprise URL is refused: it may hold credentials, which belong in ``PATHWAYS_ROUTES``.
    """
    value = target.strip()
    if "://" in value:
        raise RouteError(
            "an Apprise URL is not allowed here (it may hold credentials): give an e-mail "
            "address, or route:<name> with the URL under that name in PATHWAYS_ROUTES"
        )
    if value.startswith(NAMED_PREFIX):
        name = value[len(NAMED_PREFIX) :]
        if not ROUTE_NAME.match(name):
            raise RouteError("a route name is lower-case letters, digits, '.', '_' or '-'")
        return named_route(name)
    if not is_email_address(value):
        # Not echoed: a value that is neither may be a token pasted into the wrong place.
        raise RouteError("neither an e-mail address nor route:<name>")
    return email_route(value)


def configured_route_or_unmapped(target: str, where: str) -> str:
    """``configured_route``, or for a value it refuses an ``unmapped:`` reference naming
    ``where`` (the configuration field), so the message fails visibly instead of vanishing."""
    try:
        return configured_route(target)
    except RouteError:
        return f"{UNMAPPED_PREFIX}{where}"


def _with_option(base: str, option: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{option}"


def resolve_route(reference: str) -> str:
    """The Apprise URL to send a stored route through, from the settings in force now."""
    if reference.startswith(EMAIL_PREFIX):
        address = reference[len(EMAIL_PREFIX) :]
        if not is_email_address(address):
            raise RouteError(f"route '{reference}': not a single e-mail address")
        relay = get_settings().smtp_url
        return with_socket_timeouts(_with_option(relay, f"to={quote(address, safe='@.+-_')}"))
    if reference.startswith(NAMED_PREFIX):
        name = reference[len(NAMED_PREFIX) :]
        url = get_settings().routes.get(name)
        if url is None:
            raise RouteError(f"route '{reference}': PATHWAYS_ROUTES names no route '{name}'")
        return with_socket_timeouts(url.get_secret_value())
    if reference.startswith(UNMAPPED_PREFIX):
        raise RouteError(
            f"route '{redact_url(reference)}' could not be made a route reference "
            "(email:<address> or route:<name>), so it cannot be sent"
        )
    raise RouteError(
        f"route '{redact_url(reference)}' is not a route reference (email:<address> or "
        "route:<name>)"
    )
