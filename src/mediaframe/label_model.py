"""Aggregating labeling-function votes into one label with a confidence, and scoring the votes.

The label model is a weighted vote in the naive-Bayes form: each function j has a weight
w_j = log(acc_j (K-1) / (1 - acc_j)) from its accuracy (smoothed toward a prior accuracy,
and fit on gold where gold exists), each label a log-prior b_c (from gold, else flat), and
P(c) is the softmax of b_c + sum of w_j over the functions voting c. The confidence is the
winner's probability; when every function abstains the label is None.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import accuracy_score, f1_score

from mediaframe.records import WeakLabel

Votes = dict[str, list[str | None]]  # labeling function name -> one vote (or None) per item
PRIOR_ACCURACY = 0.6  # assumed accuracy of a function that has no gold to be judged on
PRIOR_STRENGTH = 2.0  # pseudo-votes pulling a measured accuracy toward the prior
MAX_WEIGHT = 3.0


@dataclass(frozen=True, slots=True)
class VoteModel:
    labels: tuple[str, ...]
    weights: dict[str, float]
    log_prior: dict[str, float]


def accuracy_weight(correct: float, total: float, k: int) -> float:
    """Log-odds weight of a function that was right `correct` times in `total` votes, over k labels."""
    acc = (correct + PRIOR_STRENGTH * PRIOR_ACCURACY) / (total + PRIOR_STRENGTH)
    acc = min(max(acc, 1e-3), 1 - 1e-3)
    return min(max(math.log(acc * (k - 1) / (1 - acc)), 0.0), MAX_WEIGHT)


def default_model(names: Sequence[str], labels: Sequence[str]) -> VoteModel:
    """Equal weights from the prior accuracy, a flat prior: the model when there is no gold."""
    weight = accuracy_weight(0, 0, len(labels))
    return VoteModel(tuple(labels), {name: weight for name in names}, {label: 0.0 for label in labels})


def fit_model(votes: Votes, gold: Sequence[str | None], labels: Sequence[str]) -> VoteModel:
    """Weights from each function's accuracy on the gold-labeled items; the prior from gold's label counts."""
    k = len(labels)
    weights = {}
    for name, column in votes.items():
        pairs = [(v, g) for v, g in zip(column, gold, strict=True) if v is not None and g is not None]
        weights[name] = accuracy_weight(sum(v == g for v, g in pairs), len(pairs), k)
    counts = Counter(g for g in gold if g is not None)
    total = sum(counts.values())
    log_prior = {label: math.log((counts[label] + 1) / (total + k)) for label in labels}
    mean = sum(log_prior.values()) / k
    return VoteModel(tuple(labels), weights, {label: value - mean for label, value in log_prior.items()})


def aggregate_one(item_votes: dict[str, str | None], model: VoteModel) -> WeakLabel:
    """One item's votes -> a WeakLabel (label, confidence, the functions that voted)."""
    voted = {name: vote for name, vote in item_votes.items() if vote is not None}
    if not voted:
        return WeakLabel(None, 0.0, ())
    scores = dict(model.log_prior)
    for name, vote in voted.items():
        if vote in scores:
            scores[vote] += model.weights.get(name, 0.0)
    top = max(scores.values())
    exp = {label: math.exp(score - top) for label, score in scores.items()}
    label = max(model.labels, key=lambda c: (scores[c], -model.labels.index(c)))
    return WeakLabel(label, round(exp[label] / sum(exp.values()), 4), tuple(sorted(voted)))


def aggregate(votes: Votes, model: VoteModel) -> list[WeakLabel]:
    """Aggregate every item."""
    n = len(next(iter(votes.values()), []))
    return [aggregate_one({name: column[i] for name, column in votes.items()}, model) for i in range(n)]


def cross_validate(
    votes: Votes, gold: Sequence[str | None], groups: Sequence[str], labels: Sequence[str]
) -> list[WeakLabel | None]:
    """Out-of-group labels: for each group with gold, fit on the other groups' gold, label this group.

    Items outside every scored group get None.
    """
    out: list[WeakLabel | None] = [None] * len(gold)
    for group in sorted({g for g, y in zip(groups, gold, strict=True) if y is not None}):
        train_gold = [y if g != group else None for g, y in zip(groups, gold, strict=True)]
        model = fit_model(votes, train_gold, labels)
        held = [i for i, g in enumerate(groups) if g == group]
        for i in held:
            out[i] = aggregate_one({name: column[i] for name, column in votes.items()}, model)
    return out


# ---------------------------------------------------------------- scoring


def function_stats(votes: Votes, gold: Sequence[str | None]) -> list[dict[str, Any]]:
    """Per function: coverage, overlap, conflict (shares of all items) and accuracy against gold."""
    names = list(votes)
    n = len(gold)
    rows = []
    for name in names:
        column = votes[name]
        others = [[votes[o][i] for o in names if o != name and votes[o][i] is not None] for i in range(n)]
        covered = [i for i in range(n) if column[i] is not None]
        judged = [i for i in covered if gold[i] is not None]
        correct = sum(column[i] == gold[i] for i in judged)
        rows.append({
            "name": name,
            "coverage": share(len(covered), n),
            "overlap": share(sum(bool(others[i]) for i in covered), n),
            "conflict": share(sum(any(v != column[i] for v in others[i]) for i in covered), n),
            "gold_votes": len(judged),
            "accuracy": share(correct, len(judged)) if judged else None,
        })
    return rows


def share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def score_labels(predicted: Sequence[WeakLabel | None], gold: Sequence[str | None], labels: Sequence[str]) -> dict[str, Any]:
    """Accuracy and macro-F1 of aggregated labels on the gold items; an abstention counts as wrong.

    Macro-F1 averages over the codebook labels that occur in gold or in the predictions.
    """
    pairs = [(p.label if p is not None else None, g) for p, g in zip(predicted, gold, strict=True) if g is not None]
    if not pairs:
        return {"n": 0, "coverage": 0.0, "accuracy": None, "macro_f1": None}
    y_pred = [p if p is not None else "(abstain)" for p, _ in pairs]
    y_true = [g for _, g in pairs]
    present = [label for label in labels if label in set(y_true) | set(y_pred)]
    return {
        "n": len(pairs),
        "coverage": share(sum(p is not None for p, _ in pairs), len(pairs)),
        "accuracy": round(float(accuracy_score(y_true, y_pred)), 4),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)), 4),
    }
