"""Batched scoring of sentences with a trained model.

`Predictor.predict_proba` is the one scoring path that evaluation, prediction and the
benchmarks share.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from mediaframe.modeling import LoadedModel, encode
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)


class Predictor:
    """Scores (sentence, target, mentions) inputs with one loaded model."""

    def __init__(self, loaded: LoadedModel, batch_size: int = 64) -> None:
        self.loaded = loaded
        self.batch_size = batch_size

    def predict_proba(
        self,
        texts: Sequence[str],
        targets: Sequence[str],
        mentions: Sequence[Sequence[dict[str, Any]]] | None = None,
    ) -> dict[str, np.ndarray]:
        """Class probabilities per task, one row per input, in input order."""
        meta = self.loaded.meta
        order = np.argsort([len(t) for t in texts], kind="stable")
        probs = {task: np.zeros((len(texts), len(meta["labels"][task])), dtype=np.float32) for task in TASKS}
        for start in range(0, len(texts), self.batch_size):
            index = order[start : start + self.batch_size]
            batch = encode(
                self.loaded.tokenizer,
                [texts[i] for i in index],
                [targets[i] for i in index],
                [mentions[i] for i in index] if mentions is not None else None,
                meta["max_length"],
                meta["target_mode"],
                padding=True,
            )
            with torch.inference_mode():
                out = self.loaded.model(**{k: torch.tensor(v) for k, v in batch.items()})
            for task in TASKS:
                probs[task][index] = torch.softmax(out[f"{task}_logits"].float(), -1).numpy()
        return probs
