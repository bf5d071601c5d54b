"""``GET /api/pathways``: every pathway, its steps, and the JSON Schema of each step's input,
read from the registered definitions (a new pathway needs no API code)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from application.case_views import pathway_transitions
from dashboard.api.problems import error_responses
from dashboard.api.schemas import PathwayPublic, StepPublic, TransitionPublic
from dashboard.viewer import api_viewer
from pathways.definitions import all_definitions, latest_definitions
from pathways.engine.definition import PathwayDefinition

router = APIRouter(tags=["pathways"], dependencies=[Depends(api_viewer)])


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _transitions(definition: PathwayDefinition) -> list[TransitionPublic]:
    found = []
    for view in pathway_transitions(definition):
        spec = definition.transition(view.name)
        model = spec.input_model if spec else None
        found.append(
            TransitionPublic(
                name=view.name,
                title=view.title,
                from_steps=view.from_steps,
                to_step=view.to_step,
                roles=view.roles,
                opens_timers=view.opens_timers,
                closes_timers=view.closes_timers,
                notifies=view.notifies,
                citation=spec.citation if spec else "",
                input_schema=model.model_json_schema() if model else None,
            )
        )
    return found


def _pathway(definition: PathwayDefinition, versions: list[str]) -> PathwayPublic:
    return PathwayPublic(
        name=definition.name,
        title=definition.title,
        version=definition.version,
        versions=sorted(versions, key=_version_key),
        citation=definition.citation,
        initial_step=definition.initial_step,
        opening_transition=definition.opening_transition,
        steps=[
            StepPublic(name=name, title=step.title, terminal=step.terminal, citation=step.citation)
            for name, step in definition.steps.items()
        ],
        transitions=_transitions(definition),
    )


@router.get("/pathways", response_model=list[PathwayPublic], responses=error_responses())
def list_pathways() -> list[PathwayPublic]:
    """Each pathway at its latest version, with the versions older cases still run on."""
    versions: dict[str, list[str]] = {}
    for definition in all_definitions():
        versions.setdefault(definition.name, []).append(definition.version)
    return [_pathway(d, versions[d.name]) for d in latest_definitions()]
