"""The fit loop of the multi-task model on the Hugging Face Trainer: one fit per seed, then one model.

`Run` holds what the fits of one training share (config, labels, device, tokenized splits).
Each fit trains on CPU or GPU (bf16 autocast where the hardware has it), validates a few times
per epoch, keeps the best snapshots in memory, stops early, and returns the best snapshot or
the average of the k best; `Run.combine` makes one model of the seeds' fits, their weight
average when that scores better on validation; `tracker` keeps what a fit needs of its validations.
With checkpoints (training.checkpoints), each fit saves one at every validation and goes on from
the newest whole one (`checkpoints`). `training_arguments` is the one place that maps the
`training` settings to TrainingArguments.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import DatasetDict
from sklearn.metrics import accuracy_score, f1_score
from transformers import (
    EvalPrediction,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_callback import PrinterCallback, ProgressCallback
from transformers.trainer_pt_utils import LengthGroupedSampler

from mediaframe.config import Config, TrainingConfig
from mediaframe.files import writing
from mediaframe.hardware import physical_cores, resolve_bf16
from mediaframe.model.modeling import LoadedModel, MultiTaskModel, build_model
from mediaframe.records import TASKS
from mediaframe.training.checkpoints import Checkpoints
from mediaframe.training.data import LABEL_NAMES, MultiTaskCollator, features
from mediaframe.training.data_parallel import world_size
from mediaframe.training.optimization import (
    State,
    average_states,
    class_weights,
    optimizer,
)
from mediaframe.training.tracker import RecordedShuffle, ValidationTracker

logger = logging.getLogger(__name__)


@dataclass
class FitResult:
    """One seed's fit: its final weights, their validation macro-F1 and the validation history."""

    seed: int
    state: State
    score: float
    history: list[dict[str, float]] = field(default_factory=list)


