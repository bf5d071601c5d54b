"""Reading a scenario file: YAML, then its shape (``simulation.scenario_format``), then whether
its parts fit the pathway (``simulation.consistency``).

``load_scenario`` turns any problem into one ``ScenarioError`` line:
``<file>: <field>: <what is wrong>``, with list positions counted from 1 (``steps.3`` is the
third step).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from simulation.consistency import scenario_problems
from simulation.scenario_format import Scenario


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names the file and the field."""


def where(loc: Sequence[int | str]) -> str:
    """A field path as scenario writers count: list positions from 1."""
    return ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in loc)


def _describe(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling against tests/scenarios/README.md)"
    return error["msg"].removeprefix("Value error, ")


def _format_errors(source: str, error: ValidationError) -> str:
    first, *others = error.errors()
    field = where(first["loc"])
    message = f"{source}: {field}: {_describe(first)}" if field else f"{source}: {_describe(first)}"
    if others:
        message += f" (also check: {', '.join(where(e['loc']) or '(top level)' for e in others)})"
    return message


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML, except that a key given twice is an error: plain YAML keeps the last one,
    which would silently drop a case or an expectation."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Hashable] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key '{key}' is given twice",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


def parse_scenario(text: str, source: str = "scenario") -> Scenario:
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ScenarioError(f"{source}: {at}not valid YAML ({problem})") from None
    except ValueError as error:
        # The YAML reader builds unquoted dates itself: one that does not exist (2026-02-30)
        # fails there, not as a YAML error.
        raise ScenarioError(f"{source}: a date that does not exist ({error})") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping with name, pathway, start, cases, ...")
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(_format_errors(source, error)) from None
    problems = scenario_problems(scenario)
    if problems:
        first, *others = problems
        also = f" (also check: {', '.join(p.where for p in others)})" if others else ""
        raise ScenarioError(f"{source}: {first.where}: {first.message}{also}")
    return scenario


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the file ({error.strerror or error})") from None
    return parse_scenario(text, str(path))
