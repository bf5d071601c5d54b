"""Forgets what this process cached from its configuration, so a changed ``PATHWAYS_*``
environment takes effect without a restart (tests, simulations, ``pathways serve``)."""

from __future__ import annotations

from infrastructure.authority_config import authority_config
from infrastructure.db import get_engine
from infrastructure.law_in_force import in_force
from infrastructure.settings import get_settings


def reset_caches() -> None:
    get_settings.cache_clear()
    get_engine.cache_clear()
    authority_config.cache_clear()
    in_force.cache_clear()
