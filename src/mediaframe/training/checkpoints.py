"""Resumable training: the fits of one `train` keep checkpoints beside its model folder, and `--resume` goes on.

With `training.checkpoints` on (or `train --resume`), `OUT.checkpoints/` holds:

- `identity.json`: what the run learns from (its settings, the fingerprints of its training and
  validation rows) and where it ran (device, threads, bf16);
- per seed, `seed-N/checkpoint-K/`: the Trainer's two newest checkpoints (weights, optimizer,
  schedule, random state and step, taken at each validation), each completed by the fit's own
  state (`snapshots.safetensors`, then `tracker.json`, written last: a checkpoint without it is
  half-written and passed over);
- per finished seed, `seed-N/fit.safetensors` and `fit.json`: its chosen weights and score (its
  Trainer checkpoints are then removed).

`train --resume` goes on from the newest whole checkpoint of that same run and reads finished seeds
back; another run's folder is refused in one line naming the first difference. The folder is
removed once the model folder is written.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import DatasetDict

from mediaframe.config import UNLEARNED_TRAINING_KEYS, Config
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output
from mediaframe.training.data import fingerprint

logger = logging.getLogger(__name__)

IDENTITY_FILE = "identity.json"
COMPLETE_FILE = "tracker.json"  # the fit's state, written last into a Trainer checkpoint: the checkpoint is whole
SNAPSHOTS_FILE = "snapshots.safetensors"  # the fit's tensors in a Trainer checkpoint (best snapshots, shuffle state)
FIT_FILE = "fit.json"  # a finished fit: its validation score and history, beside FIT_WEIGHTS
FIT_WEIGHTS = "fit.safetensors"
RUNTIME_KEYS = (*UNLEARNED_TRAINING_KEYS, "threads")  # threads: recorded with the hardware instead


def checkpoints_folder(out: Path) -> Path:
    """Where the checkpoints of the training that writes `out` are kept: `OUT.checkpoints` beside it."""
    return out.with_name(f"{out.name}.checkpoints")


def run_identity(cfg: Config, splits: DatasetDict) -> dict[str, Any]:
    """What a run learns from: its settings (not where or how fast it runs), flattened, and its rows' fingerprints."""
    settings = cfg.model_dump(mode="json")
    for key in RUNTIME_KEYS:
        settings["training"].pop(key, None)
    return {"settings": flattened(settings), "rows": {name: fingerprint(splits[name]) for name in ("train", "validation")}}


def flattened(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"training": {"epochs": 2}} -> {"training.epochs": 2}."""
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict) and value:
            flat |= flattened(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@dataclass(frozen=True)
class Checkpoints:
    """The checkpoint folder of one run: per seed, the newest Trainer checkpoints and, once done, the fit."""

    folder: Path

    def seed_folder(self, seed: int) -> Path:
        return self.folder / f"seed-{seed}"

    def trainer_checkpoints(self, seed: int) -> list[Path]:
        """`seed`'s Trainer checkpoints, whole or not, oldest first."""
        from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

        steps = {path: path.name.rpartition("-")[2] for path in self.seed_folder(seed).glob(f"{PREFIX_CHECKPOINT_DIR}-*")}
        return sorted((path for path, step in steps.items() if step.isdigit()), key=lambda path: int(steps[path]))

    def newest(self, seed: int) -> str | None:
        """The newest whole Trainer checkpoint of `seed`'s fit, or None where it has none yet."""
        whole = [path for path in self.trainer_checkpoints(seed) if (path / COMPLETE_FILE).is_file()]
        return str(whole[-1]) if whole else None

    def finished(self, seed: int) -> tuple[dict[str, Any], float, list[dict[str, float]]] | None:
        """(weights, validation score, history) of `seed`'s finished fit, or None."""
        from safetensors.torch import load_file

        done = self.seed_folder(seed)
        if not (done / FIT_FILE).is_file():
            return None
        record = json.loads((done / FIT_FILE).read_text(encoding="utf-8"))
        return load_file(str(done / FIT_WEIGHTS)), float(record["score"]), list(record["history"])

    def keep_finished(self, seed: int, state: dict[str, Any], score: float, history: list[dict[str, float]]) -> None:
        """Record `seed`'s finished fit (weights first, the record last: a record means the weights are whole), then
        drop its Trainer checkpoints."""
        from safetensors.torch import save

        done = self.seed_folder(seed)
        with atomic_output(done / FIT_WEIGHTS, "wb") as handle:
            handle.write(save({k: v.contiguous() for k, v in state.items()}))
        with atomic_output(done / FIT_FILE) as handle:
            handle.write(json.dumps({"score": score, "history": history}))
        for checkpoint in self.trainer_checkpoints(seed):
            shutil.rmtree(checkpoint, ignore_errors=True)

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def save_fit_state(checkpoint: Path, record: dict[str, Any], tensors: dict[str, Any]) -> None:
    """Complete a Trainer checkpoint with the fit's own state: its tensors, then its record (last and whole)."""
    from safetensors.torch import save_file

    save_file({k: v.contiguous() for k, v in tensors.items()}, str(checkpoint / SNAPSHOTS_FILE))
    with atomic_output(checkpoint / COMPLETE_FILE) as handle:
        handle.write(json.dumps(record))


def load_fit_state(checkpoint: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(record, tensors) that `save_fit_state` wrote into `checkpoint`."""
    from safetensors.torch import load_file

    return json.loads((checkpoint / COMPLETE_FILE).read_text(encoding="utf-8")), load_file(str(checkpoint / SNAPSHOTS_FILE))


def open_checkpoints(out: Path, identity: dict[str, Any], hardware: dict[str, Any], resume: bool) -> Checkpoints:
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
        found = json.loads(recorded.read_text(encoding="utf-8"))
        if {key: found.get(key) for key in identity} != identity:
            raise MediaframeError(f"{checkpoints.folder} was made by another training: {first_difference(identity, found)}; "
                                  "resume with the data and settings it was made with, or remove that folder to start over")
        if found.get("hardware") != hardware:
            logger.warning("resuming on %s where the checkpoints were made on %s: the weights may differ slightly from an "
                           "uncut run's", hardware, found.get("hardware"))
        logger.info("resuming the training checkpointed in %s", checkpoints.folder)
        return checkpoints
    if resume:
        logger.info("--resume: no checkpoints at %s yet; training from the start", checkpoints.folder)
    with atomic_output(recorded) as handle:
        handle.write(json.dumps({**identity, "hardware": hardware}, indent=1))
    return checkpoints


def first_difference(identity: dict[str, Any], found: dict[str, Any]) -> str:
    """The first setting, or the rows, that differ from what the checkpoints recorded, in words."""
    made = found.get("settings", {})
    for key, value in identity["settings"].items():
        if key in made and made[key] != value:
            return f"{key} is {value!r}, the checkpoints were made with {made[key]!r}"
    for split, value in identity["rows"].items():
        if found.get("rows", {}).get(split) != value:
            return f"the {split} rows differ from those the checkpoints were made with"
    return "its settings differ from this run's"
