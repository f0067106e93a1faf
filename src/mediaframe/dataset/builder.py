"""`mediaframe build`: corpus -> sentences -> gold + weak labels -> a saved DatasetDict with its card.

Everything is read and checked before anything is written; the output folder is written
under a temporary name beside DIR and renamed into place at the end, so a failed build
leaves nothing behind (and an existing DIR, replaced only with --force, stays intact).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.corpus.reading import read_articles
from mediaframe.corpus.sentences import corpus_sentences
from mediaframe.dataset.card import render_card
from mediaframe.dataset.splits import (
    article_folds,
    assign_splits,
    built_sentence_row,
    dataset_row,
    fingerprint,
    fold_splits,
    label_counts,
    save_dataset_dict,
    to_dataset_dict,
)
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output, staged_folder, write_jsonl
from mediaframe.labels import gold as gold_files
from mediaframe.labels import importers
from mediaframe.labels.codebook import Codebook, codebook_for
from mediaframe.labels.embeddings import Embedder, load_embedder
from mediaframe.labels.labeling import weak_label
from mediaframe.labels.sources import agreement_table
from mediaframe.records import GoldLabel, Sentence

logger = logging.getLogger(__name__)

FORMAT = "mediaframe-dataset"
NO_EMBEDDING = "none"


@dataclass(frozen=True, slots=True)
class BuildResult:
    """What a build wrote, for the command's summary."""

    out: Path
    articles: int
    sentences: int
    counts: dict[str, Any]
    quality: dict[str, Any] | None = None
    gold: str = ""
    folds: list[str] = field(default_factory=list)


def build(
    corpus: Path,
    target: str,
    out: Path,
    cfg: Config,
    gold_paths: Sequence[Path] = (),
    folds: bool = False,
    embed: Embedder | None = None,
) -> BuildResult:
    """Build a labeled dataset from a corpus and save it in `out` (replacing what is there).

    Args:
        corpus: a folder of articles or an article table (see corpus.reading.read_articles).
        target: the entity whose stance is labeled.
        out: the output folder.
        cfg: the configuration.
        gold_paths: gold files (JSONL/CSV) for this corpus and target.
        folds: also write leave-one-article-out folds under out/folds/.
        embed: sentence embedder for the frame-similarity rules (default: labeling.embedding_model;
            labeling.embedding_model = "none" switches those rules off).

    Raises:
        MediaframeError: bad corpus, gold for another target, labels outside the codebook,
            duplicate gold ids, or no sentence left after cleaning.
    """
    codebook = codebook_for(cfg.labeling)
    articles = read_articles(corpus, cfg.data)
    sentences = list(corpus_sentences(articles, target, cfg))
    if not sentences:
        raise MediaframeError(
            f"corpus {corpus}: no sentence left after cleaning ({len(articles)} articles); "
            "check that the files hold article text, or switch cleaning off with --set cleaning.enabled=false"
        )
    matched, summary = read_matched_gold(gold_paths, codebook, target, sentences)
    if embed is None and cfg.labeling.embedding_model != NO_EMBEDDING:
        with quiet_hf_bars():
            embed = load_embedder(cfg.labeling.embedding_model, cfg.labeling.embedding_batch_size)
    weak = weak_label(sentences, codebook, cfg.labeling, embed, matched)
    rows = [dataset_row(x, cfg.dataset.min_confidence) for x in weak.labeled]
    split_of = assign_splits(rows, cfg.dataset, cfg.seed)
    fold_list = article_folds(split_of) if folds else []
    meta = metadata(corpus, target, gold_paths, codebook, cfg, rows, split_of, [f.name for f in fold_list])
    lines = [built_sentence_row(x, split_of[x.sentence.article_id], cfg.dataset.min_confidence) for x in weak.labeled]
    with staged_folder(out) as stage, quiet_hf_bars():
        write_outputs(stage, rows, split_of, lines, meta, weak.quality)
        for fold in fold_list:
            fold_dict = to_dataset_dict(rows, fold_splits(fold, list(split_of)))
            save_dataset_dict(fold_dict, str(stage / "folds" / fold.name))
        if fold_list:
            write_json([{"name": f.name, "test": f.test, "validation": f.validation} for f in fold_list],
                       stage / "folds" / "folds.json")
    return BuildResult(out, len(articles), len(sentences), meta["counts"], weak.quality, summary,
                       [f.name for f in fold_list])


