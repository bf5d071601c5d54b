"""``python -m runtime.demo_runner``: seed the demo cases in a process of their own.

``pathways serve`` runs this as a child rather than in its own process for two reasons.
Ctrl-C must stop a seeding that plays dozens of real flow runs. And the runs must report to
this session's Prefect server, whose URL is only known after ``pathways`` has imported Prefect
(Prefect reads its settings once, at import).
"""

from __future__ import annotations

from infrastructure.db import get_engine
from infrastructure.logging_setup import configure_logging
from infrastructure.settings import get_settings
from pathways.definitions import load_modules
from simulation.demo import seed_demo


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_dir)
    load_modules(settings.definition_modules)
    seed_demo(get_engine())


if __name__ == "__main__":
    main()
