"""Weak labels measured on NewsMTSC: which news adjustments of VADER help, and how the stance rules fare.

NewsMTSC labels the sentiment a sentence expresses toward one target (negative/neutral/positive);
mediaframe reads it as stance toward that target. It is the one large, independent labeled news
set the project has, so the weak labeler's choices are measured here, not on the seed gold:

1. Sentence sentiment (the `sentiment_vader*` rules): plain VADER (thresholds +-0.05) is the
   baseline; each adjustment is added alone and all together. The neutral band is chosen on
   NewsMTSC train and every variant is scored on rw_test (held out). NewsMTSC's label is
   target-dependent, so these are proxies for sentence sentiment: ratios between variants
   are what this measures.
2. Stance: each stance rule's coverage and accuracy, and the aggregated weak stance label with
   the prior model and with the label model fit on NewsMTSC train, scored on rw_test.
3. The label model (naive Bayes over every function's output, abstentions included) against
   the simpler weighted vote (weights from the accuracy of a function's votes), on NewsMTSC
   rw_test (fit on train) and on the seed gold cross-validated by article (fit on 4, score the 5th).

    .venv/bin/python bench/weak_labels.py
"""

from __future__ import annotations

import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score

from mediaframe.config import LabelingConfig, load_config
from mediaframe.corpus.reading import read_articles
from mediaframe.corpus.sentences import corpus_sentences
from mediaframe.labels.codebook import codebook_for, load_codebook
from mediaframe.labels.gold import match_gold, read_gold
from mediaframe.labels.importers import read_newsmtsc
from mediaframe.labels.label_model import (
    aggregate,
    cross_validate,
    default_model,
    fit_model,
    function_stats,
    score_labels,
)
from mediaframe.labels.labeling import collect_votes
from mediaframe.labels.weak_rules import (
    Resources,
    RuleInput,
    build_resources,
    by_sign,
    compound,
    labeling_functions,
    rule_inputs,
    without_names,
)
from mediaframe.records import Mention, Sentence, WeakLabel

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

DATA = REPO_ROOT.parent / "shared" / "benchmarks" / "newsmtsc" / "split_flat"
STANCE_TO_SENTIMENT = {"against": "negative", "neutral": "neutral", "favor": "positive"}
BANDS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def sentences(split: str) -> tuple[list[Sentence], list[str]]:
    rows = read_newsmtsc(DATA / f"{split}.jsonl")
    out = [
        Sentence(r["article_id"], r["index"], r["text"], 0, len(r["text"]), target=r["target"],
                 mentions=tuple(Mention(m["start"], m["end"], m["text"]) for m in r["mentions"]))
        for r in rows
    ]
    return out, [r["stance"] for r in rows]


def macro(gold: list[str], pred: list[str]) -> tuple[float, float]:
    return f1_score(gold, pred, average="macro"), accuracy_score(gold, pred)


Variant = Callable[[RuleInput, Resources, float], str]


def variant(use_names: bool, use_lexicon: bool) -> Variant:
    def label(x: RuleInput, r: Resources, band: float) -> str:
        text = without_names(x.text) if use_names else x.text
        score = compound(r.vader_news if use_lexicon else r.vader, text)
        return by_sign(score, band, "negative", "neutral", "positive") or "neutral"

    return label


def sentiment_variants(train: list[RuleInput], y_train: list[str], test: list[RuleInput], y_test: list[str],
                       r: Resources) -> None:
    print("## Sentence sentiment (VADER variants), NewsMTSC polarity as the label")
    print("| variant | band (fit on train) | train F1m | rw_test F1m | rw_test acc | F1m / baseline |")
    print("|---|---:|---:|---:|---:|---:|")
    base = None
    table = [("plain VADER, band 0.05 (baseline)", variant(False, False), (0.05,)),
             ("+ neutral band", variant(False, False), BANDS),
             ("+ names neutralised", variant(True, False), (0.05,)),
             ("+ news valence lexicon", variant(False, True), (0.05,)),
             ("+ all three (sentiment_vader_news)", variant(True, True), BANDS)]
    for name, fn, bands in table:
        band = max(bands, key=lambda b: macro(y_train, [fn(x, r, b) for x in train])[0])
        f_train = macro(y_train, [fn(x, r, band) for x in train])[0]
        f_test, a_test = macro(y_test, [fn(x, r, band) for x in test])
        base = base or f_test
        print(f"| {name} | {band} | {f_train:.3f} | {f_test:.3f} | {a_test:.3f} | {f_test / base:.2f} |")


