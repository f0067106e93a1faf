"""Ctrl-C during a long run: stop at the next safe point instead of wherever the signal lands.

Python raises KeyboardInterrupt at an arbitrary bytecode, even inside a finaliser, where it is
printed and swallowed, so a run could go on after Ctrl-C. `deferred_interrupt` turns the first
SIGINT into a flag that the run checks between chunks; a second SIGINT raises at once.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def deferred_interrupt() -> Iterator[threading.Event]:
    """An event set by the first Ctrl-C while the block runs (outside the main thread: never set)."""
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested
        return

    def handle(signum: int, frame: Any) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()
        sys.stderr.write("\ninterrupt: stopping after the current chunk (Ctrl-C again to stop at once)\n")

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield requested
    finally:
        signal.signal(signal.SIGINT, previous)
