"""Reference classifiers scored beside the model on the same rows: majority class, TF-IDF + logistic
regression (both fit on the model's training rows), and the weak labeler.

Each baseline answers one task for a list of dataset rows (built-dataset columns) and returns its
predicted label names, with class probabilities where it has them. A baseline that cannot run
(no training rows, one class only, no weak labeler) is left out with the reason, never faked.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediaframe.config import Config

logger = logging.getLogger(__name__)

BASELINES: tuple[str, ...] = ("majority", "weak", "tfidf_lr")


@dataclass(frozen=True)
class BaselineOutput:
    """One baseline's answers for the evaluated rows of one task."""

    predictions: list[str]
    probs: np.ndarray | None = None  # (rows, labels) in the model's label order, where the baseline has them
    coverage: float = 1.0  # share of rows the baseline answered itself (the weak labeler may abstain)


def task_labels(rows: Sequence[dict[str, Any]], task: str) -> list[tuple[dict[str, Any], str]]:
    """(row, label) for the rows that carry a label of `task`, whatever its source."""
    return [(row, row[task]) for row in rows if row.get(task) is not None]


def majority_label(labels: Sequence[str]) -> str:
    """The most frequent label (ties go to the one seen first)."""
    counts = Counter(labels)
    top = max(counts.values())
    return next(label for label in labels if counts[label] == top)


def tfidf_lr_probs(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    texts: Sequence[str],
    labels: Sequence[str],
    seed: int,
    max_features: int,
) -> np.ndarray:
    """Fit TF-IDF (word 1-2 grams, sublinear tf) + class-balanced logistic regression; class probabilities.

    Returns:
        (len(texts), len(labels)) probabilities in `labels` order; a label never seen in training gets 0.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=max_features),
        LogisticRegression(max_iter=2000, class_weight="balanced", random_state=seed),
    )
    pipeline.fit(list(train_texts), list(train_labels))
    fitted = pipeline.predict_proba(list(texts))
    probs = np.zeros((len(texts), len(labels)), dtype=np.float64)
    for column, label in enumerate(pipeline.classes_):
        if label in labels:
            probs[:, list(labels).index(label)] = fitted[:, column]
    return probs


def weak_predictions(rows: Sequence[dict[str, Any]], task: str, cfg: Config) -> list[str | None]:
    """The weak labeler's label (None: it abstained) for each row, each with its own target and mentions.

    Raises:
        ImportError: the labeling module is not available.
    """
    from mediaframe.labeling import weak_labels_for_rows

    return weak_labels_for_rows(list(rows), task, cfg)


def run_baselines(
    task: str,
    labels: Sequence[str],
    rows: Sequence[dict[str, Any]],
    train_rows: Sequence[dict[str, Any]] | None,
    cfg: Config,
) -> tuple[dict[str, BaselineOutput], dict[str, str]]:
    """Every baseline's answers for `rows` on one task.

    Args:
        task: stance, sentiment or frame.
        labels: the model's label names of the task (the order of probability columns).
        rows: the evaluated rows.
        train_rows: the model's training rows (None: unknown, so majority and TF-IDF are left out).
        cfg: the configuration (seed, evaluation, labeling).

    Returns:
        The outputs by baseline name, and the reason for each baseline left out.
    """
    outputs: dict[str, BaselineOutput] = {}
    skipped: dict[str, str] = {}
    train = task_labels(train_rows or [], task)
    train = [(row, label) for row, label in train if label in labels]
    if not train:
        reason = "no training rows given" if train_rows is None else f"no {task} labels in the training rows"
        skipped.update({"majority": reason, "tfidf_lr": reason})
    else:
        majority = majority_label([label for _, label in train])
        outputs["majority"] = BaselineOutput([majority] * len(rows))
        if len({label for _, label in train}) < 2:
            skipped["tfidf_lr"] = f"the training rows hold one {task} label only"
        else:
            probs = tfidf_lr_probs(
                [row["text"] for row, _ in train], [label for _, label in train], [row["text"] for row in rows],
                labels, cfg.seed, cfg.evaluation.tfidf_max_features,
            )
            outputs["tfidf_lr"] = BaselineOutput([labels[i] for i in probs.argmax(axis=1)], probs)
    weak = weak_output(task, labels, rows, cfg, outputs.get("majority"))
    if isinstance(weak, str):
        skipped["weak"] = weak
    else:
        outputs["weak"] = weak
    for name, reason in skipped.items():
        logger.info("%s baseline %s left out: %s", task, name, reason)
    return outputs, skipped


def weak_output(
    task: str, labels: Sequence[str], rows: Sequence[dict[str, Any]], cfg: Config, majority: BaselineOutput | None
) -> BaselineOutput | str:
    """The weak labeler as a classifier: an abstention takes the training majority class (else counts as wrong).

    Returns:
        The output, or the reason it is left out.
    """
    try:
        votes = weak_predictions(rows, task, cfg)
    except ImportError:
        return "the labeling module (weak labeler) is not available"
    fallback = majority.predictions[0] if majority is not None else None
    answered = sum(v is not None for v in votes)
    predictions = [v if v is not None and v in labels else (fallback or "(abstain)") for v in votes]
    return BaselineOutput(predictions, None, answered / len(votes) if votes else 0.0)