def stance_rules(train: list[RuleInput], y_train: list[str], test: list[RuleInput], y_test: list[str],
                 r: Resources) -> None:
    functions = [f for f in labeling_functions() if f.task == "stance"]
    votes_train = collect_votes(train, r, functions, show_progress=False)["stance"]
    votes_test = collect_votes(test, r, functions, show_progress=False)["stance"]
    print("\n## Stance rules on NewsMTSC rw_test (polarity toward the mention as stance)")
    print("| rule | coverage | accuracy (votes) |\n|---|---:|---:|")
    for row in function_stats(votes_test, y_test):
        acc = "-" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
        print(f"| {row['name']} | {row['coverage']:.3f} | {acc} ({row['gold_votes']}) |")
    labels = ["against", "neutral", "favor"]
    default = score_labels(aggregate(votes_test, default_model(list(votes_test), labels)), y_test, labels)
    fitted = score_labels(aggregate(votes_test, fit_model(votes_train, y_train, labels)), y_test, labels)
    vote = score_labels(weighted_vote(votes_train, y_train, votes_test, labels), y_test, labels)
    print("\n| aggregated weak stance on rw_test | coverage | accuracy | macro-F1 |\n|---|---:|---:|---:|")
    rows = (("prior model (no gold)", default), ("label model fit on NewsMTSC train", fitted),
            ("weighted vote fit on NewsMTSC train", vote))
    for name, s in rows:
        print(f"| {name} | {s['coverage']:.3f} | {s['accuracy']:.3f} | {s['macro_f1']:.3f} |")


def weighted_vote(train_votes: dict, gold: list, votes: dict, labels: list[str]) -> list[WeakLabel]:
    """The simpler model: each function weighted by the log-odds of its (smoothed) accuracy, abstentions ignored."""
    weights = {}
    for name, column in train_votes.items():
        pairs = [(v, g) for v, g in zip(column, gold, strict=True) if v is not None and g is not None]
        acc = (sum(v == g for v, g in pairs) + 1.2) / (len(pairs) + 2)
        weights[name] = max(0.0, math.log(acc * (len(labels) - 1) / (1 - acc)))
    counts = Counter(g for g in gold if g is not None)
    prior = {c: math.log((counts[c] + 1) / (sum(counts.values()) + len(labels))) for c in labels}
    out = []
    for i in range(len(next(iter(votes.values())))):
        scores = dict(prior)
        voted = [(name, column[i]) for name, column in votes.items() if column[i] in scores]
        for name, vote in voted:
            scores[vote] += weights[name]
        out.append(WeakLabel(max(labels, key=scores.__getitem__) if voted else None, 0.0))
    return out


def seed_comparison() -> None:
    """Label model against weighted vote on the seed gold, cross-validated by article (no embeddings)."""
    cfg = load_config()
    codebook = codebook_for(cfg.labeling)
    seed = list(corpus_sentences(read_articles(REPO_ROOT / "data" / "seed", cfg.data), "Netflix", cfg))
    gold = match_gold(seed, read_gold(REPO_ROOT / "data" / "gold" / "seed_gold.jsonl", codebook)).matched
    inputs = rule_inputs(seed, cfg.labeling)
    votes = collect_votes(inputs, build_resources(codebook, cfg.labeling), labeling_functions(), False)
    groups = [s.article_id for s in seed]
    print("\n## Label model vs weighted vote, seed gold cross-validated by article (fit on 4, score the 5th)")
    print("| task | model | accuracy | macro-F1 |\n|---|---|---:|---:|")
    for task in ("stance", "sentiment"):
        labels = list(codebook.labels(task))
        y = [getattr(gold[s.id], task) for s in seed]
        vote_cv: list[WeakLabel | None] = [None] * len(y)
        for group in sorted(set(groups)):
            masked = [g if a != group else None for a, g in zip(groups, y, strict=True)]
            fitted = weighted_vote(votes[task], masked, votes[task], labels)
            for i, a in enumerate(groups):
                if a == group:
                    vote_cv[i] = fitted[i]
        for name, pred in (("weighted vote", vote_cv), ("label model", cross_validate(votes[task], y, groups, labels))):
            score = score_labels(pred, y, labels)
            print(f"| {task} | {name} | {score['accuracy']:.3f} | {score['macro_f1']:.3f} |")


def main() -> int:
    if not DATA.is_dir():
        print(f"NewsMTSC not found at {DATA}; nothing to measure", file=sys.stderr)
        return 1
    started = time.perf_counter()
    cfg = LabelingConfig()
    r = build_resources(load_codebook(), cfg)
    s_train, y_train = sentences("train")
    s_test, y_test = sentences("rw_test")
    x_train, x_test = rule_inputs(s_train, cfg), rule_inputs(s_test, cfg)
    print(f"NewsMTSC: {len(x_train)} train targets, {len(x_test)} rw_test targets\n")
    sentiment_variants(x_train, [STANCE_TO_SENTIMENT[y] for y in y_train], x_test,
                       [STANCE_TO_SENTIMENT[y] for y in y_test], r)
    stance_rules(x_train, y_train, x_test, y_test, r)
    seed_comparison()
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