class Run:
    """Everything the fits of one `train` call share: config, labels, device, features."""

    def __init__(self, cfg: Config, labels: dict[str, list[str]], device: str, splits: DatasetDict,
                 checkpoints: Checkpoints | None = None) -> None:
        self.cfg, self.labels, self.device, self.checkpoints = cfg, labels, device, checkpoints
        self.bf16 = resolve_bf16(cfg.training.bf16, device)
        if device == "cpu":
            torch.set_num_threads(training_threads(cfg.training))
        self.fresh = build_model(cfg.model.base_model, labels, cfg.model)
        tokenize = {"tokenizer": self.fresh.tokenizer, "labels": labels, "max_length": cfg.model.max_length,
                    "mode": cfg.model.target_mode, "context": cfg.model.context != "none"}
        self.train_features = features(splits["train"], **tokenize)
        self.validation_features = features(splits["validation"], **tokenize)
        self.weights = class_weights(self.train_features, labels, cfg.training.class_weights)
        logger.info("training on %s%s (%d threads): %d train rows, %d validation rows", device, " with bf16" if self.bf16 else "",
                    torch.get_num_threads(), len(self.train_features), len(self.validation_features))

    def new_model(self, seed: int) -> LoadedModel:
        set_seed(seed)
        loaded = build_model(self.cfg.model.base_model, self.labels, self.cfg.model)
        loaded.model.class_weights = dict(self.weights)
        return loaded

    def fit(self, seed: int) -> FitResult:
        """One training run: Trainer with in-memory snapshots, early stopping and optional averaging; with
        checkpoints, a fit already done is read back and an interrupted one goes on from its newest checkpoint."""
        if self.checkpoints and (done := self.checkpoints.finished(seed)):
            logger.info("seed %d: finished before (validation macro-F1 %.4f), read from %s", seed, done[1], self.checkpoints.folder)
            return FitResult(seed, *done)
        loaded = self.new_model(seed)
        tracker = ValidationTracker(self.cfg.training.average_checkpoints, self.cfg.training.early_stopping_patience)
        with self.workdir(seed) as workdir:
            trainer = self.trainer(loaded.model, workdir, seed, tracker)
            newest = self.checkpoints.newest(seed) if self.checkpoints else None
            if newest:
                tracker.restore(Path(newest))
                logger.info("seed %d: going on from %s (step %d)", seed, newest, tracker.last_step)
            if not tracker.stopped:  # a fit checkpointed at its early stop or last step trains no further
                with writing(workdir) if self.checkpoints else contextlib.nullcontext():
                    trainer.train(resume_from_checkpoint=newest)
                if tracker.last_step != trainer.state.global_step:
                    trainer.evaluate()
            state, score = self.pick_snapshot(trainer, tracker)
        logger.info("seed %d: validation macro-F1 %.4f", seed, score)
        if self.checkpoints:
            self.checkpoints.keep_finished(seed, state, score, tracker.history)
        return FitResult(seed, state, score, tracker.history)

    @contextlib.contextmanager
    def workdir(self, seed: int) -> Iterator[Path]:
        """The Trainer's output folder: the seed's checkpoint folder, else a temporary one."""
        if self.checkpoints:
            yield self.checkpoints.seed_folder(seed)
            return
        with tempfile.TemporaryDirectory(prefix="mediaframe-train-") as workdir:
            yield Path(workdir)

    def trainer(self, model: MultiTaskModel, workdir: Path, seed: int, tracker: ValidationTracker) -> Trainer:
        steps_per_epoch = -(-len(self.train_features) // (self.cfg.training.batch_size * world_size()))
        args = training_arguments(self.cfg.training, workdir, seed, self.device, self.bf16, steps_per_epoch,
                                  checkpoints=self.checkpoints is not None)
        trainer = ShuffleRecordingTrainer(
            tracker,
            model=model,
            args=args,
            data_collator=MultiTaskCollator(self.fresh.tokenizer.pad_token_id or 0),
            train_dataset=self.train_features,
            eval_dataset=self.validation_features,
            compute_metrics=compute_metrics,
            callbacks=[tracker],
            optimizers=(optimizer(model, self.cfg.training), None),
        )
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
        if progress_shown(self.cfg.training):
            trainer.add_callback(TrainingBar())
        return trainer

    def pick_snapshot(self, trainer: Trainer, tracker: ValidationTracker) -> tuple[State, float]:
        """The best snapshot, or the average of the k best when it scores at least as well on validation."""
        best_score, best_state = tracker.snapshots[0]
        if len(tracker.snapshots) < 2:
            return best_state, best_score
        averaged = average_states([state for _, state in tracker.snapshots])
        score = self.score(trainer, averaged)
        logger.info("average of %d best snapshots: validation macro-F1 %.4f (best single %.4f)",
                    len(tracker.snapshots), score, best_score)
        return (averaged, score) if score >= best_score else (best_state, best_score)

    def score(self, trainer: Trainer, state: State) -> float:
        """Validation macro-F1 of some weights (loaded into the trainer's model)."""
        trainer.model.load_state_dict(state)
        return float(trainer.predict(self.validation_features).metrics["test_macro_f1"])

    def combine(self, fits: list[FitResult]) -> tuple[LoadedModel, dict[str, Any]]:
        """One model from the seeds' fits: their weight average when it beats the best single fit on validation."""
        loaded = self.new_model(fits[0].seed)
        best = max(fits, key=lambda f: f.score)
        summary: dict[str, Any] = {"seeds": [f.seed for f in fits], "seed_scores": [f.score for f in fits],
                                   "history": {str(f.seed): f.history for f in fits}, "chosen": f"seed {best.seed}"}
        loaded.model.load_state_dict(best.state)
        if len(fits) > 1:
            with tempfile.TemporaryDirectory(prefix="mediaframe-train-") as workdir:
                trainer = self.trainer(loaded.model, Path(workdir), best.seed, ValidationTracker(1, 0))
                soup = average_states([f.state for f in fits])
                summary["average_score"] = self.score(trainer, soup)
                if summary["average_score"] >= best.score:
                    summary["chosen"] = "weight average"
                else:
                    loaded.model.load_state_dict(best.state)
            logger.info("seed ensemble: %s", summary["chosen"])
        loaded.model.class_weights = {}
        loaded.model.cpu().eval()
        return loaded, summary


class ShuffleRecordingTrainer(Trainer):
    """The Trainer, its length-grouped order of each epoch drawn where the tracker says (tracker.RecordedShuffle)."""

    def __init__(self, tracker: ValidationTracker, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tracker = tracker

    def _get_train_sampler(self, train_dataset: Any = None) -> Any:
        sampler = super()._get_train_sampler(train_dataset)
        if not isinstance(sampler, LengthGroupedSampler):
            return sampler
        return RecordedShuffle(sampler, self.tracker, lambda: self.state.epoch)


class TrainingBar(ProgressCallback):
    """The Trainer's progress bars without its raw metric dicts (ValidationTracker logs one line instead)."""

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        return None


def compute_metrics(prediction: EvalPrediction) -> dict[str, float]:
    """Macro-F1 and accuracy per task with labels; `macro_f1` is their mean over those tasks."""
    logits = prediction.predictions if isinstance(prediction.predictions, tuple) else (prediction.predictions,)
    label_ids = prediction.label_ids if isinstance(prediction.label_ids, tuple) else (prediction.label_ids,)
    out: dict[str, float] = {}
    for task, task_logits, task_labels in zip(TASKS, logits, label_ids, strict=True):
        mask = task_labels != -100
        if not mask.any():
            continue
        truth, guess = task_labels[mask], np.asarray(task_logits)[mask].argmax(-1)
        out[f"{task}_f1"] = float(f1_score(truth, guess, average="macro", zero_division=0))
        out[f"{task}_accuracy"] = float(accuracy_score(truth, guess))
    scores = [out[f"{t}_f1"] for t in TASKS if f"{t}_f1" in out]
    out["macro_f1"] = float(np.mean(scores)) if scores else 0.0
    return out


def training_threads(cfg: TrainingConfig) -> int:
    """CPU threads of a fit: `training.threads`, else the physical cores shared by the processes (a fixed count: one
    seed gives the same weights)."""
    return cfg.threads or max(1, physical_cores() // world_size())


def training_arguments(
    cfg: TrainingConfig, workdir: Path, seed: int, device: str, bf16: bool, steps_per_epoch: int, checkpoints: bool = False
) -> TrainingArguments:
    """`training` config -> TrainingArguments (the one place that maps them); with `checkpoints`, a checkpoint of
    each validation step is written into `workdir` (the two newest kept), else nothing is saved."""
    every = max(1, steps_per_epoch // cfg.evals_per_epoch)
    return TrainingArguments(
        output_dir=str(workdir), num_train_epochs=cfg.epochs, per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size, learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.scheduler, warmup_steps=cfg.warmup_ratio, weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm, eval_strategy="steps", eval_steps=every, logging_strategy="steps",
        logging_steps=every, save_strategy="steps" if checkpoints else "no", save_steps=every, save_total_limit=2,
        report_to="none", seed=seed, data_seed=seed,
        use_cpu=device == "cpu", bf16=bf16, remove_unused_columns=False, label_names=LABEL_NAMES,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        disable_tqdm=not progress_shown(cfg), dataloader_num_workers=0, log_level="warning",
    )


def progress_shown(cfg: TrainingConfig) -> bool:
    import sys

    return cfg.show_progress if cfg.show_progress is not None else sys.stderr.isatty()
