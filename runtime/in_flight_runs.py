"""Cancels the deployment runs a stopped ``pathways serve`` leaves unfinished on its Prefect server.

Stopping the served deployments kills any flow run still going (a delivery waiting on a relay
that never answers, a sweep). Left alone, the server would show those runs as running until
the next start marked them crashed; cancelled now, the UI says what happened, and the move to
a final state frees the deployment's concurrency slot at once.

Plain REST calls on the standard library, with short timeouts: loading Prefect's client here
would cost more than the stop itself, and a server that does not answer must not hold the stop
up. Only deployment runs are touched: flow runs a command line runs in its own process (the
demo seeding, ``pathways case`` with inline dispatch) have no deployment.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.request
from typing import Any, Final

log = logging.getLogger(__name__)

UNFINISHED: Final = ["PENDING", "RUNNING", "CANCELLING"]
BUDGET_SECONDS: Final = 2.0
PAGE: Final = 200
MESSAGE: Final = "pathways serve stopped while this run was in progress"


def _post(api: str, path: str, body: dict[str, Any], deadline: float) -> Any:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError(f"no time left for {path}")
    request = urllib.request.Request(
        f"{api.rstrip('/')}{path}",
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=remaining) as response:
        return json.loads(response.read() or b"null")


def unfinished_deployment_runs(api: str, deadline: float) -> list[str]:
    """Ids of the deployment runs on ``api`` that are pending, running or cancelling."""
    body = {
        "flow_runs": {
            "state": {"type": {"any_": UNFINISHED}},
            "deployment_id": {"is_null_": False},
        },
        "limit": PAGE,
    }
    return [str(run["id"]) for run in _post(api, "/flow_runs/filter", body, deadline)]


def cancel_unfinished_runs(api: str, budget: float = BUDGET_SECONDS) -> tuple[int, int]:
    """(runs found, runs cancelled), within ``budget`` seconds in all; never raises."""
    deadline = time.monotonic() + budget
    try:
        found = unfinished_deployment_runs(api, deadline)
    except (OSError, ValueError) as error:
        log.warning("could not list unfinished runs on %s: %s", api, error)
        return 0, 0
    state = {"type": "CANCELLED", "name": "Cancelled", "message": MESSAGE}
    cancelled = 0
    for run_id in found:
        try:
            # Forced, as the start-up recovery does: no runner is left to confirm a cancelling.
            _post(api, f"/flow_runs/{run_id}/set_state", {"state": state, "force": True}, deadline)
        except (OSError, ValueError) as error:
            log.warning("could not cancel flow run %s: %s", run_id, error)
            continue
        cancelled += 1
    return len(found), cancelled
