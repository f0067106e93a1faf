"""What one fit keeps of its validations: the k best snapshots, early stopping, and (with checkpoints) its own state.

`ValidationTracker` is a Trainer callback: it logs one line per validation, keeps the k best
weight snapshots in memory and stops after `patience` validations without a better macro-F1.
With checkpoints it completes each Trainer checkpoint with that state (training.checkpoints),
and with the random state each epoch's shuffle was drawn from: the Trainer draws the
length-grouped order of an epoch from the global random state before it restores a
checkpoint's, so a run resumed in mid-epoch draws it from the recorded state instead
(`RecordedShuffle`), and sees the batches an uncut run saw.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch
from transformers import TrainerCallback

from mediaframe.records import TASKS
from mediaframe.training.checkpoints import load_fit_state, save_fit_state
from mediaframe.training.optimization import State

logger = logging.getLogger(__name__)

TIMING_KEYS = ("runtime", "per_second")  # left out of the recorded history: they differ run to run
SHUFFLE_KEY = "shuffle_rng"  # the random state the current epoch's order was drawn from, among the saved tensors


class ValidationTracker(TrainerCallback):
    """Logs one line per validation, keeps the k best snapshots in memory, stops early; its state goes into each
    Trainer checkpoint (`on_save`) and comes back from it (`restore`)."""

    def __init__(self, keep: int, patience: int) -> None:
        self.keep, self.patience = keep, patience
        self.snapshots: list[tuple[float, State]] = []
        self.history: list[dict[str, float]] = []
        self.best, self.waited, self.last_step = -1.0, 0, -1
        self.stopped = False  # early stop, or the last step: a fit resumed from here trains no further
        self.shuffle: tuple[int, torch.Tensor] | None = None  # (epoch, random state its order was drawn from)

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None,
                    model: torch.nn.Module | None = None, **kwargs: Any) -> None:
        if not metrics or model is None or "eval_macro_f1" not in metrics:
            return
        score = float(metrics["eval_macro_f1"])
        self.last_step = state.global_step
        train_loss = next((h["loss"] for h in reversed(state.log_history) if "loss" in h), float("nan"))
        scores = {k.removeprefix("eval_"): float(v) for k, v in metrics.items() if not k.endswith(TIMING_KEYS)}
        self.history.append({**scores, "epoch": round(float(state.epoch or 0), 2), "train_loss": train_loss})
        logger.info("epoch %.2f  train loss %.4f  %s", state.epoch or 0, train_loss, metric_line(metrics))
        self.remember(score, model)
        self.waited = 0 if score > self.best else self.waited + 1
        self.best = max(self.best, score)
        if self.patience and self.waited >= self.patience:
            logger.info("early stop: no better validation macro-F1 in %d evaluations", self.patience)
            control.should_training_stop = True

    def remember(self, score: float, model: torch.nn.Module) -> None:
        if len(self.snapshots) < self.keep or score > self.snapshots[-1][0]:
            state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
            self.snapshots = sorted([*self.snapshots, (score, state)], key=lambda s: -s[0])[: self.keep]

    def before_shuffle(self, epoch: int) -> None:
        """Called as an epoch's order is drawn: restore the state it was drawn from in the run that was cut off
        (resumed in mid-epoch), else record the state it is drawn from now."""
        if self.shuffle is not None and self.shuffle[0] == epoch:
            torch.set_rng_state(self.shuffle[1])
        else:
            self.shuffle = (epoch, torch.get_rng_state())

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

        if not state.is_world_process_zero:
            return
        self.stopped = bool(control.should_training_stop) or state.global_step >= state.max_steps
        tensors = {f"{i}/{k}": v for i, (_, snapshot) in enumerate(self.snapshots) for k, v in snapshot.items()}
        if self.shuffle is not None:
            tensors[SHUFFLE_KEY] = self.shuffle[1]
        record = {"scores": [score for score, _ in self.snapshots], "history": self.history, "best": self.best,
                  "waited": self.waited, "last_step": self.last_step, "stopped": self.stopped,
                  "shuffle_epoch": self.shuffle[0] if self.shuffle is not None else None}
        save_fit_state(Path(args.output_dir) / f"{PREFIX_CHECKPOINT_DIR}-{state.global_step}", record, tensors)

    def restore(self, checkpoint: Path) -> None:
        """The state `on_save` wrote into `checkpoint`."""
        record, tensors = load_fit_state(checkpoint)
        self.snapshots = [(score, {k.partition("/")[2]: v for k, v in tensors.items() if k.partition("/")[0] == str(i)})
                          for i, score in enumerate(record["scores"])]
        self.history, self.best, self.waited = record["history"], record["best"], record["waited"]
        self.last_step, self.stopped = record["last_step"], record.get("stopped", False)
        if record.get("shuffle_epoch") is not None:
            self.shuffle = (int(record["shuffle_epoch"]), tensors[SHUFFLE_KEY])


class RecordedShuffle(torch.utils.data.Sampler):
    """A training sampler that tells the tracker each time an epoch's order is about to be drawn."""

    def __init__(self, sampler: Any, tracker: ValidationTracker, epoch: Callable[[], float | None]) -> None:
        self.sampler, self.tracker, self.epoch = sampler, tracker, epoch

    def __len__(self) -> int:
        return len(self.sampler)

    def __iter__(self) -> Iterator[int]:
        self.tracker.before_shuffle(math.floor((self.epoch() or 0.0) + 1e-6))
        return iter(list(self.sampler))


def metric_line(metrics: dict[str, float]) -> str:
    """'val macro-F1 0.812 | stance F1 0.800 acc 0.810 | ...' from Trainer eval metrics."""
    parts = [f"val macro-F1 {metrics['eval_macro_f1']:.4f}"]
    parts += [f"{t} F1 {metrics[f'eval_{t}_f1']:.4f} acc {metrics[f'eval_{t}_accuracy']:.4f}"
              for t in TASKS if f"eval_{t}_f1" in metrics]
    return " | ".join(parts)
