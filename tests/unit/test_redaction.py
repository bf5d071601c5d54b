"""``redact_url``: no credential survives, and what an operator needs to tell relays apart does."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from notifications.redaction import MASK, redact_url, redact_urls_in


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "mailtos://pathways:Ty7!rW2@relay.internal:587?from=pathways@council.example",
            "mailtos://***@relay.internal:587?from=pathways@council.example",
        ),
        (
            "mailto://127.0.0.1:1025?from=pathways@localhost&mode=insecure",
            "mailto://127.0.0.1:1025?from=pathways@localhost&mode=insecure",
        ),
        (
            "mailtos://relay.example.org?user=pathways&pass=password&to=team@council.example",
            "mailtos://relay.example.org?user=***&pass=***&to=team@council.example",
        ),
        ("tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12345", "tgram://***/12345"),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general",
            "slack://***/***/***/#general",
        ),
        (
            "json://hooks.example.org/notify?apikey=abc",
            "json://hooks.example.org/notify?apikey=***",
        ),
        ("mailtos://user:p@ss@relay.example.org", "mailtos://***@relay.example.org"),
        ("json://[::1]:8080/in", "json://[::1]:8080/in"),
        ("email:team@council.example", "email:team@council.example"),
        ("route:teams", "route:teams"),
        (
            "unmapped:mailtos://u:pw@smtp.example.org:587",
            "unmapped:mailtos://***@smtp.example.org:587",
        ),
    ],
)
def test_known_urls(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redaction_is_stable() -> None:
    once = redact_url("mailtos://pathways:Ty7rW2xyz@relay.example.org:587?pass=x#frag")
    assert redact_url(once) == once


def test_urls_inside_text_are_redacted() -> None:
    text = "connect failed for mailtos://ops:Qq81secret@relay.example.org:587 (refused)"
    assert redact_urls_in(text) == (
        "connect failed for mailtos://***@relay.example.org:587 (refused)"
    )


# --- properties --------------------------------------------------------------------------

TOKEN_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
# A generated token: long, letters and digits mixed (what services hand out as keys).
tokens = (
    st.text(TOKEN_ALPHABET, min_size=12, max_size=48)
    .filter(lambda value: any(c.isdigit() for c in value))
    .filter(lambda value: any(c.isalpha() for c in value))
)
# A password as a person picks it: anything printable, percent-encoded in the URL.
passwords = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=6, max_size=40)
schemes = st.sampled_from(["mailto", "mailtos", "json", "jsons", "tgram", "slack", "msteams"])
hosts = st.sampled_from(["relay.example.org", "127.0.0.1", "smtp.council.example", "localhost"])
secret_keys = st.sampled_from(
    ["pass", "password", "token", "apikey", "api_key", "secret", "key", "user", "webhook"]
)
plain_pairs = st.sampled_from(["mode=insecure", "from=pathways@council.example", "format=html"])


def _gone(secret: str, shown: str) -> bool:
    return secret not in shown and quote(secret, safe="") not in shown


@settings(max_examples=60, deadline=None)
@given(scheme=schemes, host=hosts, user=st.sampled_from(["pathways", "ops", ""]), pw=passwords)
def test_no_userinfo_password_survives(scheme: str, host: str, user: str, pw: str) -> None:
    url = f"{scheme}://{user}:{quote(pw, safe='')}@{host}:587/?mode=insecure"
    assume(_gone(pw, f"{scheme}://{user}:@{host}:587/?mode=insecure"))  # nowhere else in it
    shown = redact_url(url)
    assert _gone(pw, shown)
    assert f"{MASK}@{host}:587" in shown


@settings(max_examples=60, deadline=None)
@given(scheme=schemes, host=hosts, key=secret_keys, value=passwords, plain=plain_pairs)
def test_no_secret_query_value_survives(
    scheme: str, host: str, key: str, value: str, plain: str
) -> None:
    url = f"{scheme}://{host}?{plain}&{key}={quote(value, safe='')}"
    assume(_gone(value, f"{scheme}://{host}?{plain}&{key}="))
    shown = redact_url(url)
    assert _gone(value, shown)
    assert plain in shown and host in shown


@settings(max_examples=60, deadline=None)
@given(
    scheme=schemes,
    token=tokens,
    place=st.sampled_from(["host", "path", "second path", "query", "fragment", "user"]),
)
def test_no_token_survives_wherever_apprise_puts_it(scheme: str, token: str, place: str) -> None:
    url = {
        "host": f"{scheme}://{token}/12345",
        "path": f"{scheme}://hooks.example.org/{token}",
        "second path": f"{scheme}://T1JJ3T3L2/{token}/#general",
        "query": f"{scheme}://hooks.example.org/?to=team@council.example&id={token}",
        "fragment": f"{scheme}://hooks.example.org/#{token}",
        "user": f"{scheme}://{token}@hooks.example.org",
    }[place]
    assert _gone(token, redact_url(url))


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80))
def test_anything_at_all_is_redacted_without_raising(text: str) -> None:
    assert isinstance(redact_url(text), str)
    assert isinstance(redact_url(f"mailtos://{text}"), str)
