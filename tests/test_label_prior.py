"""Label-prior correction: head biases shifted so mean predictions match the training label frequencies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from datasets import Dataset

from mediaframe.inference.predictor import Predictor
from mediaframe.model.modeling import load_model
from mediaframe.training.label_prior import correct_label_priors, prior_offsets


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_label_prior_offsets_make_the_mean_prediction_match_the_prior() -> None:
    probs = softmax(np.random.default_rng(0).normal(size=(200, 3)) + np.array([0.0, 0.0, 2.0]))  # over-predicts label 2
    prior = np.array([0.3, 0.69, 0.01])
    offsets = prior_offsets(probs, prior)
    assert np.allclose(softmax(np.log(probs) + offsets).mean(axis=0), prior, atol=1e-3)
    assert offsets[2] < 0 < offsets[1]


def test_label_prior_offsets_are_zero_when_the_model_already_matches() -> None:
    probs = softmax(np.random.default_rng(1).normal(size=(100, 4)))
    assert np.allclose(prior_offsets(probs, probs.mean(axis=0)), 0.0, atol=1e-6)


def test_label_prior_correction_shifts_head_biases_toward_the_rows_labels(tiny_model_copy: Path) -> None:
    loaded = load_model(tiny_model_copy)
    texts = [f"netflix said item {i} of the plan." for i in range(12)]
    rows = Dataset.from_list([
        {"text": t, "target": "Netflix", "mentions": [], "stance": "neutral" if i % 4 else "against",
         "sentiment": None, "frame": None} for i, t in enumerate(texts)
    ])
    frame_bias = loaded.model.heads["frame"].bias.clone()
    offsets = correct_label_priors(loaded, rows)
    assert set(offsets) == {"stance"}, "only tasks with labels in the rows are corrected"
    assert torch.equal(loaded.model.heads["frame"].bias, frame_bias)
    mean = Predictor(loaded).predict_proba(texts, ["Netflix"] * 12, [[]] * 12)["stance"].mean(axis=0)
    labels = loaded.labels("stance")
    expected = {"against": 4 / 15, "neutral": 10 / 15, "favor": 1 / 15}  # (count + 1) / (12 + 3)
    assert all(abs(mean[labels.index(k)] - v) < 1e-3 for k, v in expected.items())
