"""Prediction rows (docs/FORMATS.md): an input row's ids and metadata with its labels and probabilities.

`start_rows` queues sentence rows on a predictor and returns what `prediction_rows` needs once they are
scored; `score_rows` does both at once (the Ray engine, the benchmarks). `predictor_for` is the predictor
the `predict` settings describe, for every command that scores a few sentences in this process.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from mediaframe.config import Config
from mediaframe.corpus.mentions import MentionDicts, MentionFinder, row_targets
from mediaframe.records import TASKS

PROB_DIGITS = 5

ROW_FIELDS = ("id", "article_id", "index", "outlet", "date", "author", "title", "url", "text", "target")


def predictor_for(model: Any, cfg: Config) -> Any:
    """A Predictor of `model` (a folder, `news`, or a loaded model) with the `predict` settings and the targets."""
    from mediaframe.inference.predictor import Predictor

    settings = cfg.predict
    return Predictor(model, settings.batch_size, settings.dtype, threads=settings.threads, runtime=settings.runtime,
                     targets=cfg.targets)


def start_rows(
    predictor: Any, finder: MentionFinder, rows: Sequence[Mapping[str, Any]], default_target: str = ""
) -> tuple[list[str], list[MentionDicts], Callable[[], dict[str, np.ndarray]]]:
    """Each row's target and mentions, and a function that gives its probabilities once scored (Predictor.start_proba)."""
    targets = row_targets(rows, default_target)
    mentions = finder.rows(rows, targets)
    return targets, mentions, predictor.start_proba([str(row["text"]) for row in rows], targets, mentions,
                                                    [row.get("context") for row in rows])


def score_rows(
    predictor: Any, finder: MentionFinder, rows: Sequence[Mapping[str, Any]], default_target: str = ""
) -> list[dict[str, Any]]:
    """Prediction rows for input rows with `text` and optional metadata (a row's own `target` wins)."""
    targets, mentions, probs = start_rows(predictor, finder, rows, default_target)
    return prediction_rows(rows, targets, mentions, probs(), predictor.labels)


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

