"""Scoring a pandas DataFrame in one call: texts (and targets) in, labels and probabilities out.

For notebook users: `predict_frame(frame, target="Netflix")` scores each row's `text` toward its
`target` column (or the one target given) with the shipped news model, or any model folder, and
returns one row per input row, in order, with the prediction rows' fields (docs/FORMATS.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mediaframe.config import Config, load_config
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.errors import MediaframeError
from mediaframe.predict.prediction_rows import predictor_for, score_rows


def predict_frame(frame: Any, target: str = "", model: str | Path = "news", text_column: str = "text",
                  cfg: Config | None = None) -> Any:
    """Stance, sentiment and frame of every row of `frame`, as a DataFrame in the same order.

    Args:
        frame: a pandas DataFrame with a text column, and optionally `target`, `id`, `article_id`, `index`, `outlet`.
        target: the target of rows without their own `target`.
        model: `news` (the shipped model) or a model folder.
        text_column: the column that holds the sentences.
        cfg: settings (predict.batch_size, dtype, runtime; targets); default: the packaged defaults.

    Raises:
        MediaframeError: no such text column, an empty text, or a row without a target.
    """
    import pandas as pd

    if text_column not in frame.columns:
        raise MediaframeError(f"expected a {text_column!r} column; found {list(frame.columns)}; pass text_column=")
    rows = [dict(row, text=row[text_column]) for row in frame.to_dict(orient="records")]
    for number, row in enumerate(rows):
        if not isinstance(row["text"], str) or not row["text"].strip():
            raise MediaframeError(f"row {number}: empty {text_column!r}; drop or fill the row")
        if not str(row.get("target") or target).strip():
            raise MediaframeError(f"row {number}: no target; pass target= or give the frame a 'target' column")
    cfg = cfg or load_config()
    predictor = predictor_for(model, cfg)
    return pd.DataFrame(score_rows(predictor, MentionFinder(cfg.targets), rows, target), index=frame.index)
