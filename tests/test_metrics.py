"""Metrics on hand-made predictions whose answer is known: F1, bootstrap intervals, calibration."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from mediaframe.config import EvaluationConfig
from mediaframe.stats.metrics import expected_calibration_error, score_predictions

LABELS = ("against", "neutral", "favor")
FAST = EvaluationConfig(bootstrap_samples=200)


def one_hot(y: list[str]) -> np.ndarray:
    return np.eye(len(LABELS))[[LABELS.index(v) for v in y]]


def test_metrics_perfect_predictions_give_one_and_interval_one() -> None:
    y = ["against", "neutral", "favor", "neutral"] * 5
    groups = [f"a{i % 4}" for i in range(len(y))]
    scores = score_predictions(y, y, one_hot(y), LABELS, seed=1, groups=groups, cfg=FAST)
    assert scores["macro_f1"] == 1.0 and scores["accuracy"] == 1.0
    assert scores["macro_f1_ci"] == [1.0, 1.0]
    assert scores["ece"] == 0.0
    assert scores["confusion"] == [[5, 0, 0], [0, 10, 0], [0, 0, 5]]


def test_metrics_majority_predictor_macro_f1_is_known() -> None:
    y = ["neutral"] * 6 + ["against"] * 3 + ["favor"]
    scores = score_predictions(y, ["neutral"] * 10, None, LABELS, seed=1, cfg=FAST)
    # neutral: P 0.6, R 1.0, F1 0.75; against and favor 0: mean over the three present labels
    assert scores["macro_f1"] == pytest.approx(0.25)
    assert scores["accuracy"] == pytest.approx(0.6)
    assert scores["per_class"]["neutral"] == {"precision": 0.6, "recall": 1.0, "f1": 0.75, "support": 6}
    assert scores["ece"] is None


def test_metrics_macro_f1_matches_scikit_learn_and_skips_unused_labels() -> None:
    rng = np.random.default_rng(3)
    labels = ("a", "b", "c", "d", "unused")
    y_true = list(rng.choice(["a", "b", "c", "d"], 300))
    y_pred = list(rng.choice(["a", "b", "c"], 300))
    scores = score_predictions(y_true, y_pred, None, labels, seed=0, cfg=FAST)
    assert scores["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, average="macro"), abs=1e-4)
    assert scores["per_class"]["unused"]["support"] == 0


def test_metrics_abstention_counts_as_wrong_and_is_reported() -> None:
    y = ["against", "favor", "neutral", "favor"]
    scores = score_predictions(y, ["against", "(abstain)", "neutral", "favor"], None, LABELS, seed=0, cfg=FAST)
    assert scores["accuracy"] == 0.75
    assert scores["unanswered"] == 1
    assert scores["per_class"]["favor"]["recall"] == 0.5


def test_metrics_bootstrap_is_seeded_and_resamples_articles() -> None:
    rng = np.random.default_rng(0)
    y_true = list(rng.choice(LABELS, 120))
    y_pred = [v if rng.random() < 0.7 else "neutral" for v in y_true]
    groups = [f"art{i // 10}" for i in range(120)]
    first = score_predictions(y_true, y_pred, None, LABELS, seed=7, groups=groups, cfg=FAST)
    again = score_predictions(y_true, y_pred, None, LABELS, seed=7, groups=groups, cfg=FAST)
    by_rows = score_predictions(y_true, y_pred, None, LABELS, seed=7, cfg=FAST)
    assert first["macro_f1_ci"] == again["macro_f1_ci"]
    assert first["macro_f1_ci"][0] < first["macro_f1"] < first["macro_f1_ci"][1]
    assert first["bootstrap"]["unit"] == "articles" and first["bootstrap"]["units"] == 12
    assert by_rows["bootstrap"]["unit"] == "rows" and by_rows["bootstrap"]["units"] == 120


def calibrated(n: int, rng: np.random.Generator, overconfident: bool) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities whose top class is right with probability equal to its confidence (or never)."""
    confidence = rng.uniform(0.55, 1.0, n)
    predicted = rng.integers(0, 3, n)
    probs = np.full((n, 3), 0.0)
    probs[np.arange(n), predicted] = confidence
    probs[np.arange(n), (predicted + 1) % 3] = 1.0 - confidence
    right = rng.random(n) < confidence if not overconfident else np.zeros(n, dtype=bool)
    true = np.where(right, predicted, (predicted + 2) % 3)
    return probs, true


def test_metrics_ece_of_calibrated_probabilities_is_near_zero() -> None:
    probs, true = calibrated(20_000, np.random.default_rng(0), overconfident=False)
    assert expected_calibration_error(probs, true, 15) < 0.02


def test_metrics_ece_of_overconfident_wrong_probabilities_is_high() -> None:
    probs, true = calibrated(2_000, np.random.default_rng(0), overconfident=True)
    assert expected_calibration_error(probs, true, 15) > 0.6


def test_metrics_too_few_articles_resample_rows_and_say_so() -> None:
    y = ["against", "favor", "neutral", "favor"] * 5
    pred = ["against", "favor", "favor", "neutral"] * 5
    one_article = score_predictions(y, pred, None, LABELS, seed=0, groups=["a"] * 20, cfg=FAST)
    assert one_article["bootstrap"]["unit"] == "rows (only 1 article)"
    assert one_article["macro_f1_ci"][0] < one_article["macro_f1_ci"][1], "not a degenerate interval"
