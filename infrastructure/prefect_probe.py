"""Whether a Prefect server answers: a plain ``GET /health``, without importing Prefect (which
takes seconds), for the processes that only need to know where to send their runs."""

from __future__ import annotations

import urllib.error
import urllib.request

DEFAULT_TIMEOUT = 5.0


def is_healthy(api: str, timeout: float = DEFAULT_TIMEOUT) -> bool:
    try:
        with urllib.request.urlopen(f"{api.rstrip('/')}/health", timeout=timeout) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):  # ValueError: not a URL at all
        return False
