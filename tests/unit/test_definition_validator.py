"""The validator rejects broken pathway definitions with messages that name the problem."""

from __future__ import annotations

import pytest

from pathways.deadlines import RULES
from pathways.engine.definition import (
    NotificationSpec,
    PathwayDefinition,
    StepSpec,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.validate import DefinitionError, definition_problems, validate_definition
from tests.support.example_pathway import EXAMPLE

# A misspelt recipient: mypy stops one in our code, but a definition module named in
# PATHWAYS_DEFINITION_MODULES meets only the validator.
TO_A_PIGEON = NotificationSpec(template="x", to=("pigeon",))  # type: ignore[arg-type]


def _with(**changes: object) -> PathwayDefinition:
    return EXAMPLE.model_copy(update=changes)


def _transition(**changes: object) -> TransitionSpec:
    base = TransitionSpec(
        name="extra",
        title="Extra",
        from_steps=("support",),
        to_step="support",
        roles=("lha-housing-officer",),
    )
    return base.model_copy(update=changes)


def test_example_definition_is_valid() -> None:
    assert definition_problems(EXAMPLE, RULES) == []


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            _with(steps={**EXAMPLE.steps, "limbo": StepSpec(title="Limbo")}),
            "step 'limbo' is unreachable from 'new'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(roles=("chief-wizard",)))),
            "transition 'extra': unknown role 'chief-wizard'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(roles=()))),
            "transition 'extra': names no role that may perform it",
        ),
        (
            _with(
                timers={
                    **EXAMPLE.timers,
                    "visit": EXAMPLE.timers["visit"].model_copy(update={"rule": "fortnight-ish"}),
                }
            ),
            "timer 'visit': unknown rule 'fortnight-ish'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(to_step="nowhere"))),
            "transition 'extra': unknown to-step 'nowhere'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(from_steps=("closed",)))),
            "transition 'extra': starts from terminal step 'closed'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(to_step="closed"))),
            "transition 'extra': ends the case at 'closed' without an outcome",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(opens_timers=("ghost",)))),
            "transition 'extra': unknown timer 'ghost'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(outcome="O9"))),
            "transition 'extra': unknown outcome 'O9'",
        ),
        (
            _with(
                transitions=(
                    *EXAMPLE.transitions,
                    _transition(notifications=(TO_A_PIGEON,)),
                )
            ),
            "transition 'extra': unknown recipient 'pigeon'",
        ),
        (
            _with(transitions=(*EXAMPLE.transitions, _transition(name="record_visit"))),
            "transition 'record_visit' is defined more than once",
        ),
        (_with(opening_transition="begin"), "opening transition 'begin' is not defined"),
        (_with(initial_step="start"), "initial step 'start' is not a step"),
        (
            _with(
                timers={
                    **EXAMPLE.timers,
                    "visit": EXAMPLE.timers["visit"].model_copy(
                        update={"closed_by": ("teleport",)}
                    ),
                }
            ),
            "timer 'visit': closed by unknown transition 'teleport'",
        ),
        (
            _with(
                timers={
                    **EXAMPLE.timers,
                    "visit": EXAMPLE.timers["visit"].model_copy(update={"on_breach": "close"}),
                }
            ),
            "timer 'visit': on-breach transition 'close' must allow the role 'system'",
        ),
    ],
)
def test_broken_definitions_are_rejected_naming_the_problem(
    definition: PathwayDefinition, message: str
) -> None:
    assert message in definition_problems(definition, RULES)
    with pytest.raises(DefinitionError, match=r"example@1\.0 is invalid"):
        validate_definition(definition, RULES)


def test_unknown_template_is_reported_when_templates_are_known() -> None:
    problems = definition_problems(EXAMPLE, RULES, known_templates={"case_opened"})
    assert "transition 'close': no template 'case_closed'" in problems


def test_timer_spec_refuses_a_warning_point_outside_the_period() -> None:
    with pytest.raises(ValueError, match="warn_fraction"):
        TimerSpec(
            name="t",
            title="T",
            rule="relief-duty",
            owner_team="lha",
            closed_by=(),
            warn_fraction=1.5,
        )


def test_every_builtin_definition_names_templates_that_exist() -> None:
    from notifications.templates import template_names
    from pathways.definitions import latest_definitions

    for definition in [*latest_definitions(), EXAMPLE]:
        assert definition_problems(definition, RULES, template_names()) == [], definition.key
