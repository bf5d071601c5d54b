"""A coroutine runs to the end from sync code, inside a running event loop or not."""

from __future__ import annotations

import asyncio

from infrastructure.async_bridge import run_to_end


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_from_plain_sync_code() -> None:
    assert run_to_end(_answer()) == 42


def test_from_inside_a_running_loop() -> None:
    # As in a test process where Playwright's sync API holds a loop in this thread.
    async def caller() -> int:
        return run_to_end(_answer())

    assert asyncio.run(caller()) == 42
