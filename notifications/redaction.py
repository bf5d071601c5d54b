"""Hides the credentials in a URL before it is shown or logged.

Apprise URLs carry secrets in several places: ``user:password@`` before the host, query values
such as ``pass=`` or ``token=``, and, for many services, path segments or even the "host"
(``tgram://<bot token>/<chat id>``, ``slack://<token>/<token>/<token>``). ``redact_url``
replaces each of them with ``***`` and keeps what an operator needs to tell relays apart: the
scheme, a host name, the port and plain options such as ``mode=insecure``.

Where a part cannot be told apart from a token it is hidden: showing too little is safe,
showing a secret is not. The URL is split by hand rather than with ``urllib.parse``, which
raises on some Apprise URLs (a Telegram token reads as a bad port) and would then leave the
caller with nothing safe to print. A password holding an unencoded ``/``, ``?`` or ``#`` makes
an invalid URL (Apprise cannot read it either); its tail may then show.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
# A query key holding any of these names a secret (case-insensitive): pass=, apikey=, token=,
# +Authorization=, user= (Apprise puts account keys there too) ...
SECRET_KEY_PARTS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "sig",
    "cred",
    "user",
    "session",
    "cookie",
    "bearer",
    "jwt",
    "otp",
    "hook",
)
MIN_TOKEN_LENGTH = 8
# A dotted host name keeps its labels unless one is as long as a generated token.
MIN_HOST_TOKEN_LENGTH = 20
MIXED_CASE_TOKEN_LENGTH = 16

_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<rest>.*)", re.DOTALL)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>]+")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")


def looks_like_token(text: str) -> bool:
    """Long enough and mixed enough to be a generated key rather than a word or a number."""
    value = unquote(text)
    if len(value) < MIN_TOKEN_LENGTH:
        return False
    has_digit = any(char.isdigit() for char in value)
    has_letter = any(char.isalpha() for char in value)
    if has_digit and has_letter:
        return True
    mixed_case = any(char.isupper() for char in value) and any(char.islower() for char in value)
    return len(value) >= MIXED_CASE_TOKEN_LENGTH and mixed_case


def is_secret_key(key: str) -> bool:
    lowered = unquote(key).lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def _items(value: str) -> str:
    """Each comma-separated item of a path segment or value, hidden if it looks like a token."""
    return ",".join(MASK if looks_like_token(item) else item for item in value.split(","))


def _host(host: str) -> str:
    if not host or host.startswith("[") or _IPV4.match(host) or host.lower() == "localhost":
        return host
    if "." not in host:
        # Many Apprise services put a token where a host would be.
        return MASK if looks_like_token(host) else host
    labels = host.split(".")
    if any(len(label) >= MIN_HOST_TOKEN_LENGTH and looks_like_token(label) for label in labels):
        return MASK
    return host


def _netloc(netloc: str) -> str:
    _userinfo, at, hostport = netloc.rpartition("@")
    shown_user = f"{MASK}@" if at else ""
    if hostport.startswith("["):
        return shown_user + hostport
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit():
        return f"{shown_user}{_host(host)}:{port}"
    if colon and not port:
        return f"{shown_user}{_host(host)}:"
    # No port, or a "port" that is not one (a Telegram bot token is "<digits>:<letters>").
    return shown_user + _host(hostport)


def _query(query: str) -> str:
    shown = []
    for part in query.split("&"):
        key, equals, value = part.partition("=")
        if not equals:
            shown.append(_items(key))
        elif is_secret_key(key):
            shown.append(f"{key}={MASK if value else ''}")
        else:
            shown.append(f"{key}={_items(value)}")
    return "&".join(shown)


def redact_url(url: str) -> str:
    """``url`` with every credential replaced by ``***``; text without ``://`` is returned as
    it is (a route reference such as ``email:team@council.example`` holds no secret)."""
    found = _URL.search(url)
    if found is None:
        return url
    before, scheme, rest = url[: found.start()], found["scheme"], found["rest"]
    rest, hash_mark, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    shown = f"{before}{scheme}://{_netloc(netloc)}"
    if slash:
        shown += "/" + "/".join(_items(segment) for segment in path.split("/"))
    if question:
        shown += "?" + _query(query)
    if hash_mark:
        shown += "#" + _items(fragment)
    return shown


def redact_urls_in(text: str) -> str:
    """Free text (an error message, a log line) with every URL in it redacted."""
    return _URL_IN_TEXT.sub(lambda found: redact_url(found.group(0)), text)
