"""`mediaframe suggest`: the sentences of a corpus whose labels would teach a model most, written for labeling.

Corpus -> sentences toward the target -> the ones already labeled left out -> the model's probabilities
-> uncertainty and sentence embeddings -> a batch that covers the corpus (`selection`) -> Label Studio tasks
(the model's labels as pre-annotations) and the annotation CSV, both in the form `annotate import`
reads back. The summary says how much the batch is worth: the share of it the model expects to get
wrong, beside that share over the whole corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.analyst.selection import PICKERS, expected_error, uncertainty
from mediaframe.config import Config
from mediaframe.corpus.sentences import corpus_sentence_rows
from mediaframe.errors import MediaframeError
from mediaframe.labels.annotation import add_context, write_annotation_csv, write_label_studio
from mediaframe.labels.codebook import codebook_for
from mediaframe.labels.embeddings import Embedder
from mediaframe.records import TASKS, cell_text
from mediaframe.tables import read_table

logger = logging.getLogger(__name__)

MODEL_VERSION = "mediaframe-suggest"


@dataclass(frozen=True)
class Suggestion:
    """What `suggest` wrote and what the batch is worth."""

    picked: int
    candidates: int
    already_labeled: int
    batch_error: dict[str, float]  # the model's expected error share on the batch, per task
    corpus_error: dict[str, float]  # ... on every unlabeled sentence of the corpus
    files: tuple[Path, ...]

    def hint(self) -> str:
        """The stopping hint: the batch is worth labeling while the model doubts it well beyond the corpus."""
        batch, corpus = self.batch_error["stance"], self.corpus_error["stance"]
        advice = ("label it: the model doubts these far more than the rest" if batch > corpus + 0.10 else
                  "the gain is small now: these are hardly harder than the rest; "
                  "label a random sample to measure the model, or stop")
        return (f"the model expects to get the stance of {batch:.0%} of this batch wrong "
                f"({corpus:.0%} over the corpus's {self.candidates} unlabeled sentences); {advice}")


def suggest(model: str | Path, corpus: Path, target: str, n: int, out: Path, cfg: Config, per_article: int = 3,
            labeled: Sequence[Path] = (), embed: Embedder | None = None, selection: str = "typical") -> Suggestion:
    """Write the `n` sentences of `corpus` whose labels would teach `model` most to `out`.json (Label Studio tasks,
    with out.label_config.xml) and `out`.csv. `embed` places sentences for the clustering (default: the
    bundled sentence-embedding model, `labeling.embedding_model`); `selection` picks them (selection.PICKERS:
    typical ones that cover the corpus, weighted by doubt, or the most uncertain spread over clusters).

    Raises:
        MediaframeError: n or per_article below 1, an unknown selection, an unreadable or empty corpus, a sentence
            without a target, a model folder that is not mediaframe's, a labeled file without ids or texts.
    """
    from mediaframe.labels.embeddings import load_embedder
    from mediaframe.predict.prediction_rows import predictor_for

    check_counts(n, per_article)
    if selection not in PICKERS:
        raise MediaframeError(f"selection {selection!r}: expected one of {', '.join(PICKERS)}")
    rows, left_out = unlabeled_rows(corpus, target, cfg, labeled)
    predictor = predictor_for(model, cfg)
    texts = [row["text"] for row in rows]
    probs = predictor.predict_proba(texts, [row["target"] for row in rows], [row["mentions"] for row in rows],
                                    [row.get("context") for row in rows])
    doubt = uncertainty(probs)
    embeddings = (embed or load_embedder(cfg.labeling.embedding_model))(texts)
    picked = PICKERS[selection](doubt, embeddings, [row["article_id"] for row in rows], n, per_article, cfg.seed)
    tasks = [with_model_labels(rows[i], probs, predictor.labels, i) for i in picked]
    files = write_tasks(tasks, out, cfg)
    return Suggestion(len(picked), len(rows), left_out, expected_error(probs, picked),
                      expected_error(probs, list(range(len(rows)))), files)


def check_counts(n: int, per_article: int) -> None:
    if n < 1:
        raise MediaframeError(f"--n {n}: expected the number of sentences to suggest, 1 or more")
    if per_article < 1:
        raise MediaframeError(f"--per-article {per_article}: expected 1 or more sentences per article")


def unlabeled_rows(corpus: Path, target: str, cfg: Config, labeled: Sequence[Path]) -> tuple[list[dict[str, Any]], int]:
    """The corpus's sentence rows with their article context, less those already labeled; and how many were left out.

    Raises:
        MediaframeError: the corpus cannot be read, names no target, or has no sentence left to label.
    """
    rows = add_context(corpus_sentence_rows(corpus, target, cfg))
    if not rows:
        raise MediaframeError(f"{corpus}: no sentence left after cleaning; expected articles with text to suggest from")
    known_ids, known_texts = labeled_keys(labeled)
    kept = [r for r in rows if r["id"] not in known_ids and (text_key(r["text"]), r["target"]) not in known_texts]
    if not kept:
        raise MediaframeError(f"{corpus}: no unlabeled sentence left to suggest ({len(rows)} sentences, all labeled)")
    return kept, len(rows) - len(kept)


def labeled_keys(paths: Sequence[Path]) -> tuple[set[str], set[tuple[str, str]]]:
    """Ids, and (text, target) pairs, of the rows of labeled files (gold JSONL, annotation CSV, a built dataset's
    sentences): a sentence already labeled is matched by either.

    Raises:
        MediaframeError: a file cannot be read, or has neither an id nor a text column.
    """
    ids: set[str] = set()
    texts: set[tuple[str, str]] = set()
    for path in paths:
        table = read_table(path / "sentences.jsonl" if path.is_dir() else path)
        if table and "id" not in table[0] and "text" not in table[0]:
            raise MediaframeError(f"--labeled {path}: expected 'id' or 'text' columns; found {sorted(table[0])[:8]}")
        ids |= {cell_text(row.get("id")) for row in table} - {""}
        texts |= {(text_key(cell_text(row.get("text"))), cell_text(row.get("target"))) for row in table}
    return ids, texts


def text_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def with_model_labels(row: dict[str, Any], probs: dict[str, np.ndarray], labels: dict[str, list[str]],
                      index: int) -> dict[str, Any]:
    """The row with the model's label and probability per task where the annotation files show weak labels."""
    out = dict(row)
    for task in TASKS:
        best = int(probs[task][index].argmax())
        out[f"weak_{task}"] = labels[task][best]
        out[f"weak_{task}_confidence"] = round(float(probs[task][index][best]), 4)
    return out


def task_paths(out: Path) -> tuple[Path, Path, Path]:
    """The files `suggest` writes for `out`: out.json (Label Studio tasks), out.label_config.xml, out.csv."""
    stem = out.with_suffix("") if out.suffix.lower() in (".json", ".csv") else out
    return tuple(stem.with_name(stem.name + suffix) for suffix in (".json", ".label_config.xml", ".csv"))  # type: ignore[return-value]


def write_tasks(tasks: list[dict[str, Any]], out: Path, cfg: Config) -> tuple[Path, ...]:
    """The suggested sentences as Label Studio tasks (the model's labels pre-annotated) and as the annotation CSV."""
    tasks_json, interface, tasks_csv = task_paths(out)
    try:
        write_label_studio(tasks, tasks_json, codebook_for(cfg.labeling), MODEL_VERSION)
        write_annotation_csv(tasks, tasks_csv)
    except MediaframeError:  # each file is written atomically; a set of files is kept whole or not at all
        for path in (tasks_json, interface, tasks_csv):
            path.unlink(missing_ok=True)
        raise
    return tasks_json, interface, tasks_csv
