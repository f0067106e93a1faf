"""Baselines: majority class, TF-IDF + logistic regression, the weak labeler as a classifier."""

from __future__ import annotations

from typing import Any

import numpy as np

from mediaframe.config import Config
from mediaframe.evaluation.baselines import (
    ABSTAIN,
    BaselineOutput,
    majority_label,
    run_baselines,
    tfidf_lr_probs,
    vader_output,
    weak_output,
    weak_predictions,
)

LABELS = ("against", "neutral", "favor")


def row(text: str, stance: str | None, source: str | None = None) -> dict[str, Any]:
    return {"id": text, "article_id": text, "index": 0, "text": text, "target": "Netflix", "mentions": [],
            "stance": stance, "stance_source": source}


def test_baselines_majority_label_is_most_frequent_and_first_on_ties() -> None:
    assert majority_label(["favor", "neutral", "neutral"]) == "neutral"
    assert majority_label(["favor", "against", "against", "favor"]) == "favor"


def test_baselines_tfidf_learns_a_separable_toy_set() -> None:
    good = ["great show, loved it", "wonderful great series", "loved the great cast"]
    bad = ["terrible awful show", "awful boring series", "terrible cast, hated it"]
    probs = tfidf_lr_probs(good + bad, ["favor"] * 3 + ["against"] * 3, ["a great great show", "awful terrible"],
                           LABELS, seed=0, max_features=1000)
    assert probs.shape == (2, 3)
    assert [LABELS[i] for i in probs.argmax(axis=1)] == ["favor", "against"]
    assert np.all(probs[:, 1] == 0.0), "a label never seen in training gets no probability"


def test_baselines_run_leaves_out_what_cannot_run_with_reasons() -> None:
    rows = [row("netflix is good", "favor")]
    outputs, skipped = run_baselines("stance", LABELS, rows, None, Config(), "no labeler here")
    assert set(outputs) == {"vader"}, "VADER needs no training rows"
    assert skipped == {"majority": "no training rows given", "tfidf_lr": "no training rows given",
                       "weak": "no labeler here"}
    one_class = [row("a", "neutral"), row("b", "neutral")]
    outputs, skipped = run_baselines("stance", LABELS, rows, one_class, Config(), [None])
    assert outputs["majority"].predictions == ["neutral"]
    assert "one stance label" in skipped["tfidf_lr"]


def test_baselines_vader_reads_the_sentence_tone_for_stance_and_sentiment() -> None:
    rows = [row("What a wonderful, brilliant success.", "favor"), row("A terrible, awful failure.", "against"),
            row("The meeting is on Tuesday.", "neutral")]
    assert vader_output("stance", LABELS, rows).predictions == ["favor", "against", "neutral"]
    sentiment = vader_output("sentiment", ("negative", "neutral", "positive"), rows).predictions
    assert sentiment == ["positive", "negative", "neutral"]
    outputs, _ = run_baselines("frame", ("economic", "other"), rows, None, Config(), "none")
    assert "vader" not in outputs, "VADER has no frame"


def test_baselines_weak_abstention_takes_majority_else_counts_wrong() -> None:
    majority = BaselineOutput(["neutral", "neutral", "neutral"])
    with_fallback = weak_output(["favor", None, "against"], LABELS, majority)
    assert with_fallback.predictions == ["favor", "neutral", "against"]
    assert with_fallback.coverage == 2 / 3
    assert weak_output([None], LABELS, None).predictions == [ABSTAIN]


def test_baselines_weak_labeler_reads_each_rows_own_target() -> None:
    text = "Disney praised the deal while critics slammed Netflix for its terrible pay."
    rows = [
        {**row(text, None), "target": "Netflix", "mentions": [{"start": 45, "end": 52, "text": "Netflix"}]},
        {**row(text, None), "target": "Disney", "mentions": [{"start": 0, "end": 6, "text": "Disney"}]},
    ]
    votes = weak_predictions(rows, None, ["stance"], Config())
    assert len(votes["stance"]) == 2
    assert votes["stance"][0] != votes["stance"][1], "one sentence, two targets: the clause around each decides"
