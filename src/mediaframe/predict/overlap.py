"""Background threads that keep the scorer busy: one reads ahead, one writes behind.

`prefetch` runs the reading (and mention search) of the next chunks while the scorer works;
`WriteBehind` turns a scored chunk into output rows and appends them while the next chunk
is scored. Both keep order, hold at most a fixed number of chunks (memory stays flat) and
hand an error raised in their thread to the caller's.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

logger = logging.getLogger(__name__)


def prefetch(items: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """Run an iterator in a background thread, `depth` items ahead (reading overlaps scoring).

    When the consumer stops early (an error, an interrupt), the producer thread stops too.
    """
    done = object()
    box: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand_over(item: Any) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over(item):
                    return
            hand_over(done)
        except BaseException as exc:  # handed to the consumer, raised there
            hand_over(exc)

    threading.Thread(target=produce, daemon=True, name="mediaframe-prefetch").start()
    try:
        while (item := box.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


class WriteBehind:
    """Calls `write(*job)` for each job put, in order, in a background thread, at most `depth` jobs behind.

    Leaving the `with` block waits until every job put has been written (also when the block
    raised), so that what the output's progress records is exactly what was written. An error
    in the writing thread is raised by the next `put` or on leaving; jobs after it are dropped.
    """

    def __init__(self, write: Callable[..., None], depth: int = 1) -> None:
        self.write = write
        self.jobs: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=depth)
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self.drain, daemon=True, name="mediaframe-write-behind")

    def __enter__(self) -> WriteBehind:
        self.thread.start()
        return self

    def put(self, *job: Any) -> None:
        self.raise_failure()
        self.jobs.put(job)

    def drain(self) -> None:
        while (job := self.jobs.get()) is not None:
            if self.failed is None:
                try:
                    self.write(*job)
                except BaseException as exc:  # noqa: BLE001 (raised in the caller's thread)
                    self.failed = exc

    def raise_failure(self) -> None:
        if self.failed is not None:
            raise self.failed

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        self.jobs.put(None)
        self.thread.join()
        if kind is None:
            self.raise_failure()
        elif self.failed is not None:  # the block's own error goes on; this one is not lost
            logger.warning("writing the output failed as well: %s", self.failed)
