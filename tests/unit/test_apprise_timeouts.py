"""Short socket timeouts on Apprise URLs: a relay that accepts the connection and never answers
(a listening socket nobody serves) costs the configured seconds, not Apprise's 15."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import apprise
import pytest

from infrastructure.apprise_timeouts import with_socket_timeouts

RELAY = "mailto://127.0.0.1:{port}?from=pathways@localhost&mode=insecure&to=team@localhost"


@pytest.fixture
def silent_relay() -> Iterator[int]:
    """A port whose connections the kernel completes and nothing ever reads or answers."""
    with socket.socket() as hole:
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        yield int(hole.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("json://host/path", "json://host/path?cto=5&rto=10"),
        ("json://host/path?", "json://host/path?cto=5&rto=10"),
        ("mailto://h?from=a@b.c", "mailto://h?from=a@b.c&cto=5&rto=10"),
        ("mailto://h?from=a@b.c&CTO=2", "mailto://h?from=a@b.c&CTO=2&rto=10"),
        ("mailto://h?cto=1&rto=3", "mailto://h?cto=1&rto=3"),
    ],
)
def test_timeouts_are_added_only_where_the_url_sets_none(url: str, expected: str) -> None:
    assert with_socket_timeouts(url) == expected


def test_apprise_reads_the_timeouts_it_is_given() -> None:
    plugin = apprise.Apprise.instantiate(with_socket_timeouts(RELAY.format(port=1025), 1.5, 3))
    assert plugin is not None
    assert (plugin.socket_connect_timeout, plugin.socket_read_timeout) == (1.5, 3.0)


def test_a_silent_relay_fails_the_send_within_the_connect_timeout(silent_relay: int) -> None:
    sender = apprise.Apprise()
    assert sender.add(with_socket_timeouts(RELAY.format(port=silent_relay), connect=0.5))
    started = time.monotonic()
    assert sender.notify(title="ping", body="JP-TEST-0001") is False
    # The SMTP greeting never comes; without the timeout this waits Apprise's 15 s.
    assert time.monotonic() - started < 5
