"""Labeled sentences -> dataset rows -> grouped, stratified, seeded splits -> a Hugging Face DatasetDict.

Rows follow the built-dataset contract (id, article_id, index, text, target, mentions,
outlet, date, context, the three labels with their source and confidence). Splits never put one
article in two splits; within that constraint they are stratified by stance
(scikit-learn's StratifiedGroupKFold), seeded, and depend only on the rows, so an
unchanged corpus gets the same splits. Leave-one-article-out folds test every article once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from datasets import Dataset, DatasetDict, Features, List, Value
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from mediaframe.config import DatasetConfig
from mediaframe.records import TASKS, LabeledSentence
from mediaframe.records import sentence_row as sentence_fields

logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
MENTION = {"start": Value("int64"), "end": Value("int64"), "text": Value("string")}
FEATURES = Features({
    "id": Value("string"), "article_id": Value("string"), "index": Value("int64"), "text": Value("string"),
    "target": Value("string"), "mentions": List(MENTION), "outlet": Value("string"), "date": Value("string"),
    "context": Value("string"),
    **{f"{task}{suffix}": Value(kind) for task in TASKS
       for suffix, kind in (("", "string"), ("_source", "string"), ("_confidence", "float64"))},
})
COLUMNS = tuple(FEATURES)
SENTENCE_COLUMNS = COLUMNS[:9]  # the sentence's own fields (records.sentence_row), then its labels


@dataclass(frozen=True, slots=True)
class Fold:
    """One leave-one-article-out fold: `test` is one article, `validation` the next one (if any)."""

    name: str
    test: str
    validation: str | None


# ---------------------------------------------------------------- rows


def dataset_row(x: LabeledSentence, min_confidence: float = 0.0) -> dict[str, Any]:
    """The contract row of one labeled sentence (weak labels under `min_confidence` are left empty)."""
    row = sentence_fields(x.sentence, SENTENCE_COLUMNS)
    for task in TASKS:
        source = x.sources.get(task)
        weak = x.weak.get(task)
        confidence = 1.0 if source == "gold" else (weak.confidence if source == "weak" and weak else None)
        if source == "weak" and confidence is not None and confidence < min_confidence:
            source, confidence = None, None
        row[task] = x.labels.get(task) if source else None
        row[f"{task}_source"] = source
        row[f"{task}_confidence"] = confidence
    return row


def built_sentence_row(x: LabeledSentence, split: str, min_confidence: float = 0.0) -> dict[str, Any]:
    """The sentences.jsonl row: the contract row plus the split, the weak labels and the rules that voted."""
    row = {**dataset_row(x, min_confidence), "split": split, "mentions_target": x.sentence.mentions_target}
    for task in TASKS:
        weak = x.weak.get(task)
        row[f"weak_{task}"] = weak.label if weak else None
        row[f"weak_{task}_confidence"] = weak.confidence if weak else None
        row[f"weak_{task}_rules"] = list(weak.rules) if weak else []
    return row


def fingerprint(rows: Sequence[dict[str, Any]]) -> str:
    """A short hash of the rows' ids, texts and labels: equal when the data are equal."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r["id"]):
        digest.update(json.dumps([row["id"], row["text"], *(row[t] for t in TASKS)]).encode())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- splits


def assign_splits(rows: Sequence[dict[str, Any]], cfg: DatasetConfig, seed: int) -> dict[str, str]:
    """Article id -> 'train' | 'validation' | 'test', grouped by article and stratified by stance.

    Test takes about `test_fraction` of the articles (at least one when there are two or more),
    validation about `validation_fraction` (at least one when there are three or more).
    """
    ordered = sorted(rows, key=lambda r: (r["article_id"], r["index"], r["id"]))
    articles = sorted({r["article_id"] for r in ordered})
    split = dict.fromkeys(articles, "train")
    test = held_out_groups(ordered, cfg.test_fraction, seed, min_groups=2)
    split.update(dict.fromkeys(test, "test"))
    rest = [r for r in ordered if r["article_id"] not in test]
    rest_fraction = cfg.validation_fraction / max(1e-9, 1.0 - cfg.test_fraction)
    split.update(dict.fromkeys(held_out_groups(rest, rest_fraction, seed, min_groups=2), "validation"))
    if len(articles) < 3:
        logger.warning("%d article(s): too few for train, validation and test splits; see --folds", len(articles))
    return split


