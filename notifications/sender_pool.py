"""A delivery run's senders: a few threads, each with its own ``Sender`` (and so its own SMTP
sessions), working through the run's claimed rows while the caller settles what they finish.

Sending is waiting on the relay, so a few senders at once multiply throughput, and a relay
that is slow to answer one message does not hold up the others. The caller gets the finished
attempts in batches, at most ``batch`` at a time and without waiting more than ``wait``
seconds for a batch to fill, so each settles soon after its message was accepted: what a crash
can leave unsettled, and send again, stays small.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from notifications.senders import Sender

T = TypeVar("T")
R = TypeVar("R")

BATCH: Final = 100
WAIT: Final = 0.05


@dataclass(frozen=True)
class _Crashed:
    error: BaseException


class _Run(Generic[T, R]):
    def __init__(self, items: Sequence[T], work: Callable[[Sender, T], R]) -> None:
        self.work = work
        self.todo: queue.SimpleQueue[T] = queue.SimpleQueue()
        for item in items:
            self.todo.put(item)
        self.done: queue.SimpleQueue[R | _Crashed] = queue.SimpleQueue()
        self.stop = threading.Event()

    def sender(self) -> None:
        try:
            with Sender() as sender:
                while not self.stop.is_set():
                    try:
                        item = self.todo.get_nowait()
                    except queue.Empty:
                        return
                    self.done.put(self.work(sender, item))
        except BaseException as error:  # handed to the caller, which raises it
            self.done.put(_Crashed(error))

    def next_finished(self, timeout: float | None) -> R | None:
        try:
            finished = self.done.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(finished, _Crashed):
            raise finished.error
        return finished


def in_parallel(
    items: Sequence[T],
    work: Callable[[Sender, T], R],
    senders: int,
    *,
    batch: int = BATCH,
    wait: float = WAIT,
) -> Iterator[list[R]]:
    """``work(sender, item)`` for every item on up to ``senders`` threads; yields the results
    in batches as they finish. Closing the iterator early (the caller failed) lets no sender
    start another item and waits for those in flight."""
    run: _Run[T, R] = _Run(items, work)
    threads = [
        threading.Thread(target=run.sender, name=f"delivery-sender-{number}", daemon=True)
        for number in range(min(senders, len(items)))
    ]
    for thread in threads:
        thread.start()
    try:
        remaining = len(items)
        while remaining:
            first = run.next_finished(None)
            assert first is not None
            finished = [first]
            deadline = time.monotonic() + wait
            while len(finished) < min(batch, remaining):
                more = run.next_finished(max(0.0, deadline - time.monotonic()))
                if more is None:
                    break
                finished.append(more)
            remaining -= len(finished)
            yield finished
    finally:
        run.stop.set()
        for thread in threads:
            thread.join()
