"""Label-prior correction: shift each head's bias so that the model's mean prediction on its
training rows matches their (smoothed) label frequencies.

A model fine-tuned from a first-stage model keeps some of the first stage's label prior: after
NewsMTSC, where a third of the targets are viewed positively, a head fine-tuned on a corpus with
no `favor` sentence still predicts `favor` for upbeat quotes. Adjusting the logits by the ratio of
the target prior to the model's implied prior is the classic prior-shift correction (Saerens,
Latinne and Decaestecker, Neural Computation 14(1), 2002); here the target prior is the training
rows' label frequencies with add-one smoothing, so a label never seen keeps a small chance.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
import torch
from datasets import Dataset

from mediaframe.model.modeling import LoadedModel
from mediaframe.records import TASKS
from mediaframe.training.data import column_or_none

logger = logging.getLogger(__name__)

SMOOTHING = 1.0  # add-one: a label absent from the training rows keeps prior 1 / (n + k)
ROUNDS = 50  # fixed-point rounds; the mean prediction matches the prior to ~1e-4 well before


def correct_label_priors(loaded: LoadedModel, rows: Dataset, batch_size: int = 64) -> dict[str, dict[str, float]]:
    """Add the prior-matching offsets to each head's bias (tasks with labels in `rows`); returns them by label."""
    from mediaframe.inference.predictor import Predictor

    probs = Predictor(loaded, batch_size=batch_size).predict_proba(rows["text"], rows["target"], rows["mentions"],
                                                                     column_or_none(rows, "context"))
    offsets: dict[str, dict[str, float]] = {}
    for task in TASKS:
        labels, given = loaded.labels(task), rows[task]
        keep = [i for i, label in enumerate(given) if label is not None]
        if not keep:
            continue
        found = Counter(given[i] for i in keep)
        counts = np.array([found[label] for label in labels], dtype=np.float64)
        offset = prior_offsets(probs[task][keep], (counts + SMOOTHING) / (counts.sum() + SMOOTHING * len(labels)))
        with torch.no_grad():
            bias = loaded.model.heads[task].bias
            bias += torch.as_tensor(offset, dtype=bias.dtype, device=bias.device)
        offsets[task] = {label: round(float(v), 4) for label, v in zip(labels, offset, strict=True)}
    logger.info("label-prior correction (logit offsets): %s", offsets)
    return offsets


def prior_offsets(probs: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Logit offsets b with mean(softmax(log probs + b)) == prior (fixed point of b += log prior - log mean)."""
    logits = np.log(np.clip(probs, 1e-12, None))
    offset = np.zeros(probs.shape[1])
    for _ in range(ROUNDS):
        shifted = logits + offset
        shifted = np.exp(shifted - shifted.max(axis=1, keepdims=True))
        mean = (shifted / shifted.sum(axis=1, keepdims=True)).mean(axis=0)
        offset += np.log(prior) - np.log(np.clip(mean, 1e-12, None))
    return offset - offset.mean()

