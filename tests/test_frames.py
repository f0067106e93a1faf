"""predict_frame: a DataFrame of texts in, one row of labels and probabilities per text out, in order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mediaframe.errors import MediaframeError
from mediaframe.predict.frames import predict_frame
from mediaframe.records import TASKS


def test_frames_rows_keep_their_order_index_and_own_targets(tiny_model_dir: Path) -> None:
    frame = pd.DataFrame({"text": ["Netflix praised the writers.", "Orbital Foods was bad.", "It was terrible."],
                          "target": ["", "Orbital Foods", None], "outlet": ["A", "B", "A"]}, index=[7, 3, 5])
    out = predict_frame(frame, target="Netflix", model=tiny_model_dir)
    assert list(out.index) == [7, 3, 5]
    assert list(out["target"]) == ["Netflix", "Orbital Foods", "Netflix"]
    assert list(out["mentions_target"]) == [True, True, False]
    assert list(out["outlet"]) == ["A", "B", "A"]
    for task in TASKS:
        assert out[f"{task}_probs"].map(lambda p: abs(sum(p.values()) - 1) < 1e-3).all()


@pytest.mark.parametrize(("frame", "message"), [
    (pd.DataFrame({"body": ["x"]}), "expected a 'text' column"),
    (pd.DataFrame({"text": ["  "]}), "row 0: empty 'text'"),
    (pd.DataFrame({"text": ["Netflix won."]}), "row 0: no target"),
])
def test_frames_bad_input_is_one_clear_error(tiny_model_dir: Path, frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(MediaframeError, match=message):
        predict_frame(frame, model=tiny_model_dir)
