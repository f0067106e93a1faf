"""Classification metrics with bootstrap intervals: accuracy, macro-F1, per-class P/R/F1, confusion, ECE.

Everything is computed from confusion counts, so one bootstrap resample is a weighted sum of
per-unit counts (units: articles, or rows): `resampling.bootstrap_totals` draws all resamples
as one matrix product. Macro-F1 averages over the labels that occur in the gold labels or the
predictions (scikit-learn's default), so a frame nobody used does not count as a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mediaframe.config import EvaluationConfig
from mediaframe.stats.resampling import bootstrap_totals, percentile_interval

CELLS_PER_CHUNK = 4_000_000  # bootstrap weights held in memory at once (resamples x units)


def confusion_counts(true: np.ndarray, pred: np.ndarray, units: np.ndarray, n_units: int, k: int) -> Any:
    """Per unit, the flattened k x (k+1) confusion counts (column k: a prediction outside the labels).

    A sparse matrix: most units hold a few cells (a row-level bootstrap exactly one).
    """
    from scipy.sparse import csr_matrix

    cells = true * (k + 1) + pred
    return csr_matrix((np.ones(len(cells)), (units, cells)), shape=(n_units, k * (k + 1)))


def macro_f1_of(totals: np.ndarray) -> np.ndarray:
    """Macro-F1 of confusion totals (..., k, k+1), over the labels present in gold or predictions."""
    k = totals.shape[-2]
    tp = np.diagonal(totals[..., :k, :k], axis1=-2, axis2=-1)
    both = totals.sum(-1) + totals[..., :k].sum(-2)  # support + predicted
    present = both > 0
    f1 = np.divide(2 * tp, both, out=np.zeros_like(tp), where=present)
    return f1.sum(-1) / np.maximum(present.sum(-1), 1)


def accuracy_of(totals: np.ndarray) -> np.ndarray:
    k = totals.shape[-2]
    tp = np.diagonal(totals[..., :k, :k], axis1=-2, axis2=-1).sum(-1)
    return tp / np.maximum(totals.sum((-1, -2)), 1)


def bootstrap_scores(counts: Any, k: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Macro-F1 and accuracy of `samples` resamples of the units (rows of `counts`), drawn in chunks."""
    rng = np.random.default_rng(seed)
    chunk = max(1, CELLS_PER_CHUNK // max(counts.shape[0], 1))
    f1s, accs = [], []
    for start in range(0, samples, chunk):
        size = min(chunk, samples - start)
        totals = bootstrap_totals(counts, size, rng).reshape(size, k, k + 1)
        f1s.append(macro_f1_of(totals))
        accs.append(accuracy_of(totals))
    return np.concatenate(f1s), np.concatenate(accs)


def expected_calibration_error(probs: np.ndarray, true: np.ndarray, bins: int) -> float:
    """ECE: bins of equal width over the max probability; sum of |accuracy - confidence| weighted by bin size."""
    confidence = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == true).astype(np.float64)
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)
    gap = np.bincount(index, correct, bins) - np.bincount(index, confidence, bins)
    return float(np.abs(gap).sum() / max(len(true), 1))


def per_class(totals: np.ndarray, labels: Sequence[str]) -> dict[str, dict[str, float]]:
    k = len(labels)
    tp = np.diagonal(totals[:k, :k])
    support, predicted = totals.sum(1), totals[:, :k].sum(0)
    precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
    f1 = np.divide(2 * tp, support + predicted, out=np.zeros(k), where=support + predicted > 0)
    return {
        label: {"precision": r4(precision[i]), "recall": r4(recall[i]), "f1": r4(f1[i]), "support": int(support[i])}
        for i, label in enumerate(labels)
    }


def r4(value: float) -> float:
    return round(float(value), 4)


def resampling_units(groups: Sequence[str] | None, n: int, min_articles: int) -> tuple[str, np.ndarray, np.ndarray]:
    """The bootstrap unit ('articles' or 'rows'), the unit names and each row's unit index.

    Rows are resampled when no groups are given, when every group is one row, or when there are fewer
    than `min_articles` groups (an article bootstrap over so few would be degenerate: said in the result).
    """
    if groups is not None:
        names, index = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
        if min_articles <= len(names) < n:
            return "articles", names, index
        if len(names) < min_articles:
            unit = f"rows (only {len(names)} article{'s' if len(names) != 1 else ''})"
            return unit, np.arange(n).astype(str), np.arange(n)
    return "rows", np.arange(n).astype(str), np.arange(n)


def score_with_samples(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    probs: np.ndarray | None,
    labels: Sequence[str],
    seed: int,
    groups: Sequence[str] | None = None,
    cfg: EvaluationConfig | None = None,
) -> tuple[dict[str, Any], np.ndarray]:
    """`score_predictions`, plus the bootstrap macro-F1 values (same seed and groups give the same resamples)."""
    cfg = cfg or EvaluationConfig()
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    true = np.array([index[y] for y in y_true], dtype=np.int64)
    pred = np.array([index.get(y, k) for y in y_pred], dtype=np.int64)
    unit, unit_names, units = resampling_units(groups, len(true), cfg.min_articles)
    counts = confusion_counts(true, pred, units, len(unit_names), k)
    totals = np.asarray(counts.sum(0)).reshape(k, k + 1)
    f1_boot, acc_boot = bootstrap_scores(counts, k, cfg.bootstrap_samples, seed)
    scores = {
        "n": len(true),
        "macro_f1": r4(macro_f1_of(totals)),
        "macro_f1_ci": [r4(v) for v in percentile_interval(f1_boot, cfg.confidence)],
        "accuracy": r4(accuracy_of(totals)),
        "accuracy_ci": [r4(v) for v in percentile_interval(acc_boot, cfg.confidence)],
        "ece": r4(expected_calibration_error(probs, true, cfg.ece_bins)) if probs is not None else None,
        "per_class": per_class(totals, labels),
        "labels": list(labels),
        "confusion": totals[:, :k].astype(int).tolist(),
        "unanswered": int(totals[:, k].sum()),
        "bootstrap": {
            "unit": unit,
            "units": len(unit_names), "samples": cfg.bootstrap_samples, "confidence": cfg.confidence, "seed": seed,
        },
    }
    return scores, f1_boot


def score_predictions(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    probs: np.ndarray | None,
    labels: Sequence[str],
    seed: int,
    groups: Sequence[str] | None = None,
    cfg: EvaluationConfig | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1 with a bootstrap interval, per-class P/R/F1, confusion matrix and ECE.

    Args:
        y_true: gold label names (each one of `labels`).
        y_pred: predicted label names; a name outside `labels` (an abstention) counts as wrong.
        probs: (rows, labels) class probabilities for the calibration error, or None (ECE None).
        labels: the label names, in the order of the confusion matrix and the probability columns.
        seed: seed of the bootstrap.
        groups: a cluster id per row (article ids): the bootstrap resamples clusters; None: rows.
        cfg: bootstrap samples, confidence level and ECE bins (default: EvaluationConfig()).

    Returns:
        n, macro_f1, macro_f1_ci, accuracy, accuracy_ci, ece, per_class, labels, confusion
        (rows: gold, columns: predicted), unanswered and the bootstrap settings.
    """
    return score_with_samples(y_true, y_pred, probs, labels, seed, groups, cfg)[0]