def import_labeled(path: Path, out: Path, cfg: Config, fmt: str = "auto", target: str | None = None) -> BuildResult:
    """Turn a labeled table or NewsMTSC JSONL into a dataset folder laid out like `build`'s (labels from "import").

    Args:
        path: the labeled file.
        out: the output folder.
        cfg: the configuration (imports.column_map / label_map / target for tables).
        fmt: 'auto' (NewsMTSC when its fields are there), 'table' or 'newsmtsc'.
        target: target of table rows without a target column.

    Raises:
        MediaframeError: an unknown format, or a file the importer refuses.
    """
    if fmt not in ("auto", "table", "newsmtsc"):
        raise MediaframeError(f"--format {fmt!r}: expected auto, table or newsmtsc")
    if fmt == "newsmtsc" or (fmt == "auto" and importers.looks_like_newsmtsc(path)):
        rows = importers.read_newsmtsc(path)
    else:
        rows = importers.read_labeled(path, cfg, target)
    if not rows:
        raise MediaframeError(f"{path}: no labeled row to import")
    split_of = assign_splits(rows, cfg.dataset, cfg.seed)
    targets = sorted({r["target"] for r in rows})
    name = targets[0] if len(targets) == 1 else f"{len(targets)} targets"
    meta = {**metadata(path, name, [], codebook_for(cfg.labeling), cfg, rows, split_of, []), "labels_from": "import"}
    lines = [{**row, "split": split_of[row["article_id"]]} for row in rows]
    with staged_folder(out) as stage, quiet_hf_bars():
        write_outputs(stage, rows, split_of, lines, meta, None)
    return BuildResult(out, len(split_of), len(rows), meta["counts"])


def read_matched_gold(
    paths: Sequence[Path], codebook: Codebook, target: str, sentences: list[Sentence]
) -> tuple[dict[str, GoldLabel], str]:
    """Read every gold file, check its target and ids, and match it to the sentences."""
    if not paths:
        return {}, ""
    rows: list[GoldLabel] = []
    seen: dict[str, Path] = {}
    for path in paths:
        file_rows = gold_files.read_gold(path, codebook)
        gold_files.check_target(file_rows, target, path)
        for row in file_rows:
            if row.sentence_id in seen:
                raise MediaframeError(
                    f"gold: sentence id {row.sentence_id!r} is in both {seen[row.sentence_id]} and {path}; "
                    "expected each sentence in one gold file; delete one of the rows"
                )
            seen[row.sentence_id] = path
        rows.extend(file_rows)
    match = gold_files.match_gold(sentences, rows)
    if rows and not match.matched:
        raise MediaframeError(
            f"gold: none of the {len(rows)} rows of {', '.join(map(str, paths))} matches a sentence of this corpus "
            "(by id and text); expected gold written for this corpus; check the corpus path or the gold file"
        )
    return match.matched, match.summary()


def metadata(
    corpus: Path, target: str, gold_paths: Sequence[Path], codebook: Codebook, cfg: Config,
    rows: list[dict[str, Any]], split_of: dict[str, str], folds: list[str],
) -> dict[str, Any]:
    """dataset_info.json: what was built from what, with which settings."""
    return {
        "format": FORMAT, "version": 1, "mediaframe_version": package_version(), "target": target,
        "corpus": str(corpus), "gold": [str(p) for p in gold_paths], "codebook": codebook.raw,
        "config": cfg.model_dump(mode="json"), "fingerprint": fingerprint(rows),
        "sentences": len(rows), "articles": len(split_of), "splits": split_of,
        "counts": label_counts(rows, split_of), "folds": folds, "agreement": agreement_table(cfg),
    }


@contextmanager
def quiet_hf_bars() -> Iterator[None]:
    """Silence the datasets/transformers progress bars for a block (ours report the counts instead)."""
    import datasets.utils.logging as ds_logging
    import transformers.utils.logging as hf_logging

    was = ds_logging.is_progress_bar_enabled(), hf_logging.is_progress_bar_enabled()
    ds_logging.disable_progress_bar()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was[0]:
            ds_logging.enable_progress_bar()
        if was[1]:
            hf_logging.enable_progress_bar()


def package_version() -> str:
    try:
        return version("mediaframe")
    except PackageNotFoundError:
        return "unknown"


def write_outputs(
    folder: Path, rows: list[dict[str, Any]], split_of: dict[str, str], lines: list[dict[str, Any]],
    meta: dict[str, Any], quality: dict[str, Any] | None,
) -> None:
    """The DatasetDict, sentences.jsonl, dataset_info.json, weak_quality.json and card.md."""
    save_dataset_dict(to_dataset_dict(rows, split_of), str(folder))
    write_jsonl(lines, folder / "sentences.jsonl")
    write_json(meta, folder / "dataset_info.json")
    if quality is not None:
        write_json(quality, folder / "weak_quality.json")
    with atomic_output(folder / "card.md") as handle:
        handle.write(render_card(meta, quality))


def write_json(data: Any, path: Path) -> None:
    with atomic_output(path) as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
