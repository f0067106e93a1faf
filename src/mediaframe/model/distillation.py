"""A smaller, faster student of a trained model, taught by the model's own soft predictions.

The student keeps `distill.layers` of the teacher's encoder layers (evenly spaced, the last
among them) and its heads. The teacher labels real sentences it was not tested on (the
sources in `distill.sources`: NewsMTSC train, Narrative Frames folds 1-4, the written
coverage; and any corpus the user gives); the student learns the teacher's distributions,
softened by `distill.temperature` (Hinton, Vinyals and Dean, "Distilling the Knowledge in a
Neural Network", 2015), and the gold labels where a row has them. The result is a normal
model folder that every command takes.
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from mediaframe.config import Config, DistillConfig
from mediaframe.errors import MediaframeError
from mediaframe.hardware import physical_cores
from mediaframe.model.inference import Predictor, pad_batch
from mediaframe.model.modeling import LoadedModel, encode, load_model, save_model
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

TEST_SOURCES = frozenset({"narrative_frames_test"})


def distill(teacher: Path, out: Path, cfg: Config, extra_rows: Sequence[dict[str, Any]] = (), device: str = "cpu") -> Path:
    """Train a student of the model in `teacher` and write it to `out` (a model folder).

    Args:
        extra_rows: more sentences to learn the teacher on (text, target, mentions), e.g. a user's corpus.

    Raises:
        MediaframeError: `teacher` is not a model folder, a test set is among the sources, too few layers
            to drop, or no sentence to learn from.
    """
    from mediaframe.files import staged_folder

    settings = cfg.distill
    loaded = load_model(teacher)
    rows = distillation_rows(settings, cfg) + [dict(r) for r in extra_rows]
    if not rows:
        raise MediaframeError("distill: no sentence to learn from; give distill.sources or a --corpus")
    soft, mentions = teacher_probabilities(loaded, rows, cfg)
    student, kept = shrink(loaded, settings.layers)
    fit_student(student, rows, mentions, soft, settings, device, cfg.seed)
    student.meta = student_meta(loaded.meta, teacher, kept, settings, rows)
    with staged_folder(out) as stage:
        save_model(student, stage)
    logger.info("student with %d of %d layers -> %s", len(kept), len(loaded.model.encoder.encoder.layer), out)
    return out


def corpus_rows(path: Path, target: str, cfg: Config) -> list[dict[str, Any]]:
    """The sentences of a user's corpus (text, target, mentions), for the teacher to label.

    Raises:
        MediaframeError: the corpus cannot be read or holds no article.
    """
    from mediaframe.corpus.reading import read_articles
    from mediaframe.corpus.sentences import corpus_sentences, sentence_row

    return [sentence_row(s) for s in corpus_sentences(read_articles(path, cfg.data), target, cfg)]


def distillation_rows(settings: DistillConfig, cfg: Config) -> list[dict[str, Any]]:
    """The sentences of the distillation sources, with their gold labels where they have them."""
    from mediaframe.labels.sources import load_source

    if TEST_SOURCES & set(settings.sources):
        raise MediaframeError(f"distill.sources {settings.sources}: a test set is never trained on; drop narrative_frames_test")
    return [row for name in settings.sources for row in load_source(name, cfg).rows]


def teacher_probabilities(
    loaded: LoadedModel, rows: Sequence[dict[str, Any]], cfg: Config
) -> tuple[dict[str, np.ndarray], list[list[dict[str, Any]]]]:
    """The teacher's class probabilities for every row (fp32), and the mentions it saw (the rows' own, else found)."""
    predictor = Predictor(loaded, cfg.predict.batch_size, "fp32", threads=cfg.predict.threads or physical_cores(),
                          targets=cfg.targets)
    texts, targets = [str(r["text"]) for r in rows], [str(r.get("target") or "") for r in rows]
    logger.info("teacher: labeling %d sentences", len(rows))
    mentions = predictor.rows_mentions(rows, targets)
    return predictor.predict_proba(texts, targets, mentions), mentions


def kept_layers(total: int, keep: int) -> list[int]:
    """`keep` evenly spaced layer indices out of `total`, the last one always among them."""
    if not 1 <= keep < total:
        raise MediaframeError(f"distill.layers = {keep}: expected 1 to {total - 1} (the teacher has {total} layers)")
    return sorted({round(i * (total - 1) / max(keep - 1, 1)) for i in range(keep)} if keep > 1 else {total - 1})


def shrink(loaded: LoadedModel, keep: int) -> tuple[LoadedModel, list[int]]:
    """A copy of the teacher with only `keep` of its encoder layers, and which ones."""
    model = copy.deepcopy(loaded.model).float()
    layers = model.encoder.encoder.layer
    kept = kept_layers(len(layers), keep)
    model.encoder.encoder.layer = nn.ModuleList(layers[i] for i in kept)
    model.encoder.config.num_hidden_layers = len(kept)
    return LoadedModel(model, loaded.tokenizer, copy.deepcopy(loaded.meta)), kept


def fit_student(
    student: LoadedModel, rows: Sequence[dict[str, Any]], mentions: Sequence[Sequence[dict[str, Any]]],
    soft: dict[str, np.ndarray], settings: DistillConfig, device: str, seed: int,
) -> None:
    """Minimise the softened KL to the teacher (plus cross-entropy on gold labels) with AdamW."""
    from transformers import get_linear_schedule_with_warmup

    torch.manual_seed(seed)
    torch.set_num_threads(physical_cores())
    meta = student.meta
    encoded = encode(student.tokenizer, [str(r["text"]) for r in rows], [str(r.get("target") or "") for r in rows],
                     [list(m) for m in mentions], meta["max_length"], meta["target_mode"])
    lengths = np.fromiter((len(ids) for ids in encoded["input_ids"]), dtype=np.int64)
    gold = gold_indices(rows, student)
    model = student.model.to(device).eval()  # no dropout: the student starts from trained weights and follows targets
    steps_per_epoch = math.ceil(len(rows) / settings.batch_size)
    total = max(1, round(steps_per_epoch * settings.epochs))
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * total), total)
    rng = np.random.default_rng(seed)
    targets = {task: torch.from_numpy(soften(soft[task], settings.temperature)) for task in TASKS}
    for step, index in enumerate(batches(len(rows), settings.batch_size, total, rng)):
        batch = {k: torch.from_numpy(v).to(device) for k, v in pad_batch(encoded, index, lengths, student.tokenizer.pad_token_id or 0).items()}
        logits = model(**batch)
        loss = sum(task_loss(logits[f"{t}_logits"], targets[t][index].to(device), gold[t][index].to(device), settings) for t in TASKS)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 200 == 0 or step == total - 1:
            logger.info("distill: step %d/%d, loss %.4f", step + 1, total, loss.item())


def batches(n: int, size: int, total: int, rng: np.random.Generator):
    """`total` batches of shuffled row indices, a fresh shuffle each epoch."""
    done = 0
    while done < total:
        order = rng.permutation(n)
        for start in range(0, n, size):
            if done == total:
                return
            yield order[start : start + size]
            done += 1


def soften(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) from probabilities: p^(1/T), renormalised."""
    powered = np.power(np.clip(probs, 1e-8, 1.0), 1.0 / temperature)
    return (powered / powered.sum(1, keepdims=True)).astype(np.float32)


