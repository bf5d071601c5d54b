"""Importable names for the pathway flows, for work-pool workers.

``flows.pathway`` builds one flow per pathway in a factory, so no flow function has a
module-level name a worker could import. A worker loads ``deployments.entrypoints.<flow name>``
(for example ``deployments.entrypoints.pathway-example``) and gets the registered flow.

Every flow run a worker starts is a new process that loads this module first, so it imports
only what a pathway flow needs, not the deployment declarations (the sweep and delivery flows,
Prefect's deployment machinery): that was 0.8 s of each run's start on a loaded machine.
"""

from __future__ import annotations

from flows.pathway import PathwayFlow, flow_name, pathway_flow_for
from infrastructure.settings import get_settings
from pathways.definitions import latest_definitions, load_modules


def pathway_names() -> list[str]:
    """The built-in pathways plus any PATHWAYS_DEFINITION_MODULES adds, as the CLI sees them."""
    load_modules(get_settings().definition_modules)
    return [definition.name for definition in latest_definitions()]


def __getattr__(name: str) -> PathwayFlow:
    for pathway in pathway_names():
        if flow_name(pathway) == name:
            return pathway_flow_for(pathway)
    raise AttributeError(f"module {__name__!r} has no pathway flow {name!r}")
