"""Settings for flow runs made in the calling process (an event, a simulation's sweep).

Prefect starts a heartbeat thread for every flow run and joins it at exit; it sleeps in
one-second steps, so each run pays up to a second for nothing. Heartbeats let the server spot
a crashed worker's runs; an in-process run lives and dies with its caller, and an event it
left pending is picked up by the timer sweep's recovery, so it does without them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings


@contextmanager
def inline_run_settings() -> Iterator[None]:
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield
