"""Prediction rows: labels are the most probable class, probabilities are written at 5 digits."""

from __future__ import annotations

import json

import numpy as np

from mediaframe.predict.prediction_rows import prediction_rows
from mediaframe.records import TASKS

LABELS = {"stance": ["against", "neutral", "favor"], "sentiment": ["negative", "neutral", "positive"], "frame": ["a", "b"]}


def test_prediction_rows_write_five_digit_probabilities_and_the_most_probable_label() -> None:
    probs = {
        "stance": np.array([[0.04727, 0.9, 0.05273]], dtype=np.float32),
        "sentiment": np.array([[0.1, 0.2, 0.7]], dtype=np.float32),
        "frame": np.array([[0.333333, 0.666667]], dtype=np.float32),
    }
    [row] = prediction_rows([{"id": "r1", "text": "Netflix posted a job."}], ["Netflix"], [[{"start": 0, "end": 7}]], probs, LABELS)

    assert (row["stance"], row["sentiment"], row["frame"]) == ("neutral", "positive", "b")
    assert row["mentions_target"] is True
    written = json.loads(json.dumps(row))
    assert written["stance_probs"] == {"against": 0.04727, "neutral": 0.9, "favor": 0.05273}
    assert written["frame_probs"] == {"a": 0.33333, "b": 0.66667}
    assert written["sentiment_confidence"] == 0.7
    for task in TASKS:  # no float32 noise in the text users read (0.04727, never 0.047269999980926514)
        assert all(len(repr(p).split(".")[1]) <= 5 for p in written[f"{task}_probs"].values())
