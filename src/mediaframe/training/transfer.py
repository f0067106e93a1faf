"""Sequential transfer: a stance model trained on the extra stance rows first, then fine-tuned on the data.

With `training.transfer = "sequential"` `training.train` first trains a model on
the extra stance rows alone (e.g. NewsMTSC), validated on a held-out share of their articles,
and then fine-tunes that model on the user's rows. The first-stage model depends only on the
extra rows, the model and training settings and the seed, so it is kept in a cache folder and
reused by later runs (every fold of a cross-validation, every retraining on a growing corpus).
This module names that first stage (its settings, rows and cache folder) and the second stage's
config; `training` trains them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from mediaframe.config import UNLEARNED_TRAINING_KEYS, Config
from mediaframe.errors import MediaframeError
from mediaframe.model.modeling import META_FILE
from mediaframe.training.data import fingerprint, rows_dataset, with_validation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FirstStage:
    """The first-stage model of some extra stance rows: its settings, its rows and its folder in the cache."""

    cfg: Config  # the run's settings for the first stage (see `first_stage_config`)
    rows: Dataset
    folder: Path  # keyed by everything the model depends on (see `cache_key`)
    source: str  # where its rows came from, recorded in its mediaframe.json

    def is_cached(self) -> bool:
        """Whether an earlier run trained it already (it is then reused)."""
        if not (self.folder / META_FILE).is_file():
            return False
        logger.info("transfer: reusing the first-stage stance model %s (same rows and settings)", self.folder)
        return True

    def splits(self) -> DatasetDict:
        """Its train and validation splits (a held-out share of the rows' articles), once its folder can be written.

        Raises:
            MediaframeError: the transfer cache cannot be written.
        """
        try:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MediaframeError(
                f"the transfer cache {self.folder.parent} cannot be written ({exc.strerror}); "
                "set training.transfer_cache to a writable folder"
            ) from None
        logger.info("transfer: training a first-stage stance model on %d extra rows (%s epochs) -> %s",
                    len(self.rows), self.cfg.training.epochs, self.folder)
        return with_validation(DatasetDict({"train": self.rows}), self.cfg)


def first_stage(rows: list[dict[str, Any]], cfg: Config) -> FirstStage:
    """The first stage of a sequential transfer on the extra stance rows `rows`."""
    stage = first_stage_config(cfg)
    train_rows = rows_dataset(rows)
    folder = cache_root(cfg) / cache_key(stage, fingerprint(train_rows))
    return FirstStage(stage, train_rows, folder, f"extra rows: {extra_names(cfg)}")


def second_stage_config(cfg: Config, start: Path) -> Config:
    """`cfg` for the second stage: its base model is the first-stage model folder `start`."""
    return cfg.model_copy(update={"model": cfg.model.model_copy(update={"base_model": str(start)})})


def extra_names(cfg: Config) -> str:
    return ", ".join([cfg.training.extra_stance_data, *cfg.training.extra_sources]).strip(", ")


def first_stage_config(cfg: Config) -> Config:
    """The run's own settings, for `transfer_epochs`: one seed (the top-level one), no transfer, validation file
    or prior correction."""
    training = cfg.training.model_copy(
        update={"epochs": cfg.training.transfer_epochs, "extra_stance_data": "", "extra_sources": [], "validation_data": "", "seeds": [],
                "prior_correction": False}  # the second stage corrects the priors of the final model
    )
    return cfg.model_copy(update={"training": training})


def cache_key(stage: Config, rows_fingerprint: str) -> str:
    """Fingerprint of everything the first-stage model depends on (rows, model, training, seed, codebook)."""
    settings = stage.model_dump(mode="json", include={"seed", "model", "training", "labeling"})
    for key in UNLEARNED_TRAINING_KEYS:
        settings["training"].pop(key, None)
    blob = json.dumps({"rows": rows_fingerprint, "settings": settings}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def cache_root(cfg: Config) -> Path:
    """`training.transfer_cache`, else $XDG_CACHE_HOME/mediaframe/transfer (~/.cache by default)."""
    if cfg.training.transfer_cache:
        return Path(cfg.training.transfer_cache).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "mediaframe" / "transfer"
