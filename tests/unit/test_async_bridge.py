"""A coroutine runs to the end from sync code, inside a running event loop or not."""

from __future__ import annotations

import asyncio
import threading

from infrastructure.async_bridge import run_to_end


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_from_plain_sync_code() -> None:
    assert run_to_end(_answer()) == 42


def test_from_inside_a_running_loop() -> None:
    # As in a test process where Playwright's sync API holds a loop in this thread. The loop
    # runs on a thread of its own: this worker's thread may already hold one (an e2e test run
    # before this one), and asyncio.run refuses to start a second there.
    async def caller() -> int:
        return run_to_end(_answer())

    answers: list[int] = []
    thread = threading.Thread(target=lambda: answers.append(asyncio.run(caller())))
    thread.start()
    thread.join(timeout=30)
    assert answers == [42]
