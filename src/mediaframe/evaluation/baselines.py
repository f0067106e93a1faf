"""Reference classifiers scored beside the model on the same rows: majority class, TF-IDF + logistic
regression (both fit on the model's training rows), plain VADER, and the weak labeler.

Each baseline answers one task for a list of dataset rows (built-dataset columns) and returns its
predicted label names, with class probabilities where it has them. A baseline that cannot run
(no training rows, one class only, no weak labeler) is left out with the reason, never faked.
`baseline_data.baseline_training_rows` finds the rows they learn from: the model's own training rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.records import TASKS, GoldLabel, Mention, Sentence

logger = logging.getLogger(__name__)

BASELINES: tuple[str, ...] = ("majority", "vader", "weak", "tfidf_lr")
ABSTAIN = "(abstain)"  # a prediction outside every label set: scored as wrong


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


def row_sentence(row: dict[str, Any], prefix: str) -> Sentence:
    """A dataset row as the weak labeler's Sentence (its own target and mentions; ids kept apart by prefix)."""
    mentions = tuple(Mention(int(m["start"]), int(m["end"]), str(m["text"])) for m in row.get("mentions") or [])
    text = str(row["text"])
    return Sentence(f"{prefix}{row.get('article_id') or row.get('id', '')}", int(row.get("index") or 0), text, 0,
                    len(text), target=str(row.get("target") or ""), mentions=mentions)


def row_gold(row: dict[str, Any], sentence_id: str) -> GoldLabel:
    """The gold labels of a training row (labels from other sources left out)."""
    labels = {task: row.get(task) if row.get(f"{task}_source") == "gold" else None for task in TASKS}
    return GoldLabel(sentence_id, str(row["text"]), **labels)


def weak_predictions(
    rows: Sequence[dict[str, Any]], train_rows: Sequence[dict[str, Any]] | None, tasks: Sequence[str], cfg: Config
) -> dict[str, list[str | None]]:
    """The weak labeler's label per row and task (None: every labeling function abstained).

    The vote weights are fit on the gold labels of the training rows only (when `labeling.fit_weights`),
    never on the evaluated rows; each row is labeled with its own target and mentions.

    Raises:
        ImportError: the labeling module is not available.
    """
    from mediaframe.labels.codebook import codebook_for
    from mediaframe.labels.labeling import weak_label

    gold_rows = [r for r in train_rows or [] if any(r.get(f"{t}_source") == "gold" for t in TASKS)]
    gold_rows = gold_rows if cfg.labeling.fit_weights else []
    sentences = [row_sentence(r, "eval/") for r in rows] + [row_sentence(r, "train/") for r in gold_rows]
    gold = {s.id: row_gold(r, s.id) for s, r in zip(sentences[len(rows):], gold_rows, strict=True)}
    embed = frame_embedder(cfg) if "frame" in tasks else None
    labeled = weak_label(sentences, codebook_for(cfg.labeling), cfg.labeling, embed, gold or None, show_progress=False)
    return {task: [x.weak[task].label for x in labeled.labeled[: len(rows)]] for task in tasks}


def frame_embedder(cfg: Config) -> Any:
    """The sentence embedder of the frame-similarity rules (None, with a warning, when it cannot be loaded)."""
    from mediaframe.labels.embeddings import load_embedder

    try:
        return load_embedder(cfg.labeling.embedding_model, cfg.labeling.embedding_batch_size)
    except MediaframeError as exc:
        logger.warning("weak baseline: frame-similarity rules abstain: %s", exc)
        return None


def weak_labels_or_reason(
    rows: Sequence[dict[str, Any]], train_rows: Sequence[dict[str, Any]] | None, tasks: Sequence[str], cfg: Config
) -> dict[str, list[str | None]] | str:
    """`weak_predictions`, or the reason the weak baseline cannot run."""
    try:
        return weak_predictions(rows, train_rows, tasks, cfg)
    except ImportError as exc:
        return f"the weak labeler is not available ({exc})"


