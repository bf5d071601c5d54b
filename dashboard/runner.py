"""The pathway flow runner the dashboard passes to the use cases: Prefect's layer, so the
application layer below never imports Prefect. Imported lazily, on the first write, because
Prefect takes seconds to import and the pages must start fast."""

from __future__ import annotations

from application.cases import Applied


def run_event(pathway: str, case_ref: str, event_id: int) -> Applied:
    from flows.dispatch import run_pathway_event

    return run_pathway_event(pathway, case_ref, event_id)
