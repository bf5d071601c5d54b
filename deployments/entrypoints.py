"""Importable names for the pathway flows, for work-pool workers.

``flows.pathway`` builds one flow per pathway in a factory, so no flow function has a
module-level name a worker could import. A worker loads ``deployments.entrypoints.<flow name>``
(for example ``deployments.entrypoints.pathway-example``) and gets the registered flow.
"""

from __future__ import annotations

from deployments.declarations import pathway_names
from flows.pathway import PathwayFlow, flow_name, pathway_flow_for


def __getattr__(name: str) -> PathwayFlow:
    for pathway in pathway_names():
        if flow_name(pathway) == name:
            return pathway_flow_for(pathway)
    raise AttributeError(f"module {__name__!r} has no pathway flow {name!r}")
