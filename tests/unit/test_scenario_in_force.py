"""The scenario file's ``in_force`` key: provision -> commencement date for the run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from simulation.redate import redated
from simulation.scenario import ScenarioError, parse_scenario

SCENARIO = """\
name: law in force
pathway: youth-1617-intake
start: "2026-12-21T09:00:00+00:00"
{in_force}
staff:
  - {{username: ho.dartford, display_name: "HO", email: ho.dartford@dartford.example,
      role: lha-housing-officer, authority: dartford, team: lha}}
cases:
  yp:
    authority: dartford
    as: {{actor: ho.dartford, role: lha-housing-officer}}
"""


def scenario_with(in_force: str) -> str:
    return SCENARIO.format(in_force=in_force)


def test_without_the_key_the_run_keeps_the_configured_law() -> None:
    assert parse_scenario(scenario_with("")).in_force == {}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("in_force: {cwsa-2026-s9: 2026-10-01}", date(2026, 10, 1)),
        ('in_force: {cwsa-2026-s9: "2026-10-01"}', date(2026, 10, 1)),
        ("in_force: {cwsa-2026-s9: null}", None),
    ],
)
def test_a_provision_is_given_a_date_or_null(line: str, expected: date | None) -> None:
    assert parse_scenario(scenario_with(line)).in_force == {"cwsa-2026-s9": expected}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "in_force: {cwsa-2026-s8: 2026-10-01}",
            "in_force: unknown provision 'cwsa-2026-s8' (known, from config/law.yaml: "
            "cwsa-2026-s9)",
        ),
        ('in_force: {cwsa-2026-s9: "2026-13-01"}', "in_force: cwsa-2026-s9: '2026-13-01' is not"),
        ('in_force: {cwsa-2026-s9: "1 Oct 2026"}', "in_force: cwsa-2026-s9: '1 Oct 2026' is not"),
        ("in_force: {cwsa-2026-s9: 20261001}", "in_force: cwsa-2026-s9: '20261001' is not a date"),
        ("in_force: {cwsa-2026-s9: true}", "in_force: cwsa-2026-s9: 'True' is not a date"),
        ("in_force: {cwsa-2026-s9: 2026-10-01T09:00:00}", "in_force: cwsa-2026-s9:"),
        ("in_force: [cwsa-2026-s9]", "in_force: give 'provision: YYYY-MM-DD' lines"),
        ("in_force: {cwsa-2026-s9: 2026-02-30}", "a date that does not exist"),
        ("in_force: {cwsa-2026-s9: 2026-10-01}\nin_forse: {}", "in_forse: unknown key"),
    ],
)
def test_a_bad_entry_is_one_line_naming_the_field(line: str, message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(scenario_with(line), "mine.yaml")
    assert str(raised.value).startswith(f"mine.yaml: {message}")
    assert "\n" not in str(raised.value)


def test_redating_moves_the_commencement_with_the_story() -> None:
    scenario = parse_scenario(scenario_with("in_force: {cwsa-2026-s9: 2026-12-22}"))
    moved = redated(scenario, timedelta(weeks=2))
    assert moved.in_force == {"cwsa-2026-s9": date(2026, 12, 8)}
    assert moved.start == scenario.start - timedelta(weeks=2)
