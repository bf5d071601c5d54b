"""The registry of pathway definitions, keyed by name and version.

A case records the version it started on and keeps it, so older versions stay registered
for as long as cases run on them.
"""

from __future__ import annotations

import importlib

from pathways.deadlines import RULES
from pathways.engine.definition import PathwayDefinition
from pathways.engine.validate import validate_definition

_REGISTRY: dict[str, PathwayDefinition] = {}
_LATEST: dict[str, PathwayDefinition] = {}

BUILTIN_MODULES: tuple[str, ...] = (
    "pathways.definitions.care_leaver_v0",
    "pathways.definitions.care_leaver",
    "pathways.definitions.intentionality",
    "pathways.definitions.request_for_support",
    "pathways.definitions.youth_1617_v1_0",
    "pathways.definitions.youth_1617",
)


class UnknownPathwayError(LookupError):
    pass


def register(definition: PathwayDefinition) -> PathwayDefinition:
    validate_definition(definition, RULES)
    _REGISTRY[definition.key] = definition
    latest = _LATEST.get(definition.name)
    if latest is None or _version_tuple(definition.version) >= _version_tuple(latest.version):
        _LATEST[definition.name] = definition
    return definition


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def load_modules(modules: tuple[str, ...] | list[str]) -> None:
    """Import definition modules; each registers its definitions when imported."""
    for module in modules:
        importlib.import_module(module)


def get_definition(name: str, version: str | None = None) -> PathwayDefinition:
    load_modules(BUILTIN_MODULES)
    found = _LATEST.get(name) if version is None else _REGISTRY.get(f"{name}@{version}")
    if found is None:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        wanted = name if version is None else f"{name}@{version}"
        raise UnknownPathwayError(f"unknown pathway '{wanted}' (registered: {known})")
    return found


def latest_definitions() -> list[PathwayDefinition]:
    load_modules(BUILTIN_MODULES)
    return sorted(_LATEST.values(), key=lambda d: d.name)


def all_definitions() -> list[PathwayDefinition]:
    """Every registered version, the older ones cases still run on included."""
    load_modules(BUILTIN_MODULES)
    return [_REGISTRY[key] for key in sorted(_REGISTRY)]
