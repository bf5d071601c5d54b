"""Running async code from a sync test whatever loop the test's thread is in.

An end-to-end test leaves Playwright's event loop running on the main thread of its pytest
worker, and later tests on that worker run inside it. There ``asyncio.run`` refuses to start,
and Prefect's sync-or-async functions hand back a coroutine instead of doing the work, so
these helpers do it on a thread of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")


def off_loop(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call`` on a thread of its own, where no event loop runs."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(call, *args, **kwargs).result()


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` on a thread of its own."""
    return off_loop(asyncio.run, coroutine)
