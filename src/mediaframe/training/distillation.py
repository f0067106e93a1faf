"""A smaller, faster student of a trained model, taught by the model's own soft predictions.

The student keeps `distill.layers` of the teacher's encoder layers (evenly spaced, the last
among them) and its heads, or those of another model with the same labels (`distill.student`:
a teacher on a larger encoder, such as all-mpnet-base-v2, teaches a MiniLM student); with
`distill.ffn_width` its feed-forward layers keep only that many of their units, those that
carry the most on these sentences (training.pruning). The teacher labels real sentences it
was not tested on (training.distillation_rows: the sources in `distill.sources` and the other
sentences of their articles; and any corpus the user gives); the
student learns the teacher's distributions, softened by `distill.temperature` (Hinton, Vinyals
and Dean, "Distilling the Knowledge in a Neural Network", 2015), and the gold labels where a
row has them. The result is a normal model folder that every command takes.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from mediaframe.config import Config, DistillConfig, config_toml
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.errors import MediaframeError
from mediaframe.hardware import bf16_pays, physical_cores
from mediaframe.inference.batching import pad_batch, padded_batches
from mediaframe.inference.predictor import Predictor
from mediaframe.model.modeling import LoadedModel, check_label_schema, encode, load_model, reads_context, save_model
from mediaframe.training.distillation_loop import fit_student
from mediaframe.training.distillation_rows import distillation_rows, teacher_validation_articles
from mediaframe.training.loop import training_threads
from mediaframe.training.pruning import ffn_blocks, ffn_importance, prune_ffn

logger = logging.getLogger(__name__)

RANKING_SENTENCES = 2048  # sentences the feed-forward units are ranked on (distill.ffn_width)
RANKING_BATCH = 64
ENCODER_KEYS = ("base_model", "max_length", "target_mode", "context", "pooling")  # how the student reads its input


def distill(teacher: Path, out: Path, cfg: Config, extra_rows: Sequence[dict[str, Any]] = (), device: str = "cpu") -> Path:
    """Train a student of the model in `teacher` and write it to `out` (a model folder).

    Args:
        teacher: the trained model folder to learn from.
        out: the student's model folder (replaced whole once complete).
        cfg: the settings (distill, predict for the teacher's batch size, targets, sources, seed).
        extra_rows: more sentences to learn the teacher on (text, target, mentions), e.g. a user's corpus.
        device: where the teacher scores and the student trains ("cpu" or "cuda").

    Raises:
        MediaframeError: `teacher` (or `distill.student`) is not a model folder, their labels differ, a test set is
            among the sources, too few layers to drop, or no sentence to learn from.
    """
    from mediaframe.files import staged_folder

    settings = cfg.distill
    loaded = load_model(teacher)
    held_out = teacher_validation_articles(teacher, cfg) if settings.hold_out else set()
    rows = distillation_rows(cfg, held_out) + [dict(r) for r in extra_rows]
    if not rows:
        raise MediaframeError("distill: no sentence to learn from; give distill.sources or a --corpus")
    start = student_start(loaded, settings)
    # before the teacher's long labeling pass: a bad layer count fails now
    student, kept = shrink(start, settings.layers, keep_all=start is not loaded)
    width = feed_forward_width(student, settings.ffn_width)
    soft, mentions = teacher_probabilities(loaded, rows, cfg, device)
    encoded = model_inputs(student, rows, mentions)
    if width:
        narrow(student, encoded, width, cfg.seed)
    pooled = teacher_representations(loaded, rows, mentions, cfg, device) if settings.representation_weight else None
    fit_student(student, rows, encoded, soft, settings, device, cfg.seed, training_threads(cfg.training), pooled)
    student.meta = student_meta(loaded.meta, start.meta, teacher, kept, width, settings, rows)
    with staged_folder(out) as stage:
        save_model(student, stage)
        (stage / "config.toml").write_text(config_toml(cfg), encoding="utf-8")
        (stage / "README.md").write_text(student_card(student.meta), encoding="utf-8")
    logger.info("student with %d of the %d layers of %s -> %s", len(kept), len(start.model.encoder.encoder.layer),
                settings.student or "the teacher", out)
    return out


def model_inputs(loaded: LoadedModel, rows: Sequence[dict[str, Any]], mentions: Sequence[Sequence[dict[str, Any]]]
                 ) -> dict[str, Any]:
    """The rows' token ids as `loaded` reads them (its tokenizer, target marking, length and context)."""
    meta = loaded.meta
    return encode(loaded.tokenizer, [str(r["text"]) for r in rows], [str(r.get("target") or "") for r in rows],
                  [list(m) for m in mentions], meta["max_length"], meta["target_mode"],
                  contexts=[r.get("context") for r in rows] if reads_context(meta) else None)


def teacher_probabilities(
    loaded: LoadedModel, rows: Sequence[dict[str, Any]], cfg: Config, device: str = "cpu"
) -> tuple[dict[str, np.ndarray], list[list[dict[str, Any]]]]:
    """The teacher's class probabilities for every row (fp32, or bf16 where native with distill.teacher_dtype auto), and
    the mentions it saw (the rows' own, else found)."""
    dtype = "bf16" if cfg.distill.teacher_dtype == "auto" and bf16_pays(device) else "fp32"
    predictor = Predictor(loaded, cfg.predict.batch_size, dtype, device, threads=cfg.predict.threads or physical_cores(),
                          targets=cfg.targets)
    texts, targets = [str(r["text"]) for r in rows], [str(r.get("target") or "") for r in rows]
    logger.info("teacher: labeling %d sentences (%s)", len(rows), dtype)
    mentions = MentionFinder(cfg.targets).rows(rows, targets)
    return predictor.predict_proba(texts, targets, mentions, [r.get("context") for r in rows]), mentions


def teacher_representations(loaded: LoadedModel, rows: Sequence[dict[str, Any]], mentions: list[list[dict[str, Any]]],
                            cfg: Config, device: str = "cpu") -> np.ndarray:
    """The teacher's pooled sentence representation of every row (rows x its hidden size, float32), in PyTorch, bf16
    where distill.teacher_dtype auto and bf16 pays: what distill.representation_weight matches the student to."""
    meta = loaded.meta
    encoded = model_inputs(loaded, rows, mentions)
    bf16 = cfg.distill.teacher_dtype == "auto" and bf16_pays(device)
    torch.set_num_threads(cfg.predict.threads or physical_cores())
    model = loaded.model.to(device).eval()
    out = np.zeros((len(rows), model.config.hidden_size), dtype=np.float32)
    logger.info("teacher: pooled representations of %d sentences (%s)", len(rows), "bf16" if bf16 else "fp32")
    for index, batch in padded_batches(encoded, cfg.predict.batch_size, loaded.tokenizer.pad_token_id or 0,
                                       meta["max_length"]):
        tensors = {key: torch.from_numpy(value).to(device) for key, value in batch.items()}
        with torch.inference_mode(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
            hidden = model.encoder(**tensors).last_hidden_state
        with torch.inference_mode():  # pooled in fp32, as the scoring graph pools
            out[index] = model.pool(hidden.float(), tensors["attention_mask"]).cpu().numpy()
    return out


def student_start(teacher: LoadedModel, settings: DistillConfig) -> LoadedModel:
    """What the student is cut from: the teacher, or the model `distill.student` names (its labels the teacher's).

    Raises:
        MediaframeError: that model is not a mediaframe model folder, or its labels differ from the teacher's.
    """
    if not settings.student:
        return teacher
    start = load_model(settings.student)
    check_label_schema(start.meta, teacher.meta["labels"], f"distill.student {settings.student}")
    logger.info("student: cut from %s (%s), taught by the teacher on %s", settings.student, start.meta.get("base_model"),
                teacher.meta.get("base_model"))
    return start


def kept_layers(total: int, keep: int, keep_all: bool = False) -> list[int]:
    """`keep` evenly spaced layer indices out of `total`, the last one always among them; all `total` only with
    `keep_all` (a student cut from another model than its teacher may keep every layer of it)."""
    most = total if keep_all else total - 1
    if not 1 <= keep <= most:
        raise MediaframeError(f"distill.layers = {keep}: expected 1 to {most} (the model the student is cut from has "
                              f"{total} layers)")
    return sorted({round(i * (total - 1) / max(keep - 1, 1)) for i in range(keep)} if keep > 1 else {total - 1})


def shrink(loaded: LoadedModel, keep: int, keep_all: bool = False) -> tuple[LoadedModel, list[int]]:
    """A copy of `loaded` (the teacher, or `distill.student`) with only `keep` of its encoder layers, and which ones."""
    model = copy.deepcopy(loaded.model).float()
    layers = getattr(getattr(model.encoder, "encoder", None), "layer", None)
    if not isinstance(layers, nn.ModuleList):
        raise MediaframeError(f"distill: the encoder the student is cut from ({type(model.encoder).__name__}) has no "
                              "encoder.layer list; students are cut from BERT-style encoders such as all-MiniLM-L6-v2")
    kept = kept_layers(len(layers), keep, keep_all)
    model.encoder.encoder.layer = nn.ModuleList(layers[i] for i in kept)
    model.encoder.config.num_hidden_layers = len(kept)
    return LoadedModel(model, loaded.tokenizer, copy.deepcopy(loaded.meta)), kept


def feed_forward_width(student: LoadedModel, width: int) -> int:
    """The units each student layer keeps: `width`, or 0 (all) where the layers have no more than that.

    Raises:
        MediaframeError: the encoder's layers cannot be narrowed (not BERT-style).
    """
    if not width:
        return 0
    inner = ffn_blocks(student.model)[0][0].out_features
    if width >= inner:
        logger.warning("distill.ffn_width = %d: the teacher's layers have %d units; keeping them all", width, inner)
        return 0
    return width


def narrow(student: LoadedModel, encoded: dict[str, Any], width: int, seed: int) -> None:
    """Keep `width` feed-forward units per layer, ranked on up to RANKING_SENTENCES of the distillation sentences."""
    lengths = np.fromiter((len(ids) for ids in encoded["input_ids"]), dtype=np.int64)
    sample = np.random.default_rng(seed).permutation(len(lengths))[:RANKING_SENTENCES]
    pad_id = student.tokenizer.pad_token_id or 0
    ranking = (
        {k: torch.from_numpy(v) for k, v in pad_batch(encoded, sample[start : start + RANKING_BATCH], lengths, pad_id).items()}
        for start in range(0, len(sample), RANKING_BATCH)
    )
    student.model.eval()
    prune_ffn(student.model, width, ffn_importance(student.model, ranking))
    logger.info("student: feed-forward layers narrowed to %d units, ranked on %d sentences", width, len(sample))


def student_meta(
    teacher_meta: dict[str, Any], start_meta: dict[str, Any], teacher: Path, kept: list[int], width: int,
    settings: DistillConfig, rows: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The teacher's metadata with the input settings of the model the student was cut from, plus where the student
    came from; the teacher's held-out figures are not its own."""
    encoder = {key: start_meta[key] for key in ENCODER_KEYS if key in start_meta}
    meta = {**teacher_meta, **encoder, "metrics": {}}  # its own figures come from `mediaframe evaluate`
    meta["distilled_from"] = {
        "teacher": str(teacher.resolve()), "teacher_base_model": teacher_meta.get("base_model", ""),
        "cut_from": cut_from(settings.student), "layers_kept": kept, "ffn_width": width or None,
        "sentences": len(rows), "settings": settings.model_dump(mode="json"),
    }
    return meta


def cut_from(student: str) -> str:
    """How the student's origin is recorded: the teacher, a shipped name, or the model folder's full path."""
    if not student:
        return "teacher"
    return student if not Path(student).exists() else str(Path(student).resolve())


def student_card(meta: dict[str, Any]) -> str:
    """The student's README.md: what it is, where it came from, how to score it."""
    origin = meta["distilled_from"]
    cut = origin.get("cut_from", "teacher")
    return "\n".join([
        "# mediaframe student model", "",
        f"A student of `{origin['teacher']}`: {len(origin['layers_kept'])} of the encoder layers of "
        f"{'the teacher' if cut == 'teacher' else f'`{cut}`'} "
        f"({', '.join(map(str, origin['layers_kept']))}, counted from 0)"
        + (f" with {origin['ffn_width']} feed-forward units each" if origin.get("ffn_width") else "")
        + " and its heads, trained on the teacher's softened "
        f"predictions for {origin['sentences']:,} sentences (sources: {', '.join(origin['settings']['sources']) or 'none'}; "
        "plus any --corpus) and their gold labels where they have them.", "",
        "Same labels, input format and codebook as the teacher. Its held-out figures are not the teacher's: measure them "
        "with `mediaframe evaluate THIS_FOLDER narrative_frames_test` (docs/BENCHMARKS.md holds the default student's).", "",
    ])
