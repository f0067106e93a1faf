"""Batched scoring of sentences with a trained model: the one scoring path of mediaframe.

`Predictor.predict_proba` gives class probabilities to evaluation, prediction (which turns them
into prediction rows, predict.prediction_rows), distillation and the benchmarks. Speed comes from
tokenizing a whole call at once with the fast tokenizer, sorting by token length and
padding per batch, scoring each distinct input once, and the fastest scoring path here
whose labels agree with PyTorch fp32 (inference.runtime_choice): PyTorch in fp32, bf16 or int8
(inference.torch_runtime) or the model compiled by OpenVINO (inference.openvino_runtime), which
starts without importing torch once its compiled graph is cached. `start_proba` splits a call in
two (queue, then collect), so that `mediaframe predict` prepares the next chunk while the last
batches of one are scored.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.config import TargetsConfig
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.errors import MediaframeError
from mediaframe.hardware import auto_threads, physical_cores, resolve_device
from mediaframe.inference import openvino_conversion, openvino_runtime, openvino_trial
from mediaframe.inference.batching import Batches, ScoringCall, finished_call, padded_batches
from mediaframe.inference.memo import ScoreMemo, distinct_inputs
from mediaframe.inference.runtime_choice import cache_key as path_cache_key
from mediaframe.inference.runtime_choice import (
    calibration_rows,
    candidates,
    choose,
    prepared_choice,
    resolve_dtype,
)
from mediaframe.inference.tokens import BatchEncoder
from mediaframe.model.folder import (
    PAIR_MODES,
    loaded_folder,
    mark_mentions,
    read_folder,
    reads_context,
    weights_digest,
)
from mediaframe.model.shipped import model_path
from mediaframe.records import TASKS, cell_text

logger = logging.getLogger(__name__)

TIMED_PASSES = 2  # the best of two timed passes over the calibration sentences


# ---------------------------------------------------------------- the predictor


class Predictor:
    """Scores sentences with one model; build it once (per process or Ray actor), call it often.

    Args:
        model: a model folder's path, `news` (the shipped model), or a loaded model (modeling.LoadedModel, scored with PyTorch).
        batch_size: most sentences per forward pass (batches are cut by length, so short ones fill up).
        dtype: fp32 (exact), bf16 (the whole encoder), int8 (CPU: dynamic on torch, static on openvino) or auto
            (the fastest fp32/bf16 path that agrees with fp32 on the calibration sentences, measured once per model
            and machine).
        device: cpu, cuda or auto.
        threads: scoring threads; 0 picks one per idle physical core (auto_threads); None keeps torch's setting
            (and gives OpenVINO one per physical core).
        targets: aliases and descriptors of targets, to find mentions in the calibration sentences.
        runtime: torch, openvino (the model compiled for this CPU) or auto (measured along with dtype).
        remember: distinct inputs whose probabilities are kept, so that one seen again is not scored again (0: none).
    """

    def __init__(
        self,
        model: Any,
        batch_size: int = 32,
        dtype: str = "fp32",
        device: str = "cpu",
        threads: int | None = None,
        targets: TargetsConfig | None = None,
        runtime: str = "torch",
        remember: int = 0,
    ) -> None:
        self.threads = (threads or auto_threads()) if threads is not None else None
        self.device = resolve_device(device)
        self._loaded = None if isinstance(model, (str, Path)) else model
        self.folder = read_folder(model_path(model)) if self._loaded is None else loaded_folder(self._loaded)
        self.batch_size = max(1, batch_size)
        self.labels = {task: self.folder.labels(task) for task in TASKS}
        self.encoder = BatchEncoder(self.folder.tokenizer) if self.folder.tokenizer is not None else None
        self.mentions = MentionFinder(targets)  # for the calibration sentences
        self.truncated = 0  # inputs cut at the model's max_length, over this predictor's life
        self.memo: ScoreMemo | None = None  # none while the scoring path is measured
        self.scorer: Any = None  # the scorer of the path `built` (while measuring, of the path last timed)
        self.built = ""
        self.path = self.choose_path(resolve_dtype(dtype, self.device), runtime, threads)
        self.runtime, self.dtype = self.path.split(":")
        if self.built != self.path:
            self.scorer = self.make_scorer(self.path)
        if self.runtime == "openvino" and isinstance(model, (str, Path)):
            self._loaded = None  # the PyTorch copy loaded to measure or convert is not needed any more
        self.memo = ScoreMemo(remember) if remember > 0 else None
        logger.debug("predictor: %s on %s, %s threads", self.path, self.device, self.threads or "default")

    @property
    def loaded(self) -> Any:
        """The model on PyTorch (modeling.LoadedModel), loaded on first use: OpenVINO scoring never needs it."""
        if self._loaded is None:
            from mediaframe.model.modeling import load_model

            if self.folder.path is None:
                raise MediaframeError("the predictor holds neither a loaded model nor a model folder")
            self._loaded = load_model(self.folder.path)
        return self._loaded

    def choose_path(self, dtype: str, runtime: str, threads: int | None) -> str:
        """The scoring path: the only one the choices allow, else the fastest that agrees (measured once, cached).

        Raises:
            MediaframeError: OpenVINO asked for where it cannot run (saying why), or an unknown choice.
        """
        why_not = openvino_runtime.unavailable(self.folder) if self.device == "cpu" else "OpenVINO scores on the CPU only"
        if runtime == "openvino" and why_not:
            raise MediaframeError(f"runtime openvino: {why_not}; or use --runtime torch")
        names = candidates(dtype, runtime, self.device, openvino=why_not is None)
        if len(names) == 1:
            return names[0]
        if self.folder.path is not None:
            identity = weights_digest(self.folder.path)
        else:
            from mediaframe.inference.torch_runtime import heads_digest

            identity = heads_digest(self.loaded.model)
        # keyed by the cores rather than the threads of the moment, which follow other processes' load
        key = path_cache_key(identity + json.dumps(self.folder.meta, sort_keys=True, default=str), self.device,
                             threads or physical_cores(), self.batch_size, names)
        prepared = prepared_choice(self.folder.path) if dtype == "auto" else None
        return choose(self.time_calibration, names, key, prepared, self.runs)

    def runs(self, path: str) -> bool:
        """Whether the scoring path `path` can be set up here (for OpenVINO: converted, tried, compiled)."""
        try:
            self.scorer, self.built = self.make_scorer(path), path
        except MediaframeError as exc:
            logger.warning("scoring path %s left out: %s", path, exc)
            return False
        return True

    def make_scorer(self, path: str) -> Any:
        """The object that runs forward passes on the scoring path `path`."""
        runtime, dtype = path.split(":")
        if runtime == "openvino":
            threads = self.threads or physical_cores()
            return openvino_runtime.open_scorer(self.folder, lambda: self.loaded, dtype, threads,
                                                samples=self.quantization_samples,
                                                check=partial(openvino_trial.check, dtype=dtype, threads=threads))
        from mediaframe.inference.torch_runtime import TorchScorer

        return TorchScorer(self.loaded, dtype, self.device, self.threads)

    def time_calibration(self, path: str) -> tuple[float, dict[str, np.ndarray]]:
        """Seconds and labels of the calibration sentences on the scoring path `path` (for auto)."""
        rows = calibration_rows()
        texts, targets = [r["text"] for r in rows], [r["target"] for r in rows]
        mentions = self.mentions.rows(rows, targets)
        self.scorer, self.built = self.make_scorer(path), path
        truncated, batch_size = self.truncated, self.batch_size
        # batches enough to keep every stream or thread busy, as a long run's chunks do
        self.batch_size = min(batch_size, max(8, len(rows) // (4 * (self.threads or physical_cores()))))
        try:
            self.predict_proba(texts, targets, mentions)  # the first pass creates kernels for each new shape: time the next
            seconds = float("inf")
            for _ in range(TIMED_PASSES):
                started = time.perf_counter()
                probs = self.predict_proba(texts, targets, mentions)
                seconds = min(seconds, time.perf_counter() - started)
        finally:
            self.truncated, self.batch_size = truncated, batch_size
        return seconds, {task: values.argmax(1) for task, values in probs.items()}

    def quantization_samples(self) -> list[dict[str, np.ndarray]]:
        """The quantization sentences as the runtime receives them (padded batches), to measure int8 ranges on."""
        rows = openvino_conversion.quantization_rows()  # written sentences, all shorter than any max_length
        targets = [r["target"] for r in rows]
        encoded = self.tokenize([r["text"] for r in rows], targets, self.mentions.rows(rows, targets), list(range(len(rows))))
        return [batch for _, batch in self.batches(encoded)]

    # ------------------------------------------------------------ probabilities

    def predict_proba(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        mentions: Sequence[Sequence[Mapping[str, Any]]] | None = None,
        contexts: Sequence[str | None] | None = None,
    ) -> dict[str, np.ndarray]:
        """Class probabilities per task, one row per input, in input order (`contexts`: each sentence's context, read
        by a model trained to read it, records.sentence_context; None or '' where there is none).

        Identical inputs are scored once (and, with `remember`, inputs met in earlier calls are not scored
        again); inputs scored here that are longer than the model's max_length are truncated and counted in
        `self.truncated`.
        """
        return self.start_proba(texts, targets, mentions, contexts)()

    def start_proba(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        mentions: Sequence[Sequence[Mapping[str, Any]]] | None = None,
        contexts: Sequence[str | None] | None = None,
    ) -> Callable[[], dict[str, np.ndarray]]:
        """`predict_proba` in two steps: this call tokenizes and queues the inputs; the function it returns gives
        their probabilities once scored. Where the scorer runs in its own threads (OpenVINO) the caller can
        prepare the next inputs meanwhile; an input queued but not yet scored is not found in the memory."""
        probs = {task: np.zeros((len(texts), len(self.labels[task])), dtype=np.float32) for task in TASKS}
        if not len(texts):
            return lambda: probs
        read = [cell_text(c) for c in contexts] if contexts is not None and reads_context(self.folder.meta) else None
        unique, inverse, keys = distinct_inputs(texts, targets, mentions, read)
        known = [self.memo.get(key) for key in keys] if self.memo else [None] * len(keys)
        new = [slot for slot, found in enumerate(known) if found is None]
        index = [unique[slot] for slot in new]
        call = (self.start_encoded(self.tokenize([texts[i] for i in index], [targets[i] for i in index], mentions, index,
                                                 read))
                if new else finished_call({task: np.empty((0, len(self.labels[task])), dtype=np.float32) for task in TASKS}))

        def assemble() -> dict[str, np.ndarray]:
            scores = call.wait()
            seen = [slot for slot, found in enumerate(known) if found is not None]
            for task in TASKS:
                slots = scores[task] if not seen else np.empty((len(unique), len(self.labels[task])), dtype=np.float32)
                if seen:
                    slots[new] = scores[task]
                    slots[seen] = np.stack([entry[task] for entry in known if entry is not None])
                probs[task][:] = slots[inverse]
            if self.memo:
                for row, slot in enumerate(new):  # copies: an entry must not be a view holding the whole chunk
                    self.memo.put(keys[slot], {task: scores[task][row].copy() for task in TASKS})
            return probs

        return assemble

    def tokenize(
        self,
        texts: list[str],
        targets: list[str],
        mentions: Sequence[Sequence[Mapping[str, Any]]] | None,
        index: list[int],
        contexts: Sequence[str] | None = None,
    ) -> dict[str, list[list[int]]]:
        """Token ids of every input in one call of the fast tokenizer's Rust backend (the ids of
        `modeling.encode`, without the transformers wrapper's per-row Python work); counts truncated inputs.
        `mentions` and `contexts` cover every input of the call, `index` the ones tokenized here."""
        meta = self.folder.meta
        spans = [list(mentions[i]) for i in index] if mentions is not None else None
        second = [contexts[i] if contexts is not None else "" for i in index] if reads_context(meta) else None
        if self.encoder is None:  # a loaded model with a slow tokenizer
            from mediaframe.model.modeling import encode

            encoded = encode(self.loaded.tokenizer, texts, targets, spans, meta["max_length"], meta["target_mode"],
                             contexts=second)
            self.count_truncated(sum(1 for ids in encoded["input_ids"] if len(ids) >= meta["max_length"]))
            return {"input_ids": encoded["input_ids"], "token_type_ids": encoded.get("token_type_ids") or
                    [[0] * len(ids) for ids in encoded["input_ids"]]}
        mode = meta["target_mode"]
        if mode in ("marked", "marked_pair"):
            texts = [mark_mentions(t, m) for t, m in zip(texts, spans or [[]] * len(texts), strict=True)]
        pairs = targets if mode in PAIR_MODES else second
        inputs: list[Any] = list(zip(texts, pairs, strict=True)) if pairs is not None else texts
        encodings = self.encoder.encode(inputs)
        self.count_truncated(sum(1 for e in encodings if e.overflowing))
        return {"input_ids": [e.ids for e in encodings], "token_type_ids": [e.type_ids for e in encodings]}

    def count_truncated(self, cut: int) -> None:
        self.truncated += cut  # the run's summary reports them

    def settle(self) -> None:
        """Wait until no scoring started by `start_proba` still runs (before the process may exit)."""
        if self.scorer is not None:
            self.scorer.settle()

    def start_encoded(self, encoded: dict[str, list[list[int]]]) -> ScoringCall:
        """Queue tokenized inputs for scoring, sorted by length and padded per batch; returns as soon as the
        scorer has taken the last batch (`wait()` on the call gives the probabilities; see inference.batching)."""
        out = {task: np.zeros((len(encoded["input_ids"]), len(self.labels[task])), dtype=np.float32) for task in TASKS}
        return self.scorer.submit(self.batches(encoded), out)

    def batches(self, encoded: dict[str, list[list[int]]]) -> Batches:
        return padded_batches(encoded, self.batch_size, self.folder.pad_id, int(self.folder.meta["max_length"]))
