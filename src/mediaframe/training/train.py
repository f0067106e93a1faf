"""Training of the multi-task model: from a dataset to one model folder.

`train` pools the extra labeled sources with the data, or, with sequential transfer, first
trains a model on them alone and continues from it (`transfer` plans and caches that first
stage). It then runs one fit per seed (`loop.Run`: the best validation snapshot, optionally
the average of the k best; the seeds' weight average when that scores better on validation),
corrects the heads' label priors (`label_prior`), and writes one model folder
(the model folder of docs/FORMATS.md: safetensors, tokenizer, mediaframe.json, config.toml,
metrics.json, README.md), atomically. With `training.checkpoints` (or `resume`) the fits keep
checkpoints in `OUT.checkpoints/` (`checkpoints`), removed once the model folder is written.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from datasets import DatasetDict

from mediaframe.config import Config
from mediaframe.dataset.splits import hold_out_articles
from mediaframe.errors import MediaframeError
from mediaframe.hardware import resolve_bf16, resolve_device
from mediaframe.labels.codebook import codebook_for
from mediaframe.labels.sources import LabeledSource, agreement
from mediaframe.records import TASKS
from mediaframe.training.checkpoints import Checkpoints, checkpoints_folder, open_checkpoints, run_identity
from mediaframe.training.data import (
    check_labels,
    extra_sources,
    rows_dataset,
    with_validation,
)
from mediaframe.training.data_parallel import barrier, check_ranks_agree, is_main_process, world_size
from mediaframe.training.label_prior import correct_label_priors
from mediaframe.training.loop import Run, training_threads
from mediaframe.training.transfer import first_stage, second_stage_config

logger = logging.getLogger(__name__)


def train_path(data: Path, cfg: Config, out: Path, device: str | None = None, resume: bool = False) -> Path:
    """Read training data from `data` (see `data.load_training_data`) and train on it."""
    from mediaframe.training.data import load_training_data

    return train(load_training_data(data, cfg), cfg, out, device, source=str(data), resume=resume)


def train(
    dataset: DatasetDict, cfg: Config, out: Path, device: str | None = None, source: str = "", resume: bool = False
) -> Path:
    """Fine-tune the three-head model on `dataset` and write the model folder `out`.

    Extra stance rows (`training.extra_stance_data`) either train a first-stage model that this
    run then continues from (`training.transfer = "sequential"`, see `transfer`) or join the
    training rows ("mixed").

    Args:
        dataset: splits train and validation (a grouped validation split is made when missing;
            a test split, when present, is scored for the model card).
        cfg: the whole configuration (model, training, labeling.codebook, seed).
        out: the model folder to write (replaced when it is a model folder already).
        device: "cpu", "cuda" or "auto"; default: `training.device`.
        source: where the data came from (recorded in mediaframe.json for the evaluation baselines).
        resume: go on from the checkpoints an interrupted run of the same settings and rows left in
            `OUT.checkpoints/` (and keep checkpoints, as `training.checkpoints` does).

    Returns:
        The model folder.

    Raises:
        MediaframeError: bad labels, an empty split, unavailable hardware, an `out` that is not a model folder, or
            checkpoints of another run (or, without `resume`, of an unfinished one).
    """
    from mediaframe.training.card import save_trained

    if (cfg.training.checkpoints or resume) and world_size() > 1:
        raise MediaframeError(f"checkpoints and --resume are for training in one process, found {world_size()}; set "
                              "training.checkpoints=false and drop --resume under torchrun")
    codebook = codebook_for(cfg.labeling)
    labels = {task: list(codebook.labels(task)) for task in TASKS}
    device = resolve_device(device or cfg.training.device)
    sources, fit_cfg = extra_sources(cfg), cfg
    pooled = sources
    if sources and cfg.training.transfer == "sequential":  # first a model on the extra rows, then continue from it
        pooled, fit_cfg = [], continue_after_transfer([r for s in sources for r in s.rows], cfg, device, resume)
    splits = prepare_splits(dataset, cfg, labels, pooled)
    checkpoints = fit_checkpoints(out, fit_cfg, splits, device, resume)
    run = Run(fit_cfg, labels, device, splits, checkpoints)
    fits = [run.fit(seed) for seed in (cfg.training.seeds or [cfg.seed])]
    loaded, ensemble = run.combine(fits)
    if cfg.training.prior_correction:
        ensemble["label_prior_offsets"] = correct_label_priors(loaded, splits["train"])
    check_ranks_agree(loaded.model)  # under torchrun/accelerate every process holds the same weights
    if is_main_process():  # one model folder, written by rank 0 while the others wait
        described = ensemble | {"source": source, "data_sources": data_sources(dataset, sources, source, cfg)}
        save_trained(loaded, cfg, splits, codebook.raw, described, out)
        if checkpoints:
            checkpoints.remove()
    barrier()
    return out


def fit_checkpoints(out: Path, cfg: Config, splits: DatasetDict, device: str, resume: bool) -> Checkpoints | None:
    """The checkpoint folder of this run where it keeps checkpoints (training.checkpoints, or resume), else None.

    Raises:
        MediaframeError: another run's checkpoints, or (without `resume`) an unfinished run's.
    """
    if not (cfg.training.checkpoints or resume):
        if checkpoints_folder(out).exists():
            logger.warning("%s holds the checkpoints of an unfinished training, which this run leaves alone; go on from "
                           "them with --resume, or remove that folder", checkpoints_folder(out))
        return None
    hardware = {"device": device, "threads": training_threads(cfg.training), "bf16": resolve_bf16(cfg.training.bf16, device)}
    return open_checkpoints(out, run_identity(cfg, splits), hardware, resume)


def prepare_splits(
    dataset: DatasetDict, cfg: Config, labels: dict[str, list[str]], sources: Sequence[LabeledSource]
) -> DatasetDict:
    """Pool the extra sources' rows with the data (each repeated by its weight), make the validation split, check labels.

    `training.extra_validation_fraction` of each source's articles joins the validation split,
    so that choosing a snapshot also weighs coverage unlike the user's own.
    """
    if "train" not in dataset or len(dataset["train"]) == 0:
        raise MediaframeError("training data has no train rows; build a dataset with labeled sentences first")
    splits = DatasetDict({name: rows_dataset(split.to_list()) for name, split in dataset.items()})
    weights = source_weights(cfg, sources)
    held_out: list[dict[str, Any]] = []
    if sources and cfg.training.extra_validation_fraction == 0 and "validation" not in splits:
        pooled = [r for s in sources for r in s.rows * weights.get(s.name, 1)]  # held out with the data's articles
        splits["train"] = rows_dataset(splits["train"].to_list() * weights.get("data", 1) + pooled)
        sources, weights = [], {}
    if "validation" not in splits or len(splits["validation"]) == 0:
        splits = with_validation(splits, cfg)
    if sources:
        train_rows = splits["train"].to_list() * weights.get("data", 1)
        for source in sources:
            kept, held = hold_out_articles(source.rows, cfg.training.extra_validation_fraction, cfg.seed)
            train_rows += kept * weights.get(source.name, 1)
            held_out += held
        splits["train"] = rows_dataset(train_rows)
        splits["validation"] = rows_dataset(splits["validation"].to_list() + held_out)
    for name, split in splits.items():
        check_labels(split, labels, name)
    return splits


def source_weights(cfg: Config, sources: Sequence[LabeledSource]) -> dict[str, int]:
    """`training.source_weights`, checked: every key names the data or a pooled source, every weight is 1 or more."""
    weights = dict(cfg.training.source_weights)
    known = {"data", *(s.name for s in sources)}
    for name, weight in weights.items():
        if sources and name not in known:
            raise MediaframeError(f"training.source_weights: {name!r} is no source of this run; expected one of "
                                  f"{', '.join(sorted(known))}")
        if weight < 1:
            raise MediaframeError(f"training.source_weights.{name} = {weight}: expected a whole number of 1 or more")
    return weights


def data_sources(
    dataset: DatasetDict, sources: Sequence[LabeledSource], path: str, cfg: Config
) -> list[dict[str, Any]]:
    """`data.sources` of the model folder: the user's data first, then every extra source."""
    train = dataset["train"]
    kinds = Counter(k for k in (train["stance_source"] if "stance_source" in train.column_names else []) if k)
    name = Path(path).name if path else "data"
    own = LabeledSource(name, kinds.most_common(1)[0][0] if kinds else "gold", "real news", train.to_list(),
                        gold_agreement(Path(path) if path else None, cfg))
    return [source.summary() for source in (own, *sources)]


def gold_agreement(data: Path | None, cfg: Config) -> dict[str, float]:
    """Kappa of the gold a built dataset was made with (agreement.json names a set by its gold file's stem)."""
    info = data / "dataset_info.json" if data is not None else None
    if info is None or not info.is_file():
        return {}
    for gold in json.loads(info.read_text(encoding="utf-8")).get("gold", []):
        if kappa := agreement(cfg, Path(gold).stem):
            return kappa
    return {}


def continue_after_transfer(rows: list[dict[str, Any]], cfg: Config, device: str, resume: bool = False) -> Config:
    """`cfg` for the second stage: its base model is the first-stage model trained on `rows` (cached)."""
    return second_stage_config(cfg, first_stage_model(rows, cfg, device, resume))


def first_stage_model(rows: list[dict[str, Any]], cfg: Config, device: str, resume: bool = False) -> Path:
    """The model trained on the extra stance rows alone: from the cache when there, else trained into it."""
    stage = first_stage(rows, cfg)
    if stage.is_cached():
        return stage.folder
    return train(stage.splits(), stage.cfg, stage.folder, device, source=stage.source, resume=resume)