def held_out_groups(rows: Sequence[dict[str, Any]], fraction: float, seed: int, min_groups: int) -> set[str]:
    """About `fraction` of the groups: the StratifiedGroupKFold fold (of ~1/fraction) whose stance mix is closest
    to the whole's, so the held-out split is stratified as far as the article groups allow."""
    groups = [r["article_id"] for r in rows]
    n_groups = len(set(groups))
    if fraction <= 0 or n_groups < min_groups:
        return set()
    n_splits = min(n_groups, max(2, round(1 / min(fraction, 0.5))))
    y = [str(r.get("stance")) for r in rows]
    index = list(range(len(rows)))
    try:
        with warnings.catch_warnings():  # rare labels cannot be spread over every fold: stratify as far as groups allow
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=seed)
            candidates = [test for _, test in folds.split(index, y, groups)]
    except ValueError:  # every label rarer than the folds: no stratification possible, group only
        candidates = [test for _, test in GroupKFold(n_splits, shuffle=True, random_state=seed).split(index, y, groups)]
    best = min(candidates, key=lambda test: mix_distance([y[i] for i in test], y))
    return {groups[i] for i in best}


def hold_out_articles(rows: list[dict[str, Any]], fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """(kept, held out): about `fraction` of the rows' articles held out whole, as `with_validation` holds them (`train`'s
    validation articles of each extra source)."""
    held = held_out_groups(rows, fraction, seed, min_groups=2)
    return [r for r in rows if r["article_id"] not in held], [r for r in rows if r["article_id"] in held]


def mix_distance(part: Sequence[str], whole: Sequence[str]) -> float:
    """Total variation distance between the label shares of a part and of the whole."""
    part_counts, whole_counts = Counter(part), Counter(whole)
    return sum(abs(part_counts[k] / len(part) - whole_counts[k] / len(whole)) for k in whole_counts) / 2


def article_folds(article_ids: Sequence[str]) -> list[Fold]:
    """Leave-one-article-out folds in sorted article order; validation is the next article round the list."""
    ids = sorted(set(article_ids))
    return [
        Fold(f"{k}-{article}", article, ids[(k + 1) % len(ids)] if len(ids) >= 3 else None)
        for k, article in enumerate(ids)
    ]


def fold_splits(fold: Fold, article_ids: Sequence[str]) -> dict[str, str]:
    """Article id -> split name within one fold."""
    out = dict.fromkeys(article_ids, "train")
    if fold.validation is not None:
        out[fold.validation] = "validation"
    out[fold.test] = "test"
    return out


# ---------------------------------------------------------------- DatasetDict


def to_dataset_dict(rows: Sequence[dict[str, Any]], split_of: dict[str, str]) -> DatasetDict:
    """A DatasetDict with train, validation and test (possibly empty), rows in corpus order."""
    parts: dict[str, list[dict[str, Any]]] = {name: [] for name in SPLITS}
    for row in rows:
        parts[split_of[row["article_id"]]].append({column: row.get(column) for column in COLUMNS})
    return DatasetDict({  # from_dict with explicit features keeps an empty split typed
        name: Dataset.from_dict({c: [row[c] for row in part] for c in COLUMNS}, features=FEATURES)
        for name, part in parts.items()
    })


def label_counts(rows: Sequence[dict[str, Any]], split_of: dict[str, str]) -> dict[str, Any]:
    """Counts per split, task, label and source, for the card and dataset_info.json."""
    counts: dict[str, Any] = {}
    for name in SPLITS:
        part = [r for r in rows if split_of[r["article_id"]] == name]
        counts[name] = {
            "sentences": len(part),
            "articles": len({r["article_id"] for r in part}),
            **{task: count_labels(part, task) for task in TASKS},
        }
    return counts


def count_labels(rows: Sequence[dict[str, Any]], task: str) -> dict[str, dict[str, int]]:
    """{label: {source: n}} for one task; a missing label counts under '(none)'."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        label = row[task] if row[task] is not None else "(none)"
        source = row[f"{task}_source"] or "-"
        out.setdefault(label, {}).setdefault(source, 0)
        out[label][source] += 1
    return dict(sorted(out.items()))


def save_dataset_dict(dataset: DatasetDict, folder: str) -> None:
    """save_to_disk, with one shard for an empty split (datasets writes none otherwise and cannot load it back)."""
    dataset.save_to_disk(folder, num_shards={name: 1 for name, part in dataset.items() if len(part) == 0})
