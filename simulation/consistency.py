"""Checks that a scenario hangs together before anything runs: names that refer to something
(pathway, transitions, timers, labels, staff, authorities, templates, recipients) exist, steps
have the keys their kind needs, and time never runs backwards.

Everything here reads the definition registry and configuration only, so a bad scenario is
refused before a database is created or a flow is run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from infrastructure.authority_config import authority_config
from notifications.templates import template_names
from pathways.definitions import UnknownPathwayError, get_definition
from pathways.engine.definition import PathwayDefinition
from pathways.roles import ROLES
from pathways.vocabulary import RECIPIENT_KEYS
from simulation.scenario_format import CaseFields, Scenario, StepSpec, timer_key
from simulation.times import format_offset


@dataclass(frozen=True)
class Problem:
    where: str
    message: str


def _one_of(kind: str, value: str, known: Iterable[object]) -> str:
    names = ", ".join(sorted(str(name) for name in known))
    return f"unknown {kind} '{value}' (known: {names})"


def _when(scenario: Scenario, moment: datetime) -> str:
    return format_offset(moment - scenario.start)


def scenario_problems(scenario: Scenario) -> list[Problem]:
    try:
        definition = get_definition(scenario.pathway)
    except UnknownPathwayError as error:
        return [Problem("pathway", str(error))]
    return [
        *_staff_problems(scenario),
        *_case_problems(scenario),
        *_step_problems(scenario, definition),
        *_expectation_problems(scenario, definition),
    ]


def _staff_problems(scenario: Scenario) -> list[Problem]:
    problems = []
    authorities = authority_config().authorities
    seen: set[str] = set()
    for number, staff in enumerate(scenario.staff, start=1):
        if staff.username in seen:
            problems.append(
                Problem(f"staff.{number}.username", f"'{staff.username}' is listed twice")
            )
        seen.add(staff.username)
        if staff.authority is not None and staff.authority not in authorities:
            problems.append(
                Problem(
                    f"staff.{number}.authority", _one_of("authority", staff.authority, authorities)
                )
            )
    return problems


def _case_problems(scenario: Scenario) -> list[Problem]:
    problems = []
    authorities = authority_config().authorities
    usernames = {staff.username for staff in scenario.staff}
    for label, case in scenario.cases.items():
        here = f"cases.{label}"
        if case.authority not in authorities:
            problems.append(
                Problem(f"{here}.authority", _one_of("authority", case.authority, authorities))
            )
        if scenario.time_of(case.at) < scenario.start:
            problems.append(Problem(f"{here}.at", "is before the scenario's start"))
        for number, username in enumerate(case.assign, start=1):
            if username not in usernames:
                problems.append(
                    Problem(f"{here}.assign.{number}", f"'{username}' is not listed under staff")
                )
        if case.expect_refused is not None and case.assign:
            problems.append(
                Problem(f"{here}.assign", "a case whose opening must be refused has no one on it")
            )
    return problems


def _step_shape(step: StepSpec) -> Problem | None:
    """Which keys go with which kind of step; the message names the key at fault."""
    actions = [
        name
        for name, given in (
            ("record", step.record is not None),
            ("sweep", step.sweep),
            ("deliver", step.deliver),
        )
        if given
    ]
    if len(actions) != 1:
        found = f" (found: {', '.join(actions)})" if actions else ""
        return Problem("", f"a step does exactly one of record, sweep: true, deliver: true{found}")
    if step.record is not None:
        if step.case is None:
            return Problem("case", "a record step names the case label it is recorded on")
        if step.as_ is None:
            return Problem(
                "as",
                "a record step says who records it: {actor: USERNAME}, with role: ROLE "
                "when they hold several",
            )
        return None
    for key, value in (
        ("case", step.case),
        ("as", step.as_),
        ("input", step.input),
        ("expect_refused", step.expect_refused),
    ):
        if value is not None:
            return Problem(key, f"only a record step takes '{key}' (this is a {actions[0]} step)")
    return None


def _step_problems(scenario: Scenario, definition: PathwayDefinition) -> list[Problem]:
    problems = []
    transitions = [t.name for t in definition.transitions]
    previous: tuple[str, datetime] | None = None
    for number, step in enumerate(scenario.steps, start=1):
        here = f"steps.{number}"
        at = scenario.time_of(step.at)
        shape = _step_shape(step)
        if shape is not None:
            problems.append(Problem(".".join(filter(None, (here, shape.where))), shape.message))
        if at < scenario.start:
            problems.append(Problem(f"{here}.at", "is before the scenario's start"))
        if previous is not None and at < previous[1]:
            problems.append(
                Problem(
                    f"{here}.at",
                    f"{_when(scenario, at)} is earlier than {previous[0]} "
                    f"({_when(scenario, previous[1])}); steps run in order and time only "
                    "moves forward",
                )
            )
        previous = (here, at)
        if step.record is not None and step.record not in transitions:
            problems.append(
                Problem(
                    f"{here}.record", _one_of(f"{definition.name} step", step.record, transitions)
                )
            )
        if step.case is not None:
            problems.extend(_step_case_problems(scenario, here, step.case, at))
    return problems


def _step_case_problems(scenario: Scenario, here: str, label: str, at: datetime) -> list[Problem]:
    case = scenario.cases.get(label)
    if case is None:
        return [Problem(f"{here}.case", _one_of("case label", label, scenario.cases))]
    if case.expect_refused is not None:
        return [
            Problem(f"{here}.case", f"case '{label}' is expected to be refused, so it never opens")
        ]
    opens = scenario.time_of(case.at)
    if at < opens:
        return [
            Problem(
                f"{here}.at",
                f"{_when(scenario, at)} is before case '{label}' opens ({_when(scenario, opens)})",
            )
        ]
    return []


def _label_problem(scenario: Scenario, here: str, label: str) -> Problem | None:
    case = scenario.cases.get(label)
    if case is None:
        return Problem(here, _one_of("case label", label, scenario.cases))
    if case.expect_refused is not None:
        return Problem(here, f"case '{label}' is expected to be refused, so it never opens")
    return None


def _fields_problems(here: str, fields: CaseFields, definition: PathwayDefinition) -> list[Problem]:
    wanted = fields.wanted()
    if not wanted:
        return [Problem(here, "name at least one of state, status, outcome, duty_outcome")]
    problems = []
    if "state" in wanted and wanted["state"] not in definition.steps:
        problems.append(
            Problem(
                f"{here}.state",
                _one_of(f"{definition.name} step", wanted["state"], definition.steps),
            )
        )
    if "outcome" in wanted and wanted["outcome"] not in definition.outcomes:
        problems.append(
            Problem(
                f"{here}.outcome",
                _one_of(f"{definition.name} outcome", wanted["outcome"], definition.outcomes),
            )
        )
    return problems


def _recipient_problem(here: str, recipient: str | None) -> Problem | None:
    if recipient is None or recipient in RECIPIENT_KEYS:
        return None
    if recipient.startswith("role:"):
        role = recipient.removeprefix("role:")
        return None if role in ROLES else Problem(here, _one_of("role", role, ROLES))
    known = [*sorted(RECIPIENT_KEYS), "role:<role>"]
    return Problem(here, f"unknown recipient '{recipient}' (known: {', '.join(known)})")


def _timer_problem(here: str, key: str, definition: PathwayDefinition) -> Problem | None:
    try:
        name, _ = timer_key(key)
    except ValueError as error:
        return Problem(here, str(error))
    if name not in definition.timers:
        return Problem(here, _one_of(f"{definition.name} timer", name, definition.timers))
    return None


def _expectation_problems(scenario: Scenario, definition: PathwayDefinition) -> list[Problem]:
    expect = scenario.expect
    templates = template_names()
    found: list[Problem | None] = []
    for label, fields in expect.cases.items():
        here = f"expect.cases.{label}"
        found.append(_label_problem(scenario, here, label))
        found.extend(_fields_problems(here, fields, definition))
    for label, timers in expect.timers.items():
        here = f"expect.timers.{label}"
        found.append(_label_problem(scenario, here, label))
        for key, timer in timers.items():
            found.append(_timer_problem(f"{here}.{key}", key, definition))
            if timer.status is None and timer.escalation_level is None:
                found.append(Problem(f"{here}.{key}", "name status and/or escalation_level"))
    for number, fired in enumerate(expect.fired, start=1):
        here = f"expect.fired.{number}"
        found.append(_label_problem(scenario, f"{here}.case", fired.case))
        found.append(_timer_problem(f"{here}.timer", fired.timer, definition))
    for section, items in (
        ("notifications", expect.notifications),
        ("no_notifications", expect.no_notifications),
    ):
        for number, item in enumerate(items, start=1):
            here = f"expect.{section}.{number}"
            found.append(_label_problem(scenario, f"{here}.case", item.case))
            if item.event_type not in templates:
                found.append(
                    Problem(f"{here}.event_type", _one_of("event type", item.event_type, templates))
                )
            found.append(_recipient_problem(f"{here}.recipient", item.recipient))
    for number, linked in enumerate(expect.linked_cases, start=1):
        here = f"expect.linked_cases.{number}"
        found.append(_label_problem(scenario, f"{here}.from", linked.from_))
        try:
            target = get_definition(linked.pathway)
        except UnknownPathwayError as error:
            found.append(Problem(f"{here}.pathway", str(error)))
            continue
        if linked.wanted():
            found.extend(_fields_problems(here, linked, target))
    return [problem for problem in found if problem is not None]