def task_loss(logits: torch.Tensor, soft: torch.Tensor, gold: torch.Tensor, settings: DistillConfig) -> torch.Tensor:
    t = settings.temperature
    distilled = nn.functional.kl_div(nn.functional.log_softmax(logits.float() / t, -1), soft, reduction="batchmean") * t * t
    if settings.label_weight == 0 or bool((gold < 0).all()):
        return distilled
    labeled = nn.functional.cross_entropy(logits.float(), gold, ignore_index=-100)
    return (1 - settings.label_weight) * distilled + settings.label_weight * labeled


def gold_indices(rows: Sequence[dict[str, Any]], student: LoadedModel) -> dict[str, torch.Tensor]:
    """Each row's gold label index per task (-100 where it has none, or a label the model does not know)."""
    out = {}
    for task in TASKS:
        index = {label: i for i, label in enumerate(student.labels(task))}
        out[task] = torch.tensor([index.get(r.get(task), -100) if r.get(task) else -100 for r in rows], dtype=torch.long)
    return out


def student_meta(
    teacher_meta: dict[str, Any], teacher: Path, kept: list[int], settings: DistillConfig, rows: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """The teacher's metadata, plus where the student came from; the teacher's held-out figures are not its own."""
    meta = {k: v for k, v in teacher_meta.items() if k != "metrics"}
    meta["distilled_from"] = {
        "teacher": str(teacher.resolve()), "teacher_base_model": teacher_meta.get("base_model", ""),
        "layers_kept": kept, "sentences": len(rows), "settings": settings.model_dump(mode="json"),
    }
    return meta
