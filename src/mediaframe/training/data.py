"""Training input: a built dataset, a labeled table or NewsMTSC -> train/validation rows -> model features.

`load_training_data` reads any of the accepted forms into a DatasetDict with a validation
split (a seeded split grouped by article when the input has none). `extra_sources` draws
extra stance rows (NewsMTSC) for the stance head. `features` tokenizes rows the way the
model reads them, and `MultiTaskCollator` pads a batch and builds the -100 label tensors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from datasets import Dataset, DatasetDict, load_from_disk
from transformers import PreTrainedTokenizerBase

from mediaframe.config import Config
from mediaframe.dataset.splits import held_out_groups, hold_out_articles
from mediaframe.errors import MediaframeError
from mediaframe.labels.importers import looks_like_newsmtsc, read_labeled, read_newsmtsc
from mediaframe.labels.registry import load_source
from mediaframe.labels.sources import LabeledSource
from mediaframe.model.modeling import IGNORE_INDEX, encode
from mediaframe.records import TASKS
from mediaframe.tables import TABLE_SUFFIXES

logger = logging.getLogger(__name__)

LABEL_NAMES = [f"{task}_labels" for task in TASKS]
TEACHER_POOLED = "teacher_pooled"  # a teacher's pooled representation per row, when a student matches it
TEACHER_COLUMNS = (*(f"{task}_soft" for task in TASKS), TEACHER_POOLED)  # what a teacher gives a student's rows
ROW_COLUMNS = ("id", "article_id", "text", "target", "mentions", "context", *TASKS)
SOURCE_NAMES = ("newsmtsc", "narrative_frames", "written", "finentity")  # the test sets are never training sources


# ---------------------------------------------------------------- reading


def load_training_data(path: Path, cfg: Config) -> DatasetDict:
    """Read training rows from a built dataset folder, a labeled table or NewsMTSC data.

    Accepted: a folder written by `mediaframe build` (dataset_dict.json), a NewsMTSC folder
    (split_flat/train.jsonl, with rw_dev as validation and rw_test as test), a NewsMTSC
    JSONL file (flat or nested), or a labeled CSV/TSV/JSONL/Parquet table. Without a
    validation split, `training.validation_data` is read, else articles are held out.

    Raises:
        MediaframeError: the path is missing or in none of the accepted forms.
    """
    if not path.exists():
        raise MediaframeError(f"training data {path} not found; pass a built dataset folder, a labeled table or NewsMTSC")
    if path.is_dir():
        dataset = read_folder(path)
    else:
        dataset = DatasetDict({"train": rows_dataset(read_rows(path, cfg))})
    if "validation" not in dataset or len(dataset["validation"]) == 0:
        dataset = with_validation(dataset, cfg)
    logger.info("training data %s: %s", path, ", ".join(f"{len(d):,} {name}" for name, d in dataset.items()))
    return dataset


def read_folder(path: Path) -> DatasetDict:
    """A built dataset folder or a NewsMTSC folder (split_flat/)."""
    if (path / "dataset_dict.json").is_file():
        return load_from_disk(str(path))
    flat = path / "split_flat"
    if (flat / "train.jsonl").is_file():
        splits = {"train": "train.jsonl", "validation": "rw_dev.jsonl", "test": "rw_test.jsonl"}
        return DatasetDict(
            {name: rows_dataset(read_newsmtsc(flat / file)) for name, file in splits.items() if (flat / file).is_file()}
        )
    raise MediaframeError(
        f"training data {path}: expected a folder written by `mediaframe build` (dataset_dict.json) or a NewsMTSC "
        f"folder (split_flat/train.jsonl); found {sorted(p.name for p in path.iterdir())[:8]}"
    )


def read_rows(path: Path, cfg: Config) -> list[dict[str, Any]]:
    """Rows of one file: NewsMTSC JSONL when its first line has NewsMTSC fields, else a labeled table."""
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise MediaframeError(
            f"training data {path}: expected a {', '.join(TABLE_SUFFIXES)} file or a dataset folder; found {path.suffix!r}"
        )
    if looks_like_newsmtsc(path):
        return read_newsmtsc(path)
    return read_labeled(path, cfg)


def rows_dataset(rows: Sequence[dict[str, Any]]) -> Dataset:
    """A Dataset of the columns training reads (labels may be None)."""
    return Dataset.from_list([{col: row.get(col) for col in ROW_COLUMNS} for row in rows])


def column_or_none(dataset: Dataset, name: str) -> list[Any] | None:
    """A column of the dataset, or None where it has none (rows made before the column existed)."""
    return dataset[name] if name in dataset.column_names else None


def with_validation(dataset: DatasetDict, cfg: Config) -> DatasetDict:
    """Add a validation split: `training.validation_data` when set, else whole articles held out
    (`dataset.splits.held_out_groups`: scikit-learn's group folds, stratified by stance, seeded)."""
    if cfg.training.validation_data:
        validation = rows_dataset(read_rows(Path(cfg.training.validation_data), cfg))
        return DatasetDict({**dataset, "validation": validation})
    train = dataset["train"]
    if len(set(train["article_id"])) < 2:
        raise MediaframeError(
            f"training data has {len(set(train['article_id']))} article; a validation split needs at least two "
            "articles, or give one with --set training.validation_data=PATH"
        )
    held = held_out_groups(train.select_columns(["article_id", "stance"]).to_list(),
                           cfg.training.validation_fraction, cfg.seed, min_groups=2)
    in_validation = [a in held for a in train["article_id"]]
    return DatasetDict(
        {
            **dataset,
            "train": train.select([i for i, v in enumerate(in_validation) if not v]),
            "validation": train.select([i for i, v in enumerate(in_validation) if v]),
        }
    )


# ---------------------------------------------------------------- transfer rows (stance head)


def extra_sources(cfg: Config) -> list[LabeledSource]:
    """Extra labeled sources: named ones (newsmtsc, narrative_frames, written) or labeled tables by path.

    `training.extra_stance_max_rows` caps the NewsMTSC rows that carry a stance only (rows the
    team labeled for sentiment and frame are always kept), sampled with the seed.
    """
    names = [cfg.training.extra_stance_data] if cfg.training.extra_stance_data else []
    names += [name for name in cfg.training.extra_sources if name not in names]  # each source once
    sources = [named_source(name, cfg) for name in names]
    if cfg.training.replay_rows:
        sources = replay_sample(sources, cfg.training.replay_rows, cfg.seed)
    for source in sources:
        logger.info("extra rows: %d from %s", len(source.rows), source.name)
    return sources


def source_validation_articles(cfg: Config) -> set[str]:
    """The extra sources' articles `train` holds out for validation with these settings (as prepare_splits does).

    None with sequential transfer (the second stage, which writes the model, learns no source row; the first
    holds its own share out) or with `training.extra_validation_fraction` 0 (the sources are pooled with the
    data and split with it): a warning says the student may then see some articles the teacher was validated on.
    """
    if cfg.training.transfer == "sequential" or cfg.training.extra_validation_fraction == 0:
        logger.warning("distill.hold_out: the teacher held no source articles out by source (training.transfer = %s, "
                       "extra_validation_fraction = %s); none are left out", cfg.training.transfer,
                       cfg.training.extra_validation_fraction)
        return set()
    fraction = cfg.training.extra_validation_fraction
    return {row["article_id"] for source in extra_sources(cfg) for row in hold_out_articles(source.rows, fraction, cfg.seed)[1]}


def replay_sample(sources: list[LabeledSource], total: int, seed: int) -> list[LabeledSource]:
    """At most `total` rows of all sources together, each source keeping its share, sampled with the seed."""
    available = sum(len(source.rows) for source in sources)
    if available <= total:
        return sources
    rng = random.Random(seed)
    return [replace(source, rows=rng.sample(source.rows, round(total * len(source.rows) / available))) for source in sources]


def named_source(name: str, cfg: Config) -> LabeledSource:
    if name in SOURCE_NAMES:
        source = load_source(name, cfg)
    else:
        source = LabeledSource(Path(name).stem, "import", "real news", read_rows(Path(name), cfg))
    if name == cfg.training.extra_stance_data and cfg.training.extra_stance_max_rows:
        source = capped(source, cfg.training.extra_stance_max_rows, cfg.seed)
    return source


def capped(source: LabeledSource, cap: int, seed: int) -> LabeledSource:
    """At most `cap` stance-only rows of a source, sampled with the seed; fully labeled rows all stay."""
    full = [r for r in source.rows if r.get("sentiment") or r.get("frame")]
    stance_only = [r for r in source.rows if not (r.get("sentiment") or r.get("frame"))]
    if len(stance_only) > cap:
        stance_only = random.Random(seed).sample(stance_only, cap)
    return replace(source, rows=full + stance_only)


# ---------------------------------------------------------------- checks and features


def check_labels(dataset: Dataset, labels: dict[str, Sequence[str]], split: str) -> None:
    """Refuse a label outside the codebook, naming the split, the row and the allowed labels."""
    for task in TASKS:
        allowed = set(labels[task])
        for row_id, value in zip(dataset["id"], dataset[task], strict=True):
            if value is not None and value not in allowed:
                raise MediaframeError(
                    f"{split} row {row_id}: {task} label {value!r} is not in the codebook; expected one of "
                    f"{', '.join(labels[task])}; set labeling.codebook to the codebook the data was built with"
                )


def label_counts(dataset: Dataset) -> dict[str, dict[str, int]]:
    """Labeled rows per task and label."""
    counts: dict[str, dict[str, int]] = {}
    for task in TASKS:
        values = [v for v in dataset[task] if v is not None]
        counts[task] = {label: values.count(label) for label in sorted(set(values))}
    return counts


def fingerprint(dataset: Dataset) -> str:
    """sha256 of the training rows (text, target, mentions, context and labels, in order)."""
    digest = hashlib.sha256()
    for row in dataset.select_columns(list(ROW_COLUMNS)):
        digest.update(json.dumps([row[c] for c in ROW_COLUMNS], sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def features(
    dataset: Dataset, tokenizer: PreTrainedTokenizerBase, labels: dict[str, Sequence[str]], max_length: int, mode: str,
    context: bool = False,
) -> Dataset:
    """Token ids and per-task label ids (-100 where a row has no label), one row per input row; with `context`,
    each row's context is read as the second segment."""
    encoded = encode(tokenizer, dataset["text"], dataset["target"], dataset["mentions"], max_length, mode,
                     contexts=dataset["context"] if context else None)
    columns: dict[str, Any] = {key: list(value) for key, value in encoded.items()}
    for task in TASKS:
        index = {label: i for i, label in enumerate(labels[task])}
        columns[f"{task}_labels"] = [IGNORE_INDEX if v is None else index[v] for v in dataset[task]]
    columns["length"] = [len(ids) for ids in columns["input_ids"]]
    return Dataset.from_dict(columns)


@dataclass
class MultiTaskCollator:
    """Pads token ids to the longest row of a batch and stacks the three label columns (and a teacher's soft
    labels and pooled representations where the rows have them)."""

    pad_token_id: int

    def __call__(self, rows: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        width = max(len(row["input_ids"]) for row in rows)
        batch: dict[str, torch.Tensor] = {}
        for key, pad in (("input_ids", self.pad_token_id), ("attention_mask", 0), ("token_type_ids", 0)):
            if key in rows[0]:
                batch[key] = torch.tensor([list(row[key]) + [pad] * (width - len(row[key])) for row in rows])
        for name in LABEL_NAMES:
            batch[name] = torch.tensor([row.get(name, IGNORE_INDEX) for row in rows], dtype=torch.long)
        for name in (name for name in TEACHER_COLUMNS if name in rows[0]):  # a teacher's, when distilling
            batch[name] = torch.tensor([row[name] for row in rows], dtype=torch.float32)
        return batch
