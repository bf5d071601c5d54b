"""``pathways case``: the commands of ``cli.cases`` and those built on its helpers (``people``
and ``readers``; ``timeline`` and ``export``), registered here so that no module imports back
the one that imports it."""

from __future__ import annotations

import typer

from cli import case_audit, case_people, cases


def register(app: typer.Typer) -> None:
    case_people.register(cases.case_app)
    case_audit.register(cases.case_app)
    cases.register(app)
