"""Every step that takes input has a sample document in examples/, and its model accepts it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from application.cases import with_happened_at
from cli.examples import EXAMPLES_DIR, example_path, load_example
from cli.main import app
from pathways.definitions import latest_definitions
from pathways.engine.limits import InputLimits

# The real clock, not a fixed day: a sample young person who has since turned 18 must fail
# here, so the README's commands are put right before a user finds them refused.
NOW = datetime.now(UTC)
LIMITS = InputLimits(now=NOW, max_clock_skew=timedelta(minutes=5), min_parent_age_gap_years=12)
STEPS_WITH_INPUT = [
    (definition.name, transition.name, transition.input_model)
    for definition in latest_definitions()
    for transition in definition.transitions
    # The product's pathways; a test's own example pathway (defined under tests/) needs none.
    if transition.input_model is not None
    and transition.input_model.__module__.startswith("pathways.")
]


@pytest.mark.parametrize(
    ("pathway", "step", "model"), STEPS_WITH_INPUT, ids=[f"{p}:{s}" for p, s, _ in STEPS_WITH_INPUT]
)
def test_each_step_with_input_has_an_example_its_model_accepts(
    pathway: str, step: str, model: type[BaseModel]
) -> None:
    assert example_path(pathway, step).is_file(), f"no examples/{pathway}/{step}.json"
    document = with_happened_at(model, load_example(pathway, step), NOW)
    model.model_validate(document, context=LIMITS.context())


def test_no_example_is_left_over_from_a_step_that_is_gone() -> None:
    wanted = {example_path(pathway, step) for pathway, step, _ in STEPS_WITH_INPUT}
    assert set(EXAMPLES_DIR.glob("*/*.json")) == wanted


def test_the_cli_prints_the_example_as_json() -> None:
    result = CliRunner().invoke(
        app, ["case", "steps", "youth-1617-intake", "agree_caf_plan", "--example"]
    )
    assert result.exit_code == 0, result.output
    assert '"plan": "early_help_plan"' in result.output


def test_a_step_that_takes_no_input_says_so() -> None:
    result = CliRunner().invoke(
        app, ["case", "steps", "youth-1617-intake", "triage_safe_tonight", "--example"]
    )
    assert result.exit_code == 0
    assert "takes no input" in result.output


def test_an_unknown_step_is_named_with_the_choices() -> None:
    result = CliRunner().invoke(app, ["case", "steps", "youth-1617-intake", "nope", "--example"])
    assert result.exit_code == 2
    assert "STEP: 'nope' is not a step of youth-1617-intake" in result.output
