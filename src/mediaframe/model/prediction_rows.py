"""Prediction rows (the Predictions contract): an input row's ids and metadata with its labels and probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mediaframe.records import TASKS

PROB_DIGITS = 5

ROW_FIELDS = ("id", "article_id", "index", "outlet", "date", "author", "title", "url", "text", "target")


def prediction_rows(
    rows: Sequence[Mapping[str, Any]],
    targets: Sequence[str],
    mentions: Sequence[Sequence[Mapping[str, Any]]],
    probs: Mapping[str, np.ndarray],
    labels: Mapping[str, Sequence[str]],
) -> list[dict[str, Any]]:
    """The output rows of scored input rows: each row's label per task is its most probable one."""
    # rounded in float64: a float32 rounded to 5 digits still prints as 0.047269999980926514
    rounded = {task: np.round(probs[task].astype(np.float64), PROB_DIGITS).tolist() for task in TASKS}
    best = {task: probs[task].argmax(1).tolist() for task in TASKS}
    return [
        prediction_row(row, targets[i], mentions[i], {t: rounded[t][i] for t in TASKS}, {t: best[t][i] for t in TASKS}, labels)
        for i, row in enumerate(rows)
    ]


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
