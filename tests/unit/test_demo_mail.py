"""Demo and test mail never reaches a real inbox: the guard's rule, the serve options that feed
it, and the addresses demo and test data invent."""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer

from cli.serve import register, serve_options
from infrastructure.caches import reset_caches
from infrastructure.settings import PROJECT_ROOT, get_settings
from pathways.demo_mail import (
    DEMO_SEEDED_ACTION,
    SIMULATION_ACTOR,
    DemoMailDecision,
    demo_mail_decision,
    is_reserved_mail_domain,
)

RELAY = "mailtos://***@relay.council.example:587"


def decide(
    *, demo: bool = True, sink: bool = False, allowed: bool = False, has_demo: bool = False
) -> DemoMailDecision:
    return demo_mail_decision(
        demo_requested=demo,
        relay_is_local_sink=sink,
        real_relay_allowed=allowed,
        database_has_demo_cases=has_demo,
        relay_shown=RELAY,
    )


def test_the_local_sink_seeds_the_demo_silently() -> None:
    assert decide(sink=True) == DemoMailDecision(start=True, seed=True)
    assert decide(sink=True, demo=False, has_demo=True) == DemoMailDecision(start=True, seed=False)


def test_a_real_relay_starts_without_the_demo_and_says_why_in_one_line() -> None:
    decision = decide()
    assert (decision.start, decision.seed) == (True, False)
    assert decision.message is not None and "\n" not in decision.message
    assert "not seeded" in decision.message and RELAY in decision.message
    assert "--demo-with-real-relay" in decision.message
    assert "PATHWAYS_DEMO_WITH_REAL_RELAY=1" in decision.message


def test_a_real_relay_without_the_demo_asked_for_is_the_plain_production_start() -> None:
    assert decide(demo=False) == DemoMailDecision(start=True, seed=False)


def test_a_database_holding_demo_cases_is_refused_with_a_real_relay() -> None:
    for demo in (True, False):
        decision = decide(demo=demo, has_demo=True)
        assert (decision.start, decision.seed) == (False, False)
        assert decision.message is not None
        assert "demo cases" in decision.message and "PATHWAYS_DATABASE_URL" in decision.message


def test_the_explicit_flag_allows_a_real_relay_and_warns() -> None:
    decision = decide(allowed=True)
    assert (decision.start, decision.seed) == (True, True)
    assert decision.message is not None and "real council inboxes" in decision.message
    assert decide(allowed=True, demo=False, has_demo=True).start is True
    assert decide(allowed=True, demo=False) == DemoMailDecision(start=True, seed=False)


@pytest.mark.parametrize(
    ("domain", "reserved"),
    [
        ("kent.example", True),
        ("kent.example.invalid", True),
        ("example.org", True),
        ("mail.example.com", True),
        ("test", True),
        ("localhost", True),
        ("relay.internal", True),
        ("dartford.gov.uk", False),
        ("example.co.uk", False),
        ("notexample.org", False),
        ("gmail.com", False),
    ],
)
def test_reserved_domains(domain: str, reserved: bool) -> None:
    assert is_reserved_mail_domain(domain) is reserved


def test_the_guard_reads_the_names_the_demo_and_simulator_write() -> None:
    from simulation.demo import SEEDED
    from simulation.player import ACTOR

    assert (DEMO_SEEDED_ACTION, SIMULATION_ACTOR) == (SEEDED, ACTOR)


# --- the addresses demo and test data invent ----------------------------------------------

# A domain ending in a top-level name of two letters or more, as every real one does (so
# "postgres@127.0.0.1", a URL's user at a host, is not taken for an address).
ADDRESS = re.compile(r"[A-Za-z0-9._%+-]+@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})\b")
SEED_FILE = PROJECT_ROOT / "models" / "data" / "seed_002_contacts.txt"
SCANNED = [
    PROJECT_ROOT / "config" / "demo.yaml",
    *sorted((PROJECT_ROOT / "tests").rglob("*.yaml")),
    *sorted((PROJECT_ROOT / "tests").rglob("*.py")),
    *sorted((PROJECT_ROOT / "simulation").rglob("*.py")),
    *sorted((PROJECT_ROOT / "benchmarks").rglob("*.py")),
]


def _addresses(text: str) -> set[str]:
    return {found.group(0) for found in ADDRESS.finditer(text)}


def test_demo_and_test_data_mail_only_reserved_domains() -> None:
    # The seed's council inboxes are real directory facts: tests may check the import keeps
    # them, and the demo guard keeps demo mail to them inside the local sink.
    directory_facts = _addresses(SEED_FILE.read_text(encoding="utf-8"))
    assert len(directory_facts) == 12  # the thirteen councils but Maidstone
    offending, seen = [], set()
    for path in SCANNED:
        found = _addresses(path.read_text(encoding="utf-8"))
        seen |= found
        for address in found - directory_facts:
            if not is_reserved_mail_domain(address.rsplit("@", 1)[1]):
                offending.append(f"{path.relative_to(PROJECT_ROOT)}: {address}")
    assert offending == []
    # The scan read the scenarios' staff and referrers, so it cannot pass by finding nothing.
    assert {"ho.dartford@dartford.example", "referrals@school.example"} <= seen


def test_the_demo_scenarios_name_no_directory_inbox() -> None:
    directory_facts = _addresses(SEED_FILE.read_text(encoding="utf-8"))
    demo = (PROJECT_ROOT / "config" / "demo.yaml").read_text(encoding="utf-8")
    played = [PROJECT_ROOT / line.split("- ", 1)[1] for line in demo.splitlines() if "- " in line]
    assert played
    for path in played:
        assert not _addresses(path.read_text(encoding="utf-8")) & directory_facts, path


# --- the serve options that feed the guard -------------------------------------------------


def _parsed(*args: str) -> dict[str, Any]:
    app = typer.Typer()
    register(app)
    # One command: Typer makes it the whole program, which click parses without running it.
    command = typer.main.get_command(app)
    with command.make_context("serve", list(args)) as context:
        return dict(context.params)


def test_serve_parses_the_real_relay_flag_without_starting_anything() -> None:
    assert serve_options(**_parsed()).demo_with_real_relay is False
    options = serve_options(**_parsed("--demo-with-real-relay", "--port", "8181"))
    assert (options.demo_with_real_relay, options.demo, options.port) == (True, True, 8181)
    assert serve_options(**_parsed("--no-demo")).demo is False


def test_the_flag_can_also_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_DEMO_WITH_REAL_RELAY", "1")
    reset_caches()
    try:
        assert get_settings().demo_with_real_relay is True
    finally:
        monkeypatch.delenv("PATHWAYS_DEMO_WITH_REAL_RELAY")
        reset_caches()
    assert get_settings().demo_with_real_relay is False
