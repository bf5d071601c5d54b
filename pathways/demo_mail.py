"""Demo and test mail never reaches a real inbox (issue 10, point 4): the pure rules.

The demo cases are fictional people at real authorities, so their notifications are addressed
to the directory's real council inboxes (seed 002 facts, which the demo must not change). That
is harmless only while mail goes to the local SMTP sink ``pathways serve`` starts, which keeps
every message as a file whatever its recipient. ``demo_mail_decision`` says what ``serve`` may
do with the relay it was given; the addresses that demo and test data invent themselves must
be in reserved domains (``is_reserved_mail_domain``), which no real inbox can have.
"""

from __future__ import annotations

from dataclasses import dataclass

# RFC 2606 / RFC 6761 names, and ICANN's private-use TLD (2024): none can be a real inbox.
RESERVED_TLDS = frozenset({"example", "invalid", "test", "localhost", "internal"})
RESERVED_SECOND_LEVEL = frozenset({"example.com", "example.net", "example.org"})

OVERRIDE = "--demo-with-real-relay (or PATHWAYS_DEMO_WITH_REAL_RELAY=1)"
# What the demo seeding and the simulator write to the audit trail (simulation.demo.SEEDED,
# simulation.player.ACTOR; a test holds them equal): the signs of demo cases in a database.
DEMO_SEEDED_ACTION = "demo.seeded"
SIMULATION_ACTOR = "simulation"


def is_reserved_mail_domain(domain: str) -> bool:
    """True for a domain no real mailbox can be in: ``kent.example``, ``x.example.org`` …"""
    name = domain.strip().rstrip(".").lower()
    labels = name.split(".")
    if labels[-1] in RESERVED_TLDS:
        return True
    return ".".join(labels[-2:]) in RESERVED_SECOND_LEVEL


@dataclass(frozen=True)
class DemoMailDecision:
    start: bool
    """False: ``serve`` must not start at all (mail already queued would reach real inboxes)."""
    seed: bool
    """Play the demo scenarios now."""
    message: str | None = None
    """One line for the operator saying why, when the answer is not the plain one."""


def demo_mail_decision(
    *,
    demo_requested: bool,
    relay_is_local_sink: bool,
    real_relay_allowed: bool,
    database_has_demo_cases: bool,
    relay_shown: str,
) -> DemoMailDecision:
    """May ``pathways serve`` start, and seed the demo, with this relay?

    ``relay_shown`` is the relay URL with its credentials already hidden. With a real relay
    the demo is skipped (``serve`` still starts: the product works without demo cases), unless
    the operator explicitly allows it. A database that already holds demo cases is refused
    outright: its queued and future notifications would go out through the real relay.
    """
    if relay_is_local_sink:
        return DemoMailDecision(start=True, seed=demo_requested)
    if real_relay_allowed:
        if not (demo_requested or database_has_demo_cases):
            return DemoMailDecision(start=True, seed=False)
        return DemoMailDecision(
            start=True,
            seed=demo_requested,
            message=f"demo data: allowed with the real relay {relay_shown} by {OVERRIDE}; "
            "the demo cases' notifications go to the directory's real council inboxes",
        )
    if database_has_demo_cases:
        return DemoMailDecision(
            start=False,
            seed=False,
            message=f"this database holds demo cases (fictional people) and PATHWAYS_SMTP_URL "
            f"names a real relay ({relay_shown}): their notifications would reach real council "
            "inboxes. Use a fresh database (PATHWAYS_DATABASE_URL), unset PATHWAYS_SMTP_URL to "
            f"use the local sink, or pass {OVERRIDE} if that is really meant",
        )
    if not demo_requested:
        return DemoMailDecision(start=True, seed=False)
    return DemoMailDecision(
        start=True,
        seed=False,
        message=f"demo data: not seeded, because PATHWAYS_SMTP_URL names a real relay "
        f"({relay_shown}) and the demo cases would be mailed to real council inboxes; unset it "
        f"to use the local sink, pass --no-demo to silence this, or {OVERRIDE} to seed anyway",
    )