def run_baselines(
    task: str,
    labels: Sequence[str],
    rows: Sequence[dict[str, Any]],
    train_rows: Sequence[dict[str, Any]] | None,
    cfg: Config,
    weak: Sequence[str | None] | str,
) -> tuple[dict[str, BaselineOutput], dict[str, str]]:
    """Every baseline's answers for `rows` on one task.

    Args:
        task: stance, sentiment or frame.
        labels: the model's label names of the task (the order of probability columns).
        rows: the evaluated rows.
        train_rows: the model's training rows (None: unknown, so majority and TF-IDF are left out).
        cfg: the configuration (seed, evaluation).
        weak: the weak labeler's labels for `rows` (see `weak_predictions`), or why it could not run.

    Returns:
        The outputs by baseline name, and the reason for each baseline left out.
    """
    outputs, skipped = trained_baselines(task, labels, rows, train_rows, cfg)
    if task in VADER_TASKS:
        outputs["vader"] = vader_output(task, labels, rows)
    if isinstance(weak, str):
        skipped["weak"] = weak
    else:
        outputs["weak"] = weak_output(weak, labels, outputs.get("majority"))
    for name, reason in skipped.items():
        logger.info("%s baseline %s left out: %s", task, name, reason)
    return outputs, skipped


VADER_TASKS = ("stance", "sentiment")
VADER_BAND = 0.05  # the compound score's usual neutral band (Hutto and Gilbert, 2014)


def vader_output(task: str, labels: Sequence[str], rows: Sequence[dict[str, Any]]) -> BaselineOutput:
    """Plain VADER on the whole sentence: compound above the band is favor/positive, below it against/negative."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    negative, neutral, positive = ("against", "neutral", "favor") if task == "stance" else ("negative", "neutral", "positive")
    predictions = []
    for row in rows:
        compound = analyzer.polarity_scores(str(row["text"]))["compound"]
        predictions.append(positive if compound > VADER_BAND else negative if compound < -VADER_BAND else neutral)
    return BaselineOutput([p if p in labels else labels[0] for p in predictions])


def trained_baselines(
    task: str,
    labels: Sequence[str],
    rows: Sequence[dict[str, Any]],
    train_rows: Sequence[dict[str, Any]] | None,
    cfg: Config,
) -> tuple[dict[str, BaselineOutput], dict[str, str]]:
    """The majority-class and TF-IDF baselines (fit on the training rows' labels of `task`) and why any is left out."""
    train = [(row, label) for row, label in task_labels(train_rows or [], task) if label in labels]
    if not train:
        reason = "no training rows given" if train_rows is None else f"no {task} labels in the training rows"
        return {}, {"majority": reason, "tfidf_lr": reason}
    outputs = {"majority": BaselineOutput([majority_label([label for _, label in train])] * len(rows))}
    if len({label for _, label in train}) < 2:
        return outputs, {"tfidf_lr": f"the training rows hold one {task} label only"}
    probs = tfidf_lr_probs(
        [row["text"] for row, _ in train], [label for _, label in train], [row["text"] for row in rows],
        labels, cfg.seed, cfg.evaluation.tfidf_max_features,
    )
    outputs["tfidf_lr"] = BaselineOutput([labels[i] for i in probs.argmax(axis=1)], probs)
    return outputs, {}


def weak_output(votes: Sequence[str | None], labels: Sequence[str], majority: BaselineOutput | None) -> BaselineOutput:
    """The weak labeler as a classifier: an abstention takes the training majority class, else counts as wrong."""
    fallback = majority.predictions[0] if majority is not None and majority.predictions else ABSTAIN
    predictions = [v if v is not None and v in labels else fallback for v in votes]
    answered = sum(v is not None for v in votes)
    return BaselineOutput(predictions, None, answered / len(votes) if votes else 0.0)
