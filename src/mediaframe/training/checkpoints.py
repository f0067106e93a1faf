"""Resumable training: the fits of one `train` keep checkpoints beside its model folder, and `--resume` goes on.

With `training.checkpoints` on (or `train --resume`), `OUT.checkpoints/` holds, per seed, the
Trainer's newest checkpoint (weights, optimizer, schedule, random state and step, taken at each
validation) with the validation tracker's state inside it (loop.ValidationTracker), and the
weights of each finished fit. `identity.json` says which run made them: its settings and the
fingerprints of its training and validation rows. `train --resume` goes on from the newest
checkpoint of that same run, skips the seeds already done, and refuses another run's folder in
one line. The folder is removed once the model folder is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import DatasetDict

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.training.data import fingerprint

logger = logging.getLogger(__name__)

IDENTITY_FILE = "identity.json"
COMPLETE_FILE = "tracker.json"  # written last into a Trainer checkpoint (loop.ValidationTracker.on_save): it is whole
FIT_FILE = "fit.json"  # a finished fit: its validation score and history, beside FIT_WEIGHTS
FIT_WEIGHTS = "fit.safetensors"
RUNTIME_KEYS = ("device", "threads", "show_progress", "checkpoints")  # where and how fast, not what is learned


def checkpoints_folder(out: Path) -> Path:
    """Where the checkpoints of the training that writes `out` are kept: `OUT.checkpoints` beside it."""
    return out.with_name(f"{out.name}.checkpoints")


def run_identity(cfg: Config, splits: DatasetDict) -> str:
    """A digest of what a run learns from: its settings (not where or how fast it runs) and its rows."""
    settings = cfg.model_dump(mode="json")
    for key in RUNTIME_KEYS:
        settings["training"].pop(key, None)
    record = {"settings": settings, "train": fingerprint(splits["train"]), "validation": fingerprint(splits["validation"])}
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Checkpoints:
    """The checkpoint folder of one run: per seed, the newest Trainer checkpoint and, once done, the fit."""

    folder: Path

    def seed_folder(self, seed: int) -> Path:
        return self.folder / f"seed-{seed}"

    def newest(self, seed: int) -> str | None:
        """The newest whole Trainer checkpoint of `seed`'s fit (one the tracker's record, written last, completes),
        or None where it has none yet."""
        from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

        folder = self.seed_folder(seed)
        found = folder.glob(f"{PREFIX_CHECKPOINT_DIR}-*") if folder.is_dir() else []
        whole = [path for path in found if path.name.rpartition("-")[2].isdigit() and (path / COMPLETE_FILE).is_file()]
        return str(max(whole, key=lambda path: int(path.name.rpartition("-")[2]))) if whole else None

    def finished(self, seed: int) -> tuple[dict[str, Any], float, list[dict[str, float]]] | None:
        """(weights, validation score, history) of `seed`'s finished fit, or None."""
        from safetensors.torch import load_file

        done = self.seed_folder(seed)
        if not (done / FIT_FILE).is_file():
            return None
        record = json.loads((done / FIT_FILE).read_text(encoding="utf-8"))
        return load_file(str(done / FIT_WEIGHTS)), float(record["score"]), list(record["history"])

    def keep_finished(self, seed: int, state: dict[str, Any], score: float, history: list[dict[str, float]]) -> None:
        """Record `seed`'s finished fit (weights first, the record last: a record means the weights are whole)."""
        from safetensors.torch import save_file

        done = self.seed_folder(seed)
        done.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in state.items()}, str(done / FIT_WEIGHTS))
        (done / FIT_FILE).write_text(json.dumps({"score": score, "history": history}), encoding="utf-8")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def open_checkpoints(out: Path, identity: str, resume: bool) -> Checkpoints:
    """The checkpoint folder of the run writing `out`: new, or (with `resume`) the one an interrupted run left.

    Raises:
        MediaframeError: a folder is there without `resume`, or it was made by a run of other settings or rows.
    """
    checkpoints = Checkpoints(checkpoints_folder(out))
    recorded = checkpoints.folder / IDENTITY_FILE
    if recorded.is_file():
        if not resume:
            raise MediaframeError(f"{checkpoints.folder} holds the checkpoints of an unfinished training; pass --resume to "
                                  "go on from them, or remove that folder to start over")
        found = json.loads(recorded.read_text(encoding="utf-8")).get("identity")
        if found != identity:
            raise MediaframeError(f"{checkpoints.folder} was made by a training of other settings or rows (expected run "
                                  f"{identity[:12]}, found {str(found)[:12]}); resume with the data and settings it was "
                                  "made with, or remove that folder to start over")
        logger.info("resuming the training checkpointed in %s", checkpoints.folder)
        return checkpoints
    if resume:
        logger.info("--resume: no checkpoints at %s yet; training from the start", checkpoints.folder)
    checkpoints.folder.mkdir(parents=True, exist_ok=True)
    recorded.write_text(json.dumps({"identity": identity}), encoding="utf-8")
    return checkpoints
