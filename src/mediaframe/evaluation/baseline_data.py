"""The rows evaluation reads: a split to score, and the training rows the baselines learn from.

`read_split` reads the evaluated rows (a dataset folder's split, a labeled table, NewsMTSC JSONL
or a labeled source by name). `baseline_training_rows` rebuilds the model's own training rows
from what its model folder records (data path, config, data fingerprint), so that the majority
and TF-IDF baselines learn from exactly what the model learned from, or from --train when given.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)


def read_split(path: Path, cfg: Config, split: str) -> list[dict[str, Any]]:
    """Rows of a dataset folder's split, or of a NewsMTSC/labeled table file."""
    from mediaframe.labels.registry import SOURCE_LOADERS, load_source
    from mediaframe.training.data import read_folder, read_rows

    if not path.exists() and str(path) in SOURCE_LOADERS:  # a labeled source by name, e.g. narrative_frames_test
        return load_source(str(path), cfg).rows
    if not path.exists():
        raise MediaframeError(f"data {path} not found; pass a built dataset folder, a labeled table, NewsMTSC JSONL "
                              f"or a labeled set's name ({', '.join(SOURCE_LOADERS)})")
    if not path.is_dir():
        return read_rows(path, cfg)
    splits = read_folder(path)
    if split not in splits:
        raise MediaframeError(f"{path}: expected a split {split!r}; found {', '.join(splits)}; choose one with --split")
    return splits[split].to_list()


def recorded_training_data(meta: dict[str, Any]) -> Path | None:
    """The training data path a model folder records in mediaframe.json, if it still exists."""
    data = meta.get("data")
    raw = data.get("path") if isinstance(data, dict) else meta.get("train_data")
    return Path(raw) if isinstance(raw, str) and raw and Path(raw).exists() else None


def baseline_training_rows(
    meta: dict[str, Any], data: Path, cfg: Config, train: Path | None
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The rows the majority and TF-IDF baselines learn from, and where they came from.

    --train when given (its train split, or every row of a file, as is). Else the model's own training
    rows, rebuilt as training built them (the data path it records, else `data` when it is a dataset
    folder, read with the model's config: the same validation hold-out and transfer rows), checked
    against the fingerprint it records.
    """
    from mediaframe.labels.codebook import codebook_for
    from mediaframe.training.data import extra_sources, load_training_data
    from mediaframe.training.train import prepare_splits

    if train is not None:
        return read_split(train, cfg, "train"), str(train)
    path = recorded_training_data(meta) or (data if data.is_dir() else None)
    if path is None:
        logger.warning("no training data known for the majority and TF-IDF baselines; pass --train DATA")
        return None, None
    model_cfg = model_config(meta, cfg)
    dataset, sources = load_training_data(path, model_cfg), extra_sources(model_cfg)
    if model_cfg.training.transfer == "mixed":  # the pooled, weighted train split exactly as training made it
        labels = {task: list(codebook_for(model_cfg.labeling).labels(task)) for task in TASKS}
        rows = prepare_splits(dataset, model_cfg, labels, sources)["train"].to_list()
        check_fingerprint(rows, meta)
    else:  # every row the model learned from: its own and its first stage's
        own = dataset["train"].to_list()
        check_fingerprint(own, meta)
        rows = own + [row for source in sources for row in source.rows]
    logger.info("baselines learn from %s: %d rows", path, len(rows))
    return rows, str(path)


PRE_SOURCES_TRAINING = {"extra_sources": [], "source_weights": {}, "extra_validation_fraction": 0.0}


def model_config(meta: dict[str, Any], fallback: Config) -> Config:
    """The config the model was trained with (mediaframe.json), else `fallback`."""
    from pydantic import ValidationError

    try:
        saved = copy.deepcopy(meta["config"])
        training = saved.setdefault("training", {})
        for key, before in PRE_SOURCES_TRAINING.items():  # a model from before the labeled sources pooled none
            training.setdefault(key, before)
        return Config.model_validate(saved)
    except (KeyError, TypeError, ValidationError):
        return fallback


def check_fingerprint(rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """Warn when the baselines' training rows are not the model's (fingerprint of mediaframe.json)."""
    from mediaframe.training.data import fingerprint, rows_dataset

    recorded = meta.get("data_fingerprint")
    if recorded and fingerprint(rows_dataset(rows)) != recorded:
        logger.warning("the baselines' training rows differ from the model's (data fingerprint mismatch); "
                       "pass the model's training data with --train")
