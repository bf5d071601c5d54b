"""The law in force for one simulation run: a scenario's ``in_force`` dates laid over the
configured commencement dates, written as a temporary law file for the run's duration.

The file is the same shape as ``config/law.yaml``, so ``infrastructure.law_in_force`` reads it
as it reads the real one (the runner points ``PATHWAYS_LAW_CONFIG`` at it). Provisions the
scenario does not name stay as configured.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from tempfile import TemporaryDirectory

import yaml

from infrastructure.law_in_force import in_force
from infrastructure.settings import PROJECT_ROOT

LAW_FILE = PROJECT_ROOT / "config" / "law.yaml"
"""Lists every provision the rules depend on (null until commenced): the names a scenario may
set."""


@cache
def known_provisions() -> frozenset[str]:
    with LAW_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle) or {}
    return frozenset(str(key) for key in raw) if isinstance(raw, dict) else frozenset()


def law_for(overrides: Mapping[str, date | None]) -> dict[str, date | None]:
    """Every provision's commencement date for the run (None: not in force)."""
    law: dict[str, date | None] = dict.fromkeys(known_provisions())
    law.update(in_force())
    law.update(overrides)
    return law


@contextmanager
def law_config_for(overrides: Mapping[str, date | None]) -> Iterator[Path | None]:
    """A temporary law file with ``overrides`` for the block, or None when there are none (the
    run then reads the configured file as it stands)."""
    if not overrides:
        yield None
        return
    law = law_for(overrides)
    with TemporaryDirectory(prefix="pathways-law-") as scratch:
        path = Path(scratch) / "law.yaml"
        path.write_text(yaml.safe_dump(dict(sorted(law.items()))), encoding="utf-8")
        yield path
