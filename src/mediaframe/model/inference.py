"""Batched scoring of sentences with a trained model: the one scoring path of mediaframe.

`Predictor.predict_proba` is shared by evaluation, prediction and the benchmarks;
`Predictor.predict_rows` (and `__call__` over a pandas DataFrame, for a Ray Data actor)
turns input rows into prediction rows (the Predictions contract). Speed comes from
tokenizing a whole call at once with the fast tokenizer, sorting by token length and
padding per batch, scoring each distinct input once, `torch.inference_mode`, one thread
per physical core and the encoder in bf16 or int8 where that is faster here and agrees (model.precision).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from mediaframe.config import TargetsConfig
from mediaframe.corpus.targets import TargetSpec, find_mentions, resolve_target
from mediaframe.hardware import auto_threads, physical_cores, resolve_device  # noqa: F401 (physical_cores: re-exported)
from mediaframe.model.modeling import LoadedModel, encode, load_model, mark_mentions
from mediaframe.model.precision import (
    cache_key,
    calibration_rows,
    choose_dtype,
    prepare_encoder,
    resolve_dtype,
)
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

ROW_FIELDS = ("id", "article_id", "index", "outlet", "date", "author", "title", "url", "text", "target")
PROB_DIGITS = 5
WARM_UP = 32  # calibration sentences scored before each timed pass


# ---------------------------------------------------------------- the predictor


class Predictor:
    """Scores sentences with one loaded model; build it once (per process or Ray actor), call it often.

    Args:
        loaded: a loaded model, or the path of a model folder (loaded here, once).
        batch_size: most sentences per forward pass (batches are cut by length, so short ones fill up).
        dtype: fp32 (exact), bf16 (the whole encoder), int8 (dynamic quantization, CPU) or auto (the fastest
            that agrees with fp32 on the calibration sentences, measured once per model and machine; see precision).
        device: cpu, cuda or auto.
        threads: torch threads; None keeps torch's setting, 0 picks one per idle physical core (auto_threads).
        targets: aliases/descriptors used to find mentions in rows that come without them.
    """

    def __init__(
        self,
        loaded: LoadedModel | str | Path,
        batch_size: int = 64,
        dtype: str = "fp32",
        device: str = "cpu",
        threads: int | None = None,
        targets: TargetsConfig | None = None,
    ) -> None:
        if threads is not None:
            torch.set_num_threads(threads or auto_threads())
        self.device = resolve_device(device)
        self.loaded = loaded if isinstance(loaded, LoadedModel) else load_model(Path(loaded))
        self.batch_size = max(1, batch_size)
        model = self.loaded.model
        self.heads = {task: model.heads[task].float().to(self.device).eval() for task in TASKS}
        self.labels = {task: self.loaded.labels(task) for task in TASKS}
        self.targets = targets or TargetsConfig()
        self.specs: dict[str, TargetSpec] = {}
        self.backend = rust_tokenizer(self.loaded)
        self.truncated = 0  # inputs cut at the model's max_length, over this predictor's life
        self.dtype = resolve_dtype(dtype, self.device)
        if self.dtype == "auto":
            key = cache_key(model, self.loaded.meta, self.device, self.batch_size)
            self.dtype = choose_dtype(self.time_calibration, self.device, key)
        self.encoder = prepare_encoder(model.encoder, self.dtype, self.device)
        logger.debug("predictor: %s on %s, %d threads", self.dtype, self.device, torch.get_num_threads())

    def time_calibration(self, dtype: str) -> tuple[float, dict[str, np.ndarray]]:
        """Seconds and labels of the calibration sentences with the encoder in `dtype` (for `dtype auto`)."""
        rows = calibration_rows()
        texts, targets = [r["text"] for r in rows], [r["target"] for r in rows]
        mentions = self.rows_mentions(rows, targets)
        self.encoder = prepare_encoder(self.loaded.model.encoder, dtype, self.device)
        truncated = self.truncated
        self.predict_proba(texts[:WARM_UP], targets[:WARM_UP], mentions[:WARM_UP])  # first calls allocate and pick kernels
        started = time.perf_counter()
        probs = self.predict_proba(texts, targets, mentions)
        seconds, self.truncated = time.perf_counter() - started, truncated
        return seconds, {task: values.argmax(1) for task, values in probs.items()}

    # ------------------------------------------------------------ probabilities

    def predict_proba(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        mentions: Sequence[Sequence[Mapping[str, Any]]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Class probabilities per task, one row per input, in input order.

        Identical inputs are scored once; inputs longer than the model's max_length are
        truncated and counted in `self.truncated`.
        """
        probs = {task: np.zeros((len(texts), len(self.labels[task])), dtype=np.float32) for task in TASKS}
        if not len(texts):
            return probs
        unique, inverse = self.distinct_inputs(texts, targets, mentions)
        batch = self.tokenize([texts[i] for i in unique], [targets[i] for i in unique], mentions, unique)
        scores = self.score_encoded(batch)
        for task in TASKS:
            probs[task][:] = scores[task][inverse]
        return probs

    def distinct_inputs(
        self, texts: Sequence[str], targets: Sequence[str], mentions: Sequence[Sequence[Mapping[str, Any]]] | None
    ) -> tuple[list[int], np.ndarray]:
        """Indices of the first occurrence of each distinct input, and each input's slot among them."""
        slots: dict[tuple[Any, ...], int] = {}
        unique: list[int] = []
        inverse = np.empty(len(texts), dtype=np.int64)
        for i, text in enumerate(texts):
            spans = tuple((int(m["start"]), int(m["end"])) for m in mentions[i]) if mentions is not None else ()
            key = (text, targets[i], spans)
            slot = slots.setdefault(key, len(unique))
            if slot == len(unique):
                unique.append(i)
            inverse[i] = slot
        return unique, inverse

    def tokenize(
        self,
        texts: list[str],
        targets: list[str],
        mentions: Sequence[Sequence[Mapping[str, Any]]] | None,
        index: list[int],
    ) -> dict[str, list[list[int]]]:
        """Token ids of every input in one call; counts truncated inputs.

        With a fast tokenizer the Rust backend is called directly (same ids as `modeling.encode`,
        without the per-row Python conversion of the transformers wrapper, which costs as much
        as the tokenization itself).
        """
        meta = self.loaded.meta
        spans = [list(mentions[i]) for i in index] if mentions is not None else None
        if self.backend is None:
            encoded = encode(self.loaded.tokenizer, texts, targets, spans, meta["max_length"], meta["target_mode"])
            self.count_truncated(sum(1 for ids in encoded["input_ids"] if len(ids) >= meta["max_length"]))
            return {key: encoded[key] for key in ("input_ids", "token_type_ids") if key in encoded}
        mode = meta["target_mode"]
        if mode in ("marked", "marked_pair"):
            texts = [mark_mentions(t, m) for t, m in zip(texts, spans or [[]] * len(texts), strict=True)]
        inputs: list[Any] = list(zip(texts, targets, strict=True)) if mode in ("pair", "marked_pair") else texts
        encodings = self.backend.encode_batch(inputs)
        self.count_truncated(sum(1 for e in encodings if e.overflowing))
        return {"input_ids": [e.ids for e in encodings], "token_type_ids": [e.type_ids for e in encodings]}

    def count_truncated(self, cut: int) -> None:
        if cut:
            self.truncated += cut
            logger.debug("%d inputs truncated to max_length=%d tokens", cut, self.loaded.meta["max_length"])

    def score_encoded(self, encoded: dict[str, list[list[int]]]) -> dict[str, np.ndarray]:
        """Probabilities for tokenized inputs: sorted by length, padded per batch."""
        lengths = np.fromiter((len(ids) for ids in encoded["input_ids"]), dtype=np.int64)
        order = np.argsort(lengths, kind="stable")
        out = {task: np.zeros((len(lengths), len(self.labels[task])), dtype=np.float32) for task in TASKS}
        for start in range(0, len(order), self.batch_size):
            index = order[start : start + self.batch_size]
            batch = pad_batch(encoded, index, lengths, self.loaded.tokenizer.pad_token_id or 0)
            for task, values in self.forward(batch).items():
                out[task][index] = values
        return out

    def forward(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """One forward pass: encoder in its precision, pooling and heads in fp32."""
        tensors = {key: torch.from_numpy(value).to(self.device) for key, value in batch.items()}
        with torch.inference_mode():
            hidden = self.encoder(**tensors).last_hidden_state.float()
            pooled = self.loaded.model.pool(hidden, tensors["attention_mask"])
            return {task: torch.softmax(head(pooled), -1).cpu().numpy() for task, head in self.heads.items()}

    # ------------------------------------------------------------ rows

    def predict_rows(self, rows: Sequence[Mapping[str, Any]], default_target: str = "") -> list[dict[str, Any]]:
        """Prediction rows (the Predictions contract) for input rows with `text` and optional metadata.

        A row's own `target` wins over `default_target`; rows without `mentions` get them
        found here from the target's aliases and descriptors.
        """
        targets = [str(row.get("target") or default_target) for row in rows]
        mentions = self.rows_mentions(rows, targets)
        probs = self.predict_proba([str(row["text"]) for row in rows], targets, mentions)
        rounded = {task: np.round(probs[task], PROB_DIGITS).tolist() for task in TASKS}
        best = {task: probs[task].argmax(1).tolist() for task in TASKS}
        return [
            prediction_row(
                row, targets[i], mentions[i], {t: rounded[t][i] for t in TASKS}, {t: best[t][i] for t in TASKS}, self.labels
            )
            for i, row in enumerate(rows)
        ]

    def __call__(self, batch: Any) -> Any:
        """Score a pandas DataFrame of rows into a DataFrame of prediction rows (Ray Data `map_batches`)."""
        import pandas as pd

        return pd.DataFrame(self.predict_rows(batch.to_dict(orient="records")))

    def rows_mentions(self, rows: Sequence[Mapping[str, Any]], targets: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Each row's mentions: its own when given, else found from its target's patterns.

        Rows that carry `article_id` and `index` are read in their article's order, so that a
        description ("the company") counts after a sentence that named the target, as in articles.
        """
        out: list[list[dict[str, Any]]] = [[] for _ in rows]
        last_named: dict[tuple[str, str], int] = {}
        for i in sorted(range(len(rows)), key=lambda i: (article_key(rows[i]), sentence_index(rows[i]))):
            given, target = rows[i].get("mentions"), targets[i]
            if given is not None and not isinstance(given, float):
                out[i] = [dict(m) for m in given]
                continue
            if not target.strip():
                continue
            spec = self.spec(target)
            text, key, index = str(rows[i]["text"]), (article_key(rows[i]), target), sentence_index(rows[i])
            named_recently = bool(key[0]) and index - last_named.get(key, -10**9) <= spec.descriptor_window
            out[i] = [{"start": m.start, "end": m.end, "text": m.text} for m in find_mentions(text, spec, named_recently)]
            if spec.names.search(text):
                last_named[key] = index
        return out

    def spec(self, target: str) -> TargetSpec:
        if target not in self.specs:
            self.specs[target] = resolve_target(target, self.targets)
        return self.specs[target]


def article_key(row: Mapping[str, Any]) -> str:
    """A row's article id; '' when it has none (None, or NaN from a pandas frame)."""
    value = row.get("article_id")
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def sentence_index(row: Mapping[str, Any]) -> int:
    """A row's position in its article (0 when it has none)."""
    try:
        return int(row.get("index") or 0)
    except (TypeError, ValueError):
        return 0


def rust_tokenizer(loaded: LoadedModel) -> Any | None:
    """A private copy of the fast tokenizer's Rust backend, set to truncate like `modeling.encode`; None if slow."""
    backend = getattr(loaded.tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    backend = copy.deepcopy(backend)
    pair = loaded.meta["target_mode"] in ("pair", "marked_pair")
    backend.no_padding()
    backend.enable_truncation(
        loaded.meta["max_length"],
        strategy="only_first" if pair else "longest_first",
        direction=getattr(loaded.tokenizer, "truncation_side", "right"),
    )
    return backend


def pad_batch(
    encoded: dict[str, list[list[int]]], index: np.ndarray, lengths: np.ndarray, pad_id: int
) -> dict[str, np.ndarray]:
    """Right-padded int64 arrays (input_ids, attention_mask, token_type_ids) for the inputs in `index`."""
    width = int(lengths[index].max())
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


def prediction_row(
    row: Mapping[str, Any],
    target: str,
    mentions: Sequence[Mapping[str, Any]],
    probs: Mapping[str, Sequence[float]],
    best: Mapping[str, int],
    labels: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """One output row: ids and metadata of the input, labels (index `best` per task), probabilities, confidences."""
    out: dict[str, Any] = {name: row.get(name, "") for name in ROW_FIELDS}
    out["target"] = target
    out["mentions_target"] = bool(mentions)
    for task in TASKS:
        out[task] = labels[task][best[task]]
    for task in TASKS:
        out[f"{task}_probs"] = dict(zip(labels[task], probs[task], strict=True))
    for task in TASKS:
        out[f"{task}_confidence"] = probs[task][best[task]]
    return out
