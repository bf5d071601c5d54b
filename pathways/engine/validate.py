"""Rejects broken pathway definitions before any case can start on them."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from pathways.engine.definition import ANY_STEP, SAME_STEP, PathwayDefinition
from pathways.roles import ROLES
from pathways.vocabulary import RECIPIENT_KEYS


class DefinitionError(ValueError):
    def __init__(self, definition_key: str, problems: list[str]) -> None:
        super().__init__(
            f"pathway definition {definition_key} is invalid:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
        self.problems = problems


def _recipient_problems(where: str, recipients: Iterable[str]) -> list[str]:
    problems = []
    for recipient in recipients:
        if recipient.startswith("role:"):
            if recipient[5:] not in ROLES:
                problems.append(f"{where}: unknown role '{recipient[5:]}' in recipients")
        elif recipient not in RECIPIENT_KEYS:
            problems.append(f"{where}: unknown recipient '{recipient}'")
    return problems


def _reachable_steps(definition: PathwayDefinition) -> set[str]:
    reached = {definition.initial_step}
    frontier = [definition.initial_step]
    while frontier:
        step = frontier.pop()
        for transition in definition.transitions:
            sources = transition.from_steps
            applies = step in sources or (
                ANY_STEP in sources and not definition.steps[step].terminal
            )
            if (
                applies
                and transition.to_step not in reached
                and transition.to_step in definition.steps
            ):
                reached.add(transition.to_step)
                frontier.append(transition.to_step)
    return reached


def _steps_reached_with_an_outcome(definition: PathwayDefinition) -> set[str]:
    """Steps every way into which records an outcome: an ending from one may keep it (an RFS
    closes with its triage outcome)."""
    entries: dict[str, list[bool]] = {}
    for transition in definition.transitions:
        if transition.to_step != SAME_STEP:
            entries.setdefault(transition.to_step, []).append(transition.outcome is not None)
    return {step for step, outcomes in entries.items() if all(outcomes)}


def definition_problems(
    definition: PathwayDefinition,
    known_rules: Collection[str],
    known_templates: Collection[str] | None = None,
) -> list[str]:
    problems: list[str] = []
    steps = definition.steps
    if definition.initial_step not in steps:
        problems.append(f"initial step '{definition.initial_step}' is not a step")
        return problems
    names = [t.name for t in definition.transitions]
    for duplicate in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"transition '{duplicate}' is defined more than once")
    decided = _steps_reached_with_an_outcome(definition)
    opening = definition.transition(definition.opening_transition)
    if opening is None:
        problems.append(f"opening transition '{definition.opening_transition}' is not defined")
    elif definition.initial_step not in opening.from_steps:
        problems.append(
            f"opening transition '{opening.name}' must start from '{definition.initial_step}'"
        )
    for transition in definition.transitions:
        where = f"transition '{transition.name}'"
        for step in transition.from_steps:
            if step != ANY_STEP and step not in steps:
                problems.append(f"{where}: unknown from-step '{step}'")
            elif step != ANY_STEP and steps[step].terminal:
                problems.append(f"{where}: starts from terminal step '{step}'")
        if transition.to_step != SAME_STEP and transition.to_step not in steps:
            problems.append(f"{where}: unknown to-step '{transition.to_step}'")
        elif (
            transition.to_step != SAME_STEP
            and steps[transition.to_step].terminal
            and transition.outcome is None
            and not set(transition.from_steps) <= decided
        ):
            problems.append(f"{where}: ends the case at '{transition.to_step}' without an outcome")
        if not transition.roles:
            problems.append(f"{where}: names no role that may perform it")
        for role in transition.roles:
            if role not in ROLES:
                problems.append(f"{where}: unknown role '{role}'")
        for timer_name in (*transition.opens_timers, *transition.closes_timers):
            if timer_name not in definition.timers:
                problems.append(f"{where}: unknown timer '{timer_name}'")
        if transition.outcome is not None and transition.outcome not in definition.outcomes:
            problems.append(f"{where}: unknown outcome '{transition.outcome}'")
        for notification in transition.notifications:
            problems.extend(_recipient_problems(where, notification.to))
            if known_templates is not None and notification.template not in known_templates:
                problems.append(f"{where}: no template '{notification.template}'")
            due = notification.due_timer
            if due is not None and due not in transition.opens_timers:
                problems.append(f"{where}: alert dated by '{due}', a timer it does not open")
    for name, timer in definition.timers.items():
        where = f"timer '{name}'"
        if timer.name != name:
            problems.append(f"{where}: is filed under the name '{timer.name}'")
        if timer.rule not in known_rules:
            problems.append(f"{where}: unknown rule '{timer.rule}'")
        for closer in timer.closed_by:
            if closer not in names:
                problems.append(f"{where}: closed by unknown transition '{closer}'")
        problems.extend(_recipient_problems(where, (*timer.notify_on_warning, *timer.escalate_to)))
        if timer.on_breach is not None:
            target = definition.transition(timer.on_breach)
            if target is None:
                problems.append(
                    f"{where}: on breach records unknown transition '{timer.on_breach}'"
                )
            elif "system" not in target.roles:
                problems.append(
                    f"{where}: on-breach transition '{timer.on_breach}' "
                    "must allow the role 'system'"
                )
    for step in sorted(set(steps) - _reachable_steps(definition)):
        problems.append(f"step '{step}' is unreachable from '{definition.initial_step}'")
    return problems


def validate_definition(
    definition: PathwayDefinition,
    known_rules: Collection[str],
    known_templates: Collection[str] | None = None,
) -> PathwayDefinition:
    problems = definition_problems(definition, known_rules, known_templates)
    if problems:
        raise DefinitionError(definition.key, problems)
    return definition
