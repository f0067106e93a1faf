"""Probabilities of inputs scored recently: an input seen again is not scored again.

News repeats itself word for word: wire copy runs in hundreds of outlets, and boilerplate
(bylines, disclaimers, "Shares fell 2% in early trading.") recurs across articles. A bounded
memory of the last distinct inputs scored lets `mediaframe predict` score each once per
stretch of input, with memory that stays flat however long the input is.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

Probabilities = dict[str, np.ndarray]  # task -> one input's class probabilities


class ScoreMemo:
    """The probabilities of the last `capacity` distinct inputs, the least recently used forgotten first.
    Safe to share between threads (`mediaframe predict` stores a chunk's scores while it looks up the next)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: OrderedDict[Hashable, Probabilities] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> Probabilities | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: Hashable, probs: Probabilities) -> None:
        if self.capacity <= 0:
            return
        with self.lock:
            self.entries[key] = probs
            self.entries.move_to_end(key)
            while len(self.entries) > self.capacity:
                self.entries.popitem(last=False)


def distinct_inputs(
    texts: Sequence[str], targets: Sequence[str], mentions: Sequence[Sequence[Mapping[str, Any]]] | None,
    contexts: Sequence[str] | None = None,
) -> tuple[list[int], np.ndarray, list[tuple[Any, ...]]]:
    """Indices of the first occurrence of each distinct input (text, target, mention spans, context), each input's
    slot among them, and the slots' keys (the memory's keys)."""
    slots: dict[tuple[Any, ...], int] = {}
    unique: list[int] = []
    inverse = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        spans = tuple((int(m["start"]), int(m["end"])) for m in mentions[i]) if mentions is not None else ()
        key = (text, targets[i], spans, contexts[i] if contexts is not None else "")
        slot = slots.setdefault(key, len(unique))
        if slot == len(unique):
            unique.append(i)
        inverse[i] = slot
    return unique, inverse, list(slots)
