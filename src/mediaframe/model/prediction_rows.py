"""Prediction rows (the Predictions contract): an input row's ids and metadata with its labels and probabilities."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mediaframe.records import TASKS

ROW_FIELDS = ("id", "article_id", "index", "outlet", "date", "author", "title", "url", "text", "target")


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
