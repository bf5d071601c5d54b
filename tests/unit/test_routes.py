"""Route references, resolved with the settings in force when a message is sent."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from infrastructure.caches import reset_caches
from notifications.routes import (
    RouteError,
    configured_route,
    configured_route_or_unmapped,
    email_route,
    named_route,
    resolve_route,
)

RELAY_A = "mailtos://pathways:Aa1secretA@relay-a.example.org:587?from=pathways@council.example"
RELAY_B = "mailto://127.0.0.1:2525?from=pathways@localhost&mode=insecure"
TEAMS = "msteams://Tk7canaryToken1234/abc/def"


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("PATHWAYS_SMTP_URL", RELAY_A)
    monkeypatch.setenv("PATHWAYS_ROUTES", json.dumps({"teams": TEAMS}))
    reset_caches()
    yield monkeypatch
    reset_caches()


TIMEOUTS = "cto=5&rto=10"


def test_references_hold_no_url() -> None:
    assert email_route(" team@council.example ") == "email:team@council.example"
    assert named_route("teams") == "route:teams"


def test_an_email_reference_resolves_to_the_relay_configured_now(
    fresh_settings: pytest.MonkeyPatch,
) -> None:
    reference = email_route("duty+lha@council.example")
    # Short socket timeouts ride on every resolved URL, so a silent relay costs seconds.
    assert resolve_route(reference) == f"{RELAY_A}&to=duty+lha@council.example&{TIMEOUTS}"
    fresh_settings.setenv("PATHWAYS_SMTP_URL", RELAY_B)
    reset_caches()
    assert resolve_route(reference) == f"{RELAY_B}&to=duty+lha@council.example&{TIMEOUTS}"
    fresh_settings.setenv("PATHWAYS_SMTP_URL", "mailto://127.0.0.1:2525")
    reset_caches()
    assert resolve_route(reference) == (
        f"mailto://127.0.0.1:2525?to=duty+lha@council.example&{TIMEOUTS}"
    )


def test_a_named_route_resolves_to_its_secret_url() -> None:
    assert resolve_route("route:teams") == f"{TEAMS}?{TIMEOUTS}"


@pytest.mark.parametrize(
    ("reference", "says"),
    [
        ("route:pager", "PATHWAYS_ROUTES names no route 'pager'"),
        ("email:a@x.example,b@y.example", "not a single e-mail address"),
        ("email:not-an-address", "not a single e-mail address"),
        ("unmapped:tgram://***/12345", "could not be made a route reference"),
        ("mailtos://ops:Zz9secretPw@relay.example.org?to=a@x.example", "not a route reference"),
        ("", "not a route reference"),
    ],
)
def test_a_reference_that_cannot_be_resolved_is_a_route_error_without_the_secret(
    reference: str, says: str
) -> None:
    with pytest.raises(RouteError, match=says) as refused:
        resolve_route(reference)
    assert "Zz9secretPw" not in str(refused.value)
    assert "Aa1secretA" not in str(refused.value)


@pytest.mark.parametrize(
    ("target", "reference"),
    [
        ("ics-duty@kent.example.invalid", "email:ics-duty@kent.example.invalid"),
        ("route:teams", "route:teams"),
    ],
)
def test_configuration_gives_addresses_or_route_names(target: str, reference: str) -> None:
    assert configured_route(target) == reference


@pytest.mark.parametrize(
    "target", [TEAMS, "route:Teams Channel", "two@x.example three@y.example", "Tk7canaryToken1234"]
)
def test_configuration_refuses_urls_and_anything_else_without_echoing_it(target: str) -> None:
    with pytest.raises(RouteError) as refused:
        configured_route(target)
    assert "Tk7canaryToken1234" not in str(refused.value)
    unmapped = configured_route_or_unmapped(target, "children_services.kcc.ifd_routes[0]")
    assert unmapped == "unmapped:children_services.kcc.ifd_routes[0]"
