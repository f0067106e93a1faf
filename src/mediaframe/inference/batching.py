"""What every scorer shares: the padded batches it takes, and the call in flight it hands back.

A scorer's `submit(batches, out)` writes each batch's probabilities into `out[task]` at the
batch's rows and returns a `ScoringCall`; `wait()` returns once every batch is in `out`. A
scorer that runs its own threads (OpenVINO) returns as soon as the last batch is queued, so
the caller prepares the next batches while the last ones run; PyTorch returns a finished call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

import numpy as np

Batches = Iterable[tuple[np.ndarray, dict[str, np.ndarray]]]  # (row positions, padded arrays) per forward pass
# Batches padded to a multiple of 4 tokens: a compiled runtime prepares its kernels once per input shape, so fewer
# shapes speed up a run's first pass; on the AMX Xeon odd widths ran slower per token and 4 beat 8 by 1.04-1.05x.
PAD_MULTIPLE = 4
CHECK_SECONDS = 1.0  # how often a wait asks the scorer for a batch that failed without reporting back


class ScoringCall:
    """The batches of one `submit`: finished when the submitting side and every batch it started are done."""

    def __init__(self, out: dict[str, np.ndarray], check: Callable[[], None] | None = None) -> None:
        self.out = out
        self.check = check  # raises the error of a batch that failed without reporting back (see wait)
        self.failed: BaseException | None = None
        self.lock = threading.Lock()
        self.unfinished = 1  # the submitting side, until it has queued its last batch
        self.done = threading.Event()

    def started(self) -> None:
        with self.lock:
            self.unfinished += 1

    def finished(self, error: BaseException | None = None) -> None:
        with self.lock:
            self.failed = self.failed or error
            self.unfinished -= 1
            if not self.unfinished:
                self.done.set()

    def wait(self) -> dict[str, np.ndarray]:
        """The filled `out`, once every batch is in.

        Raises:
            the first error a batch or the submitting side met.
        """
        while not self.done.wait(CHECK_SECONDS):
            if self.check is not None:
                try:
                    self.check()
                except BaseException as exc:  # noqa: BLE001 (a batch that will never report back)
                    self.failed = self.failed or exc
                    break
        if self.failed is not None:
            raise self.failed
        return self.out


def finished_call(out: dict[str, np.ndarray]) -> ScoringCall:
    """A call whose batches have all been scored already (synchronous scorers)."""
    call = ScoringCall(out)
    call.finished()
    return call


def padded_batches(
    encoded: dict[str, list[list[int]]], batch_size: int, pad_id: int, cap: int,
) -> Iterator[tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Batches of `batch_size` inputs of similar length (sorted by it), each with its rows in `encoded`, padded
    to a multiple of PAD_MULTIPLE tokens (but not past `cap`)."""
    lengths = np.fromiter((len(ids) for ids in encoded["input_ids"]), dtype=np.int64)
    order = np.argsort(lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        index = order[start : start + batch_size]
        yield index, pad_batch(encoded, index, lengths, pad_id, PAD_MULTIPLE, cap)


def pad_batch(
    encoded: dict[str, list[list[int]]], index: np.ndarray, lengths: np.ndarray, pad_id: int, multiple: int = 1,
    cap: int = 0,
) -> dict[str, np.ndarray]:
    """Right-padded int64 arrays (input_ids, attention_mask, token_type_ids) for the inputs in `index`, as wide as
    the longest, rounded up to a `multiple` of tokens (but not past `cap`, where given)."""
    longest = int(lengths[index].max())
    rounded = -(-longest // multiple) * multiple
    width = max(longest, min(rounded, cap)) if cap else rounded
    ids = np.full((len(index), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(index), width), dtype=np.int64)
    types = np.zeros((len(index), width), dtype=np.int64) if "token_type_ids" in encoded else None
    for row, i in enumerate(index):
        n = lengths[i]
        ids[row, :n] = encoded["input_ids"][i]
        mask[row, :n] = 1
        if types is not None:
            types[row, :n] = encoded["token_type_ids"][i]
    batch = {"input_ids": ids, "attention_mask": mask}
    if types is not None:
        batch["token_type_ids"] = types
    return batch
