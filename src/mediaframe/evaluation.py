"""Score a trained model on labeled rows, beside the baselines, with bootstrap intervals and calibration.

For each task with labels in the rows: accuracy, macro-F1 with a bootstrap interval, per-class
precision/recall/F1, the confusion matrix and the expected calibration error; the same figures for
the majority-class, weak-labeler and TF-IDF + logistic-regression baselines on the same rows, with a
paired interval of the model's macro-F1 minus each baseline's. The bootstrap resamples articles when
the rows carry article ids (sentences of one article are not independent), else rows.

Macro-F1 averages over the labels that occur in the gold labels or the predictions of the scored
rows (as scikit-learn does by default), so a frame nobody used does not count as a zero.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.baselines import BASELINES, BaselineOutput, run_baselines
from mediaframe.config import Config, EvaluationConfig
from mediaframe.errors import MediaframeError
from mediaframe.modeling import LoadedModel
from mediaframe.records import TASKS
from mediaframe.resampling import bootstrap_totals, percentile_interval

logger = logging.getLogger(__name__)

__all__ = ["EvaluationResult", "TaskRun", "collect", "evaluate", "evaluate_folds", "score_predictions"]

CELLS_PER_CHUNK = 4_000_000  # bootstrap weights held in memory at once (resamples x units)


# ---------------------------------------------------------------- metrics


def confusion_counts(true: np.ndarray, pred: np.ndarray, units: np.ndarray, n_units: int, k: int) -> np.ndarray:
    """Per unit, the flattened k x (k+1) confusion counts (column k: a prediction outside the labels)."""
    counts = np.zeros((n_units, k * (k + 1)), dtype=np.float64)
    np.add.at(counts, (units, true * (k + 1) + pred), 1.0)
    return counts


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


def bootstrap_scores(counts: np.ndarray, k: int, samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
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
    unit_names, units = np.unique(np.asarray(groups if groups is not None else np.arange(len(true)), dtype=str), return_inverse=True)
    counts = confusion_counts(true, pred, units, len(unit_names), k)
    totals = counts.sum(0).reshape(k, k + 1)
    f1_boot, acc_boot = bootstrap_scores(counts, k, cfg.bootstrap_samples, seed)
    scores = {
        "n": int(len(true)),
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
            "unit": "articles" if groups is not None and len(unit_names) < len(true) else "rows",
            "units": int(len(unit_names)), "samples": cfg.bootstrap_samples, "confidence": cfg.confidence, "seed": seed,
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


# ---------------------------------------------------------------- predictions on rows


@dataclass
class TaskRun:
    """Everything scored for one task: gold labels, model probabilities, baseline answers."""

    labels: tuple[str, ...]
    y_true: list[str]
    groups: list[str] | None
    probs: np.ndarray
    baselines: dict[str, BaselineOutput] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def gold_label(row: dict[str, Any], task: str, sources: Sequence[str]) -> str | None:
    """The row's label of `task` if it comes from an accepted source (rows without a source column count)."""
    source = row.get(f"{task}_source")
    return row.get(task) if source is None or source in sources else None


def check_labels(loaded: LoadedModel, task: str, found: set[str]) -> None:
    """Refuse data whose labels of `task` the model does not know."""
    missing = sorted(found - set(loaded.labels(task)))
    if missing:
        raise MediaframeError(
            f"the data has {task} labels {missing} that the model lacks (model {task} labels: {loaded.labels(task)}); "
            "evaluate with a model trained on this codebook, or map the labels with --set imports.label_map"
        )


def collect(
    loaded: LoadedModel, rows: Sequence[dict[str, Any]], cfg: Config, train_rows: Sequence[dict[str, Any]] | None
) -> dict[str, TaskRun]:
    """Score the rows with the model (one pass for all tasks) and with the baselines, per labeled task.

    Raises:
        MediaframeError: no row carries a usable label, or the data has labels the model lacks.
    """
    from mediaframe.inference import Predictor

    sources = cfg.evaluation.label_sources
    gold = {task: [gold_label(row, task, sources) for row in rows] for task in TASKS}
    tasks = [task for task in TASKS if any(label is not None for label in gold[task])]
    if not tasks:
        raise MediaframeError(
            f"no row of the {len(rows)} evaluated carries a stance, sentiment or frame label from {list(sources)}; "
            "give labeled rows, or add 'weak' with --set evaluation.label_sources='[\"gold\",\"import\",\"weak\"]'"
        )
    for task in tasks:
        check_labels(loaded, task, {label for label in gold[task] if label is not None})
    probs = Predictor(loaded, cfg.evaluation.batch_size).predict_proba(
        [row["text"] for row in rows], [row.get("target") or "" for row in rows], [row.get("mentions") or [] for row in rows]
    )
    with_articles = all(row.get("article_id") for row in rows)
    runs = {}
    for task in tasks:
        keep = [i for i, label in enumerate(gold[task]) if label is not None]
        kept = [rows[i] for i in keep]
        labels = tuple(loaded.labels(task))
        outputs, skipped = run_baselines(task, labels, kept, train_rows, cfg)
        groups = [str(row["article_id"]) for row in kept] if with_articles else None
        runs[task] = TaskRun(labels, [gold[task][i] for i in keep], groups, probs[task][keep], outputs, skipped)
        logger.info("%s: %d of %d rows labeled (%d skipped for this task)", task, len(keep), len(rows), len(rows) - len(keep))
    return runs


