"""Weak supervision: run the labeling functions, aggregate their votes, let gold override.

    sentences -> rule inputs (clauses, frame similarities) -> votes per function
              -> label model (weights fit on gold where there is gold) -> one weak label per task
              -> gold label where the sentence has one, else the weak label

With gold, the quality of the votes is measured per task: each function's coverage, overlap,
conflict and accuracy, and the aggregated labels' accuracy and macro-F1 with default weights,
with weights fit on all gold (in-sample), and fit on the other articles (cross-validated by
article: the honest figure).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from mediaframe.config import LabelingConfig
from mediaframe.labels.codebook import Codebook
from mediaframe.labels.embeddings import Embedder, normalise_rows
from mediaframe.labels.label_model import (
    VoteModel,
    Votes,
    aggregate,
    cross_validate,
    default_model,
    fit_model,
    function_stats,
    score_labels,
)
from mediaframe.labels.weak_rules import (
    LabelingFunction,
    Resources,
    RuleInput,
    build_resources,
    labeling_functions,
    rule_inputs,
)
from mediaframe.progress import progress
from mediaframe.records import TASKS, GoldLabel, LabeledSentence, Sentence, WeakLabel

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WeakLabeling:
    """The labeled sentences, the label model per task and (with gold) the quality report."""

    labeled: list[LabeledSentence]
    models: dict[str, VoteModel]
    quality: dict[str, Any] | None


def weak_label(
    sentences: Sequence[Sentence],
    codebook: Codebook,
    cfg: LabelingConfig,
    embed: Embedder | None = None,
    gold: dict[str, GoldLabel] | None = None,
    show_progress: bool | None = None,
) -> WeakLabeling:
    """Label every sentence for stance, sentiment and frame; gold labels override weak ones.

    Args:
        sentences: the corpus sentences, in article order.
        codebook: label sets, lexicons and frame prototypes.
        cfg: the labeling section of the config.
        embed: sentence embedder for the frame-similarity rules (None: those rules abstain).
        gold: gold labels by sentence id (matched to these sentences), if any.
        show_progress: progress bar (None: only on a terminal).
    """
    sentences = list(sentences)
    gold = gold or {}
    inputs = rule_inputs(sentences, cfg)
    if embed is not None and sentences:
        inputs = add_frame_similarities(inputs, codebook, embed)
    votes = collect_votes(inputs, build_resources(codebook, cfg), labeling_functions(), show_progress)
    models, weak, quality = {}, {}, {}
    groups = [s.article_id for s in sentences]
    for task in TASKS:
        labels = codebook.labels(task)
        task_gold = [getattr(gold[s.id], task) if s.id in gold else None for s in sentences]
        has_gold = any(g is not None for g in task_gold)
        models[task] = fit_model(votes[task], task_gold, labels) if cfg.fit_weights and has_gold else \
            default_model(list(votes[task]), labels)
        weak[task] = aggregate(votes[task], models[task])
        if gold:
            quality[task] = task_quality(votes[task], task_gold, groups, labels, models[task], cfg.fit_weights)
    labeled = [combine(s, {t: weak[t][i] for t in TASKS}, gold.get(s.id)) for i, s in enumerate(sentences)]
    log_counts(labeled)
    return WeakLabeling(labeled, models, quality if gold else None)


def add_frame_similarities(inputs: list[RuleInput], codebook: Codebook, embed: Embedder) -> list[RuleInput]:
    """Cosine of each sentence to each frame's centroid and to its nearest description/example."""
    keys = [f.key for f in codebook.frames]
    texts = [[f"{f.key.replace('_', ' ')}: {f.description}", *f.examples] for f in codebook.frames]
    flat = [t for frame_texts in texts for t in frame_texts]
    proto = normalise_rows(np.asarray(embed(flat), dtype=np.float32))
    sentence_vecs = normalise_rows(np.asarray(embed([x.text for x in inputs]), dtype=np.float32))
    bounds = np.cumsum([0, *(len(t) for t in texts)])
    spans = list(zip(bounds[:-1], bounds[1:], strict=True))
    centroids = normalise_rows(np.stack([proto[a:b].mean(0) for a, b in spans]))
    to_centroid = sentence_vecs @ centroids.T
    to_proto = sentence_vecs @ proto.T
    nearest = np.stack([to_proto[:, a:b].max(1) for a, b in spans], axis=1)
    return [
        replace(x, frame_prototype=dict(zip(keys, map(float, to_centroid[i]), strict=True)),
                frame_nearest=dict(zip(keys, map(float, nearest[i]), strict=True)))
        for i, x in enumerate(inputs)
    ]


def collect_votes(
    inputs: list[RuleInput], resources: Resources, functions: list[LabelingFunction], show_progress: bool | None
) -> dict[str, Votes]:
    """Every function's vote on every sentence, grouped by task."""
    votes: dict[str, Votes] = {task: {} for task in TASKS}
    for fn in functions:
        votes[fn.task][fn.name] = []
    for x in progress(inputs, "sentences", total=len(inputs), show=show_progress):
        for fn in functions:
            votes[fn.task][fn.name].append(fn.apply(x, resources))
    return votes


def task_quality(
    votes: Votes, gold: list[str | None], groups: list[str], labels: Sequence[str], model: VoteModel, fitted: bool
) -> dict[str, Any]:
    """The quality report of one task (see the module docstring)."""
    default = aggregate(votes, default_model(list(votes), labels))
    report: dict[str, Any] = {
        "gold": sum(g is not None for g in gold),
        "functions": function_stats(votes, gold),
        "weights": {name: round(w, 4) for name, w in model.weights.items()},
        "aggregate": {"default_weights": score_labels(default, gold, labels)},
    }
    if fitted:
        report["aggregate"]["fitted_in_sample"] = score_labels(aggregate(votes, model), gold, labels)
        if len({g for g, y in zip(groups, gold, strict=True) if y is not None}) > 1:
            held_out = cross_validate(votes, gold, groups, labels)
            report["aggregate"]["fitted_cross_validated_by_article"] = score_labels(held_out, gold, labels)
    return report


def combine(sentence: Sentence, weak: dict[str, WeakLabel], gold: GoldLabel | None) -> LabeledSentence:
    """Gold where the sentence has a gold label for the task, else the weak label."""
    labels: dict[str, str | None] = {}
    sources: dict[str, str] = {}
    for task in TASKS:
        gold_label = getattr(gold, task) if gold is not None else None
        label = gold_label if gold_label is not None else weak[task].label
        labels[task] = label
        if label is not None:
            sources[task] = "gold" if gold_label is not None else "weak"
    return LabeledSentence(sentence=sentence, labels=labels, sources=sources, weak=weak)


def log_counts(labeled: list[LabeledSentence]) -> None:
    for task in TASKS:
        by_source = {src: sum(1 for x in labeled if x.sources.get(task) == src) for src in ("gold", "weak")}
        empty = sum(1 for x in labeled if x.labels.get(task) is None)
        logger.info("%s: %d sentences -> %d gold, %d weak, %d empty (all rules abstained)",
                    task, len(labeled), by_source["gold"], by_source["weak"], empty)
