"""Score a trained model on labeled rows, beside the baselines, with bootstrap intervals and calibration.

For each task with labels in the rows: accuracy, macro-F1 with a bootstrap interval, per-class
precision/recall/F1, the confusion matrix and the expected calibration error; the same figures for
the majority-class, weak-labeler and TF-IDF + logistic-regression baselines on the same rows, with a
paired interval of the model's macro-F1 minus each baseline's. The bootstrap resamples articles when
the rows carry article ids (sentences of one article are not independent), else rows.
The figures themselves are computed in stats.metrics; the baselines live in evaluation.baselines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.config import Config, EvaluationConfig
from mediaframe.errors import MediaframeError
from mediaframe.evaluation.baseline_data import baseline_training_rows, read_split
from mediaframe.evaluation.baselines import (
    BASELINES,
    BaselineOutput,
    run_baselines,
    weak_labels_or_reason,
)
from mediaframe.model.modeling import LoadedModel
from mediaframe.records import TASKS
from mediaframe.stats.metrics import r4, score_predictions, score_with_samples
from mediaframe.stats.resampling import percentile_interval

logger = logging.getLogger(__name__)

__all__ = ["EvaluationResult", "TaskRun", "collect", "evaluate", "evaluate_fold_paths", "evaluate_folds", "evaluate_path",
           "score_predictions"]


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
    from mediaframe.inference.predictor import Predictor

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
        [row["text"] for row in rows], [row.get("target") or "" for row in rows], [row.get("mentions") or [] for row in rows],
        [row.get("context") for row in rows],
    )
    weak = weak_labels_or_reason(rows, train_rows, tasks, cfg)
    with_articles = all(row.get("article_id") for row in rows)
    runs = {}
    for task in tasks:
        keep = [i for i, label in enumerate(gold[task]) if label is not None]
        kept = [rows[i] for i in keep]
        labels = tuple(loaded.labels(task))
        task_weak = weak if isinstance(weak, str) else [weak[task][i] for i in keep]
        outputs, skipped = run_baselines(task, labels, kept, train_rows, cfg, task_weak)
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
            "model_minus_baseline": r4(scores["macro_f1"] - figures["macro_f1"]),
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


# ---------------------------------------------------------------- from paths (the `evaluate` command)


def evaluate_path(
    model_dir: Path, data: Path, cfg: Config, split: str | None = None, train: Path | None = None
) -> EvaluationResult:
    """Load a model folder and labeled data, then `evaluate` (what `mediaframe evaluate` runs).

    Args:
        model_dir: a model folder written by `mediaframe train`.
        data: a built dataset folder (its `split`), a NewsMTSC folder or JSONL file, or a labeled table.
        cfg: the configuration.
        split: the split of a dataset folder (default: `evaluation.split`).
        train: the baselines' training rows; default: the model's own (see `baseline_training_rows`).

    Raises:
        MediaframeError: a bad model folder, unreadable data, a missing split, or labels the model lacks.
    """
    from mediaframe.model.modeling import load_model

    loaded = load_model(model_dir)
    split = split or cfg.evaluation.split
    rows = read_split(data, cfg, split)
    train_rows, train_source = baseline_training_rows(loaded.meta, data, cfg, train)
    result = evaluate(loaded, rows, cfg, train_rows)
    result.info.update(model=str(model_dir), data=str(data), split=split if data.is_dir() else None, train=train_source)
    return result


def evaluate_fold_paths(folds: Sequence[tuple[Path, Path]], cfg: Config) -> EvaluationResult:
    """`evaluate_folds` from paths: per fold, a model folder and its fold dataset folder (test split scored).

    The baselines of each fold learn from that fold's training rows, as its model did.
    """
    from mediaframe.model.modeling import load_model

    loaded_folds = []
    for model_dir, fold_dir in folds:
        loaded = load_model(model_dir)
        train_rows, _ = baseline_training_rows(loaded.meta, fold_dir, cfg, None)
        loaded_folds.append((loaded, read_split(fold_dir, cfg, cfg.evaluation.split), train_rows))
    result = evaluate_folds(loaded_folds, cfg)
    result.info.update(models=[str(m) for m, _ in folds], data=[str(d) for _, d in folds])
    return result
