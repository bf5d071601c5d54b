"""Queues notifications as outbox rows inside the caller's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

Route = tuple[str, str]


@lru_cache(maxsize=4096)
def route_key(route_url: str) -> str:
    return hashlib.sha256(route_url.encode("utf-8")).hexdigest()[:16]


def outbox_rows(
    *,
    key_prefix: str,
    case_id: int | None,
    case_reference: str | None,
    event_type: str,
    context: dict[str, str | None],
    routes: Sequence[Route],
    now: datetime,
) -> list[dict[str, Any]]:
    """Row values for one message to each route; the key makes a second queueing a no-op."""
    return [
        {
            "idempotency_key": f"{key_prefix}:{event_type}:{route_key(url)}",
            "case_id": case_id,
            "case_reference": case_reference,
            "event_type": event_type,
            "context": context,
            "recipient": recipient,
            "route": url,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for recipient, url in routes
    ]
