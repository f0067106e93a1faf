"""The student's fit on the Hugging Face Trainer, as every other fit: the softened KL to the teacher's
probabilities (times T^2, Hinton et al. 2015) plus the cross-entropy of the gold labels where a row has them.

The student starts from trained weights and follows soft targets, so it trains without dropout.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from torch import nn
from transformers import Trainer, TrainingArguments
from transformers.trainer_callback import PrinterCallback, ProgressCallback

from mediaframe.config import DistillConfig
from mediaframe.model.modeling import IGNORE_INDEX, LoadedModel
from mediaframe.records import TASKS
from mediaframe.training.data import TEACHER_POOLED, MultiTaskCollator

logger = logging.getLogger(__name__)

SOFT_NAMES = [f"{task}_soft" for task in TASKS]
GOLD_NAMES = [f"{task}_labels" for task in TASKS]
PROJECTION = "distill_projection"  # the student's representation -> the teacher's width; trained, never saved


class StudentTrainer(Trainer):
    """The Trainer with the distillation loss in place of the model's own."""

    def __init__(self, *args: Any, settings: DistillConfig, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = settings

    def compute_loss(self, model: nn.Module, inputs: dict[str, torch.Tensor], return_outputs: bool = False,
                     num_items_in_batch: Any = None) -> Any:
        soft = {t: inputs.pop(name) for t, name in zip(TASKS, SOFT_NAMES, strict=True)}
        gold = {t: inputs.pop(name) for t, name in zip(TASKS, GOLD_NAMES, strict=True)}
        teacher_pooled = inputs.pop(TEACHER_POOLED, None)
        logits = model(**inputs, return_pooled=teacher_pooled is not None)
        loss = sum(task_loss(logits[f"{t}_logits"], soft[t], gold[t], self.settings) for t in TASKS)
        if teacher_pooled is not None:
            projected = model.get_submodule(PROJECTION)(logits["pooled"].float())
            loss = loss + self.settings.representation_weight * representation_loss(projected, teacher_pooled)
        return (loss, logits) if return_outputs else loss


def fit_student(
    student: LoadedModel, rows: Sequence[dict[str, Any]], encoded: dict[str, Any],
    soft: dict[str, np.ndarray], settings: DistillConfig, device: str, seed: int, threads: int,
    teacher_pooled: np.ndarray | None = None,
) -> None:
    """Train the student in place on the teacher's softened probabilities and the rows' gold labels (and, given
    `teacher_pooled`, the teacher's pooled representations through a projection learned beside it), on `threads` CPU
    threads."""
    torch.set_num_threads(threads)
    data = student_dataset(rows, encoded, soft, student, settings.temperature)
    if teacher_pooled is not None:
        data = data.add_column(TEACHER_POOLED, list(teacher_pooled.astype(np.float32)))  # stored as float32
        torch.manual_seed(seed)
        student.model.add_module(PROJECTION, nn.Linear(student.model.config.hidden_size, teacher_pooled.shape[1]))
    without_dropout(student.model)
    with tempfile.TemporaryDirectory(prefix="mediaframe-distill-") as workdir:
        trainer = StudentTrainer(
            model=student.model, args=student_arguments(settings, Path(workdir), seed, device),
            data_collator=MultiTaskCollator(student.tokenizer.pad_token_id or 0), train_dataset=data, settings=settings,
        )
        trainer.remove_callback(PrinterCallback)
        trainer.remove_callback(ProgressCallback)
        result = trainer.train()
    if teacher_pooled is not None:
        delattr(student.model, PROJECTION)
    logger.info("distill: %d steps, mean loss %.4f", result.global_step, result.training_loss)
    student.model.cpu().eval()


def student_dataset(rows: Sequence[dict[str, Any]], encoded: dict[str, Any], soft: dict[str, np.ndarray],
                    student: LoadedModel, temperature: float) -> Dataset:
    """Token ids, the softened teacher probabilities and the gold label ids (-100 where none), one row per sentence."""
    columns: dict[str, Any] = {key: list(value) for key, value in encoded.items()}
    for task, soft_name, gold_name in zip(TASKS, SOFT_NAMES, GOLD_NAMES, strict=True):
        columns[soft_name] = soften(soft[task], temperature).tolist()
        columns[gold_name] = gold_indices(rows, student.labels(task), task)
    return Dataset.from_dict(columns)


def student_arguments(settings: DistillConfig, workdir: Path, seed: int, device: str) -> TrainingArguments:
    """`distill` settings -> TrainingArguments: linear decay after 6% warm-up, AdamW, clipped gradients, nothing saved."""
    return TrainingArguments(
        output_dir=str(workdir), num_train_epochs=settings.epochs, per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.learning_rate, weight_decay=0.01, lr_scheduler_type="linear", warmup_steps=0.06,
        max_grad_norm=1.0, save_strategy="no", eval_strategy="no", logging_strategy="steps", logging_steps=200,
        report_to="none", seed=seed, data_seed=seed, use_cpu=device == "cpu", remove_unused_columns=False,
        label_names=GOLD_NAMES, disable_tqdm=True, dataloader_num_workers=0, log_level="warning",
    )


def without_dropout(model: nn.Module) -> None:
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0


def soften(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) from probabilities: p^(1/T), renormalised."""
    powered = np.power(np.clip(probs, 1e-8, 1.0), 1.0 / temperature)
    return (powered / powered.sum(1, keepdims=True)).astype(np.float32)


def task_loss(logits: torch.Tensor, soft: torch.Tensor, gold: torch.Tensor, settings: DistillConfig) -> torch.Tensor:
    """(1 - w) x the softened KL to the teacher (times T^2) + w x the cross-entropy of the gold labels, both per row
    of the batch (rows without a gold label add nothing to the second term)."""
    t, weight = settings.temperature, settings.label_weight
    distilled = nn.functional.kl_div(nn.functional.log_softmax(logits.float() / t, -1), soft, reduction="batchmean") * t * t
    labeled = nn.functional.cross_entropy(logits.float(), gold, ignore_index=IGNORE_INDEX, reduction="sum") / len(gold)
    return (1 - weight) * distilled + weight * labeled


def representation_loss(projected: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """Mean cosine distance between the projected student representations and the teacher's (0: same direction)."""
    return (1 - nn.functional.cosine_similarity(projected, teacher.float(), dim=-1)).mean()


def gold_indices(rows: Sequence[dict[str, Any]], labels: Sequence[str], task: str) -> list[int]:
    """Each row's gold label index for `task` (-100 where it has none, or a label the model does not know)."""
    index = {label: i for i, label in enumerate(labels)}
    return [index.get(r[task], IGNORE_INDEX) if r.get(task) else IGNORE_INDEX for r in rows]
