"""The demo lists the care-leaver caseload; the demo test checks it once seeded
(``tests.support.demo_care_leaver.check_care_leaver_caseload``)."""

from __future__ import annotations

from simulation.demo import DEMO_CONFIG


def test_the_demo_lists_the_care_leaver_caseload() -> None:
    assert "tests/scenarios/demo_care_leaver_stages.yaml" in DEMO_CONFIG.read_text("utf-8")
