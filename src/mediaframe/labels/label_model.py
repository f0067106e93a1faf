"""Aggregating labeling-function votes into one label with a confidence, and scoring the votes.

The label model is naive Bayes over the functions' outputs (a Dawid-Skene-style model fit
with labels): for each function j and true label c, P(output_j | c) over the labels and
"abstain", and a prior P(c). Where gold exists both are counted on it, smoothed toward a
symmetric prior (a function votes half the time and is right 60% of the time when it votes);
without gold the prior alone is used, which is a plain equal-weight vote. An item's label is
argmax_c log P(c) + sum_j log P(output_j | c); its confidence is that label's posterior. When
every function abstains the label is None.

Counting abstentions and wrong-way votes lets a fitted model learn, for example, that on a
sarcastic corpus a positive-valence vote comes with `against` gold (bench/weak_labels.py and
docs/BENCHMARKS.md compare this with a weighted vote of correct votes only).
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
Outputs = dict[str | None, float]  # a function's output (a label, or None: abstain) -> log probability
PRIOR_ACCURACY = 0.6  # assumed accuracy of a function's votes, before gold
PRIOR_COVERAGE = 0.5  # assumed share of items a function votes on, before gold
PRIOR_STRENGTH = 2.0  # pseudo-items per true label pulling the counts toward those priors


@dataclass(frozen=True, slots=True)
class VoteModel:
    labels: tuple[str, ...]
    log_likelihood: dict[str, dict[str, Outputs]]  # function -> true label -> output -> log P(output | label)
    log_prior: dict[str, float]

    @property
    def weights(self) -> dict[str, float]:
        """Per function, the mean evidence (log-likelihood ratio) a vote for c gives c over the other labels."""
        out = {}
        for name, table in self.log_likelihood.items():
            ratios = []
            for c in self.labels:
                others = [math.exp(table[o][c]) for o in self.labels if o != c]
                ratios.append(table[c][c] - math.log(sum(others) / len(others)))
            out[name] = sum(ratios) / len(ratios)
        return out


def prior_outputs(label: str, labels: Sequence[str]) -> dict[str | None, float]:
    """The assumed P(output | label) of a function with no gold: abstain half the time, right 60% when voting."""
    wrong = (1 - PRIOR_ACCURACY) / max(1, len(labels) - 1)
    return {None: 1 - PRIOR_COVERAGE, **{v: PRIOR_COVERAGE * (PRIOR_ACCURACY if v == label else wrong) for v in labels}}


def function_table(column: Sequence[str | None], gold: Sequence[str | None], labels: Sequence[str]) -> dict[str, Outputs]:
    """log P(output | label) of one function, counted on the gold items and smoothed toward the prior."""
    table = {}
    for label in labels:
        counts = Counter(v if v in labels else None for v, g in zip(column, gold, strict=True) if g == label)
        total = sum(counts.values())
        prior = prior_outputs(label, labels)
        table[label] = {v: math.log((counts[v] + PRIOR_STRENGTH * p) / (total + PRIOR_STRENGTH)) for v, p in prior.items()}
    return table


def default_model(names: Sequence[str], labels: Sequence[str]) -> VoteModel:
    """The prior model (no gold): every function alike, a flat label prior."""
    return fit_model({name: [] for name in names}, [], labels)


def fit_model(votes: Votes, gold: Sequence[str | None], labels: Sequence[str]) -> VoteModel:
    """Fit P(output | label) per function and P(label) on the gold-labeled items (None gold is skipped)."""
    k = len(labels)
    tables = {name: function_table(column, gold, labels) for name, column in votes.items()}
    counts = Counter(g for g in gold if g is not None)
    total = sum(counts.values())
    log_prior = {label: math.log((counts[label] + 1) / (total + k)) for label in labels}
    return VoteModel(tuple(labels), tables, log_prior)


def aggregate_one(item_votes: dict[str, str | None], model: VoteModel) -> WeakLabel:
    """One item's votes -> a WeakLabel (label, confidence, the functions that voted)."""
    voted = sorted(name for name, vote in item_votes.items() if vote is not None)
    if not voted:
        return WeakLabel(None, 0.0, ())
    scores = dict(model.log_prior)
    for name, vote in item_votes.items():
        table = model.log_likelihood.get(name)
        if table is not None:
            for label in model.labels:
                scores[label] += table[label][vote if vote in model.labels else None]
    top = max(scores.values())
    total = sum(math.exp(score - top) for score in scores.values())
    label = max(model.labels, key=lambda c: (scores[c], -model.labels.index(c)))
    return WeakLabel(label, round(math.exp(scores[label] - top) / total, 4), tuple(voted))


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


def score_labels(
    predicted: Sequence[WeakLabel | None], gold: Sequence[str | None], labels: Sequence[str]
) -> dict[str, Any]:
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
