"""Pure transition rules: may this role make this move on this case now, and what follows.

The dashboard and CLI call ``decide`` before anything runs, so a wrong move is refused at once;
the pathway flow calls it again inside its transaction against the case as it then stands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from pathways.engine.definition import (
    ANY_STEP,
    NotificationSpec,
    PathwayDefinition,
    TimerSpec,
    TransitionSpec,
)
from pathways.engine.input_errors import input_refusal
from pathways.engine.limits import InputLimits
from pathways.engine.snapshot import CaseSnapshot
from pathways.principal import Actor
from pathways.refusal import Refusal


class FieldProblems(str):
    """A guard's reason that also names each field it is about, as (field, rule) pairs: one
    refusal that lists every missing item, with each marked at its own field on a form.
    A plain ``str`` everywhere else, so a guard returning one still fits ``Guard``."""

    problems: tuple[tuple[str, str], ...]

    def __new__(cls, reason: str, problems: tuple[tuple[str, str], ...]) -> FieldProblems:
        made = super().__new__(cls, reason)
        made.problems = problems
        return made


def _refused(reason: str) -> Refusal:
    problems = reason.problems if isinstance(reason, FieldProblems) else ()
    return Refusal("refused", str(reason), problems=problems)


@dataclass(frozen=True)
class Plan:
    transition: TransitionSpec
    from_step: str
    to_step: str
    input: BaseModel | None
    recorded_facts: dict[str, Any]
    timers_to_open: tuple[TimerSpec, ...]
    timers_to_close: tuple[str, ...]
    notifications: tuple[NotificationSpec, ...]
    outcome: str | None
    ends_case: bool


def validate_input(
    transition: TransitionSpec, payload: Mapping[str, Any], limits: InputLimits | None = None
) -> BaseModel | Refusal | None:
    """The validated input, or a refusal naming the field and the rule. ``limits`` carries the
    clock; a model that checks times against it refuses to be validated without it."""
    if transition.input_model is None:
        if payload:
            return Refusal("invalid_input", f"'{transition.name}' takes no input")
        return None
    try:
        return transition.input_model.model_validate(
            dict(payload), context=limits.context() if limits is not None else None
        )
    except ValidationError as error:
        return input_refusal(error)


def _allowed_from(transition: TransitionSpec, definition: PathwayDefinition, state: str) -> bool:
    if state in transition.from_steps:
        return True
    return ANY_STEP in transition.from_steps and not definition.steps[state].terminal


def _timers_closed_by(
    definition: PathwayDefinition, transition: TransitionSpec, snapshot: CaseSnapshot, ends: bool
) -> tuple[str, ...]:
    if ends:
        return tuple(sorted(snapshot.open_timers))
    closing = set(transition.closes_timers)
    closing |= {
        name for name, timer in definition.timers.items() if transition.name in timer.closed_by
    }
    return tuple(sorted(closing & snapshot.open_timers))


def _applies(spec: TimerSpec | NotificationSpec, facts: Mapping[str, Any]) -> bool:
    """Whether a timer opens, or a notification is queued, given the facts after the step."""
    test = spec.opens_when if isinstance(spec, TimerSpec) else spec.when
    return test is None or test(facts)


def decide(
    definition: PathwayDefinition,
    snapshot: CaseSnapshot,
    transition_name: str,
    actor: Actor,
    payload: Mapping[str, Any],
    *,
    limits: InputLimits | None = None,
) -> Plan | Refusal:
    """Checks, in order: the step exists, the case is open, the actor's role may make it, any
    rule about who given the history, the step is open now, the input, and the guard.

    ``limits`` is the application clock and the configured limits the input is checked
    against; the edges pass it whenever there is input to check."""
    transition = definition.transition(transition_name)
    if transition is None:
        valid = ", ".join(t.name for t in definition.transitions)
        return Refusal("unknown_transition", f"unknown step '{transition_name}' (valid: {valid})")
    if snapshot.status != "open":
        return Refusal("case_closed", "the case is closed; nothing more can be recorded on it")
    if actor.role not in transition.roles:
        allowed = ", ".join(transition.roles)
        return Refusal(
            "forbidden",
            f"role '{actor.role}' may not record '{transition.title}' (allowed: {allowed})",
        )
    if transition.actor_rule is not None:
        reason = transition.actor_rule(snapshot, actor)
        if reason is not None:
            return Refusal("forbidden", reason)
    if not _allowed_from(transition, definition, snapshot.state):
        from_titles = ", ".join(
            definition.steps[s].title if s in definition.steps else s for s in transition.from_steps
        )
        return Refusal(
            "not_allowed_now",
            f"'{transition.title}' cannot be recorded at step "
            f"'{definition.steps[snapshot.state].title}' (only at: {from_titles})",
        )
    validated = validate_input(transition, {} if payload is None else payload, limits)
    if isinstance(validated, Refusal):
        return validated
    if transition.guard is not None:
        reason = transition.guard(snapshot.facts, validated)
        if reason is not None:
            return _refused(reason)
    if transition.case_guard is not None:
        reason = transition.case_guard(snapshot, validated)
        if reason is not None:
            return _refused(reason)
    recorded = transition.records(snapshot.facts, validated) if transition.records else {}
    to_step = definition.step_after(transition, snapshot.state)
    ends = definition.steps[to_step].terminal
    closing = _timers_closed_by(definition, transition, snapshot, ends)
    still_open = snapshot.open_timers - set(closing)
    # A recurring timer closed by the step it guards starts its next occurrence from now; one
    # named in closes_timers is being stopped (e.g. reviews pause while an assessment runs).
    recurring = [
        n
        for n in closing
        if definition.timers[n].recurring and transition.name in definition.timers[n].closed_by
    ]
    after = {**snapshot.facts, **recorded}
    to_open = [
        n
        for n in transition.opens_timers
        if n not in still_open and _applies(definition.timers[n], after)
    ]
    opening = (
        () if ends else tuple(definition.timers[n] for n in dict.fromkeys([*to_open, *recurring]))
    )
    return Plan(
        transition=transition,
        from_step=snapshot.state,
        to_step=to_step,
        input=validated,
        recorded_facts=recorded,
        timers_to_open=opening,
        timers_to_close=closing,
        notifications=tuple(n for n in transition.notifications if _applies(n, after)),
        outcome=transition.outcome,
        ends_case=ends,
    )
