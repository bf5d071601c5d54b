"""The escalation chains for professional disagreement (spec §7, seed 002 "Escalation process").

Seed 002 gives three chains. The IFD and ICS chains end at the Assistant Director, so the stored
levels are the whole chain. The LHA chain is cut off after Service Manager ("Should the issue
remain unresolved" ends the sentence), so its top level is configured per authority
(``lha_top``) and, until an LHA names it, the chain ends at Service Manager (a DATA GAP the
directory records). No other chain has a configured top: a ``<chain>_top`` key for ICS or IFD
is not part of the chain.

The directory shows these levels and the timer sweep walks them, so both call ``chain_levels``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, get_args

from pathways.vocabulary import ChainName

CHAIN_NAMES: Final[tuple[str, ...]] = tuple(str(name) for name in get_args(ChainName))
CONFIGURED_TOP: Final[Mapping[str, str]] = {"lha": "lha_top"}
"""Chain name -> the key of its per-authority top level, for the chains seed 002 leaves open."""


def chain_levels(chains: Mapping[str, Any] | None, name: str) -> list[str]:
    """The role levels of one chain, lowest first, from an authority's ``escalation_chains``.

    ``chains`` is the stored mapping (``{"lha": [...], "lha_top": ..., "ics": [...], ...}``); a
    chain it does not hold has no levels. An unknown chain name raises ValueError.
    """
    if name not in CHAIN_NAMES:
        raise ValueError(f"unknown escalation chain '{name}' (known: {', '.join(CHAIN_NAMES)})")
    stored = chains or {}
    levels = [str(level) for level in stored.get(name) or []]
    top_key = CONFIGURED_TOP.get(name)
    top = stored.get(top_key) if top_key is not None else None
    if top:
        levels.append(str(top))
    return levels
