"""The audit anchors as Prefect artifacts: a second copy of each sweep's anchor, kept by the
Prefect server, out of reach of an edit to the application database.

The timer-sweep flow publishes one table artifact per anchor under one key, so Prefect keeps
them as that key's history; ``prefect_anchors`` reads them back for ``pathways audit verify
--prefect``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

from prefect.artifacts import create_table_artifact
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.objects import Artifact

from pathways.audit_anchors import Anchor

ANCHOR_ARTIFACT: Final = "audit-anchor"
PAGE: Final = 200


def publish_anchor(anchor: Anchor) -> None:
    create_table_artifact(
        [
            {
                "database": anchor.database,
                "event": anchor.seq,
                "hash": anchor.hash,
                "anchored_at": anchor.at.isoformat(),
            }
        ],
        key=ANCHOR_ARTIFACT,
        description="The audit chain's head when this sweep ended: `pathways audit verify "
        "--prefect` checks the chain still holds it.",
    )


def _anchor(row: Any, database: str) -> Anchor | None:
    if not isinstance(row, dict) or row.get("database") != database:
        return None
    try:
        return Anchor(
            int(row["event"]),
            str(row["hash"]),
            datetime.fromisoformat(row["anchored_at"]),
            database,
        )
    except (KeyError, TypeError, ValueError):
        return None


def _rows(artifact: Artifact) -> list[Any]:
    try:
        rows = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    except json.JSONDecodeError:
        return []
    return rows if isinstance(rows, list) else []


def prefect_anchors(database: str) -> list[Anchor]:
    """Every anchor of ``database`` the Prefect server still holds (raises when unreachable)."""
    found: list[Anchor] = []
    key_filter = ArtifactFilter(key=ArtifactFilterKey(any_=[ANCHOR_ARTIFACT]))
    with get_client(sync_client=True) as client:
        offset = 0
        while True:
            page = client.read_artifacts(artifact_filter=key_filter, limit=PAGE, offset=offset)
            for artifact in page:
                found += [a for row in _rows(artifact) if (a := _anchor(row, database))]
            if len(page) < PAGE:
                return found
            offset += PAGE
