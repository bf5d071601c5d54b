"""The Prefect server a command's flow runs go to: the running system's, never a throwaway one.

A flow run on an ephemeral server is lost to the audit (and, under a running system, fights it
for a SQLite file). So a command that runs a flow uses ``PREFECT_API_URL`` when it is set, else
the server ``pathways serve`` recorded, and otherwise stops with one line saying how to start
the system.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from cli.common import FAILURE, fail
from infrastructure import running_system

NOT_ANSWERING = "PREFECT_API_URL: the Prefect server it names does not answer; nothing was changed"
NO_SERVER = (
    "no running system to record this on: start it with `make run` "
    "(or `.venv/bin/pathways serve`) in another terminal, or set PREFECT_API_URL"
)


@contextmanager
def product_prefect() -> Iterator[str]:
    """Inside it, Prefect talks to the product's server; yields that server's API URL."""
    # Imported here, as the flow commands that call this import Prefect: the others load neither.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from infrastructure.prefect_probe import is_healthy

    configured = PREFECT_API_URL.value()
    if configured:
        if not is_healthy(str(configured)):
            # Not shown: the URL may carry a proxy's credentials.
            fail(NOT_ANSWERING, FAILURE)
        yield str(configured)
        return
    found = running_system.running()
    if found is None or not is_healthy(found.prefect_api_url):
        fail(NO_SERVER, FAILURE)
    with temporary_settings(updates={PREFECT_API_URL: found.prefect_api_url}):
        yield found.prefect_api_url