def concat_runs(runs: Sequence[dict[str, TaskRun]]) -> dict[str, TaskRun]:
    """Pool the runs of several folds task by task (a baseline counts only where every fold has it)."""
    out = {}
    for task in TASKS:
        parts = [run[task] for run in runs if task in run]
        if not parts:
            continue
        if any(p.labels != parts[0].labels for p in parts):
            raise MediaframeError(f"fold models disagree on the {task} labels; train every fold with one codebook")
        names = [n for n in BASELINES if all(n in p.baselines for p in parts)]
        grouped = all(p.groups is not None for p in parts)
        out[task] = TaskRun(
            parts[0].labels, [y for p in parts for y in p.y_true],
            [g for p in parts for g in p.groups or []] if grouped else None,
            np.concatenate([p.probs for p in parts]), {n: pool_outputs([p.baselines[n] for p in parts]) for n in names},
            {n: r for p in parts for n, r in p.skipped.items()},
        )
    return out


def pool_outputs(outputs: Sequence[BaselineOutput]) -> BaselineOutput:
    sizes = [len(o.predictions) for o in outputs]
    has_probs = all(o.probs is not None for o in outputs)
    return BaselineOutput(
        [p for o in outputs for p in o.predictions],
        np.concatenate([o.probs for o in outputs]) if has_probs else None,  # type: ignore[misc]
        float(np.average([o.coverage for o in outputs], weights=sizes)) if sum(sizes) else 0.0,
    )


# ---------------------------------------------------------------- results


def score_run(run: TaskRun, cfg: EvaluationConfig, seed: int) -> dict[str, Any]:
    """The figures of one task: the model's, then each baseline's with a paired model-minus-baseline interval."""
    y_pred = [run.labels[i] for i in run.probs.argmax(axis=1)]
    scores, model_boot = score_with_samples(run.y_true, y_pred, run.probs, run.labels, seed, run.groups, cfg)
    baselines = {}
    for name in BASELINES:
        if name not in run.baselines:
            continue
        output = run.baselines[name]
        figures, boot = score_with_samples(run.y_true, output.predictions, output.probs, run.labels, seed, run.groups, cfg)
        baselines[name] = {
            **{key: figures[key] for key in ("macro_f1", "macro_f1_ci", "accuracy", "accuracy_ci", "ece")},
            "coverage": r4(output.coverage),
            "model_minus_baseline_ci": [r4(v) for v in percentile_interval(model_boot - boot, cfg.confidence)],
        }
    scores["baselines"] = baselines
    if run.skipped:
        scores["baselines_left_out"] = dict(run.skipped)
    return scores


@dataclass
class EvaluationResult:
    """The figures per task (see `score_predictions`, plus `baselines`) and where they came from."""

    tasks: dict[str, dict[str, Any]]
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """One object per task, as `--json` writes it."""
        return self.tasks

    def table(self) -> Any:
        """A rich renderable: per task, model vs baselines, per-class figures and the confusion matrix."""
        from mediaframe.evaluation_view import result_table

        return result_table(self)


def evaluate(
    loaded: LoadedModel, rows: list[dict[str, Any]], cfg: Config, train_rows: list[dict[str, Any]] | None
) -> EvaluationResult:
    """Score a model and the baselines on labeled rows, task by task.

    Args:
        loaded: the model (modeling.load_model).
        rows: rows with built-dataset columns (text, target, mentions, article_id, labels, *_source).
        cfg: the configuration (evaluation section, seed, labeling for the weak baseline).
        train_rows: the model's training rows, for the majority and TF-IDF baselines (None: left out).

    Raises:
        MediaframeError: no usable label, or labels the model lacks.
    """
    runs = collect(loaded, rows, cfg, train_rows)
    return EvaluationResult({task: score_run(run, cfg.evaluation, cfg.seed) for task, run in runs.items()})


def evaluate_folds(
    folds: Sequence[tuple[LoadedModel, list[dict[str, Any]], list[dict[str, Any]] | None]], cfg: Config
) -> EvaluationResult:
    """Leave-one-article-out style: predictions of each fold's model on its held-out rows, pooled, scored once.

    Args:
        folds: (model, test rows, training rows) per fold.
        cfg: the configuration.
    """
    runs = concat_runs([collect(loaded, rows, cfg, train) for loaded, rows, train in folds])
    result = EvaluationResult({task: score_run(run, cfg.evaluation, cfg.seed) for task, run in runs.items()})
    result.info["folds"] = len(folds)
    return result
