"""Labeled sources beside the user's rows: NewsMTSC, the Narrative Frames Corpus and the written coverage.

The project keeps only labels for real news, keyed by the source's own ids and character
offsets (data/labels/); the texts are read from the benchmark folder (`sources.benchmarks`,
../shared/benchmarks in the checkout). The written coverage (data/written/) is the team's own
text and carries its labels inline. Each loader returns a `LabeledSource`: training rows in the
built dataset's row shape (docs/FORMATS.md) plus what the model folder records about them (`data.sources`).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.corpus.segmentation import split_article
from mediaframe.corpus.targets import TargetSpec, mentions_in_order, resolve_target
from mediaframe.errors import MediaframeError
from mediaframe.labels.importers import make_row, read_newsmtsc, set_label
from mediaframe.records import TASKS, Article, Mention, mention_rows, sentence_context
from mediaframe.tables import table_rows

logger = logging.getLogger(__name__)

NEWSMTSC_LABELS = ("newsmtsc_train.jsonl", "newsmtsc_train_more.jsonl")  # the first round, then the second
NFC_LABELS = ("narrative_frames.jsonl", "narrative_frames_context.jsonl")
AGREEMENT = "agreement.json"
WRITTEN_ARTICLES = "articles.jsonl"
NFC_TEST_FOLD = "5"  # the authors' fold 5: a test set, never trained, tuned or selected on
NFC_FIELDS = ("article_id", "index", "start", "end", "entity", "fold", "stance", "sentiment", "frame")
SentenceFound = tuple[tuple[Mention, ...], str]  # a labeled sentence's mentions of its entity, and its context
NOT_FOUND: SentenceFound = ((), "")
NEWSMTSC_KEY = re.compile(r"_[^_]*_\d+_\d+$")  # "<sentence key>_<target>_<from>_<to>" -> sentence key


@dataclass(frozen=True)
class LabeledSource:
    """Rows of one labeled source and what the model folder says about them."""

    name: str
    kind: str  # gold | import | weak
    origin: str  # "real news" | "written"
    rows: list[dict[str, Any]]
    kappa: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The `data.sources` entry: name, kind, origin, rows, label_counts and (for sets the team labeled) kappa."""
        counts = {task: dict(sorted(Counter(r[task] for r in self.rows if r.get(task)).items())) for task in TASKS}
        entry: dict[str, Any] = {"name": self.name, "kind": self.kind, "origin": self.origin, "rows": len(self.rows),
                                 "label_counts": counts}
        if self.kappa:
            entry["kappa"] = self.kappa
        return entry


def agreement(cfg: Config, name: str) -> dict[str, float]:
    """Cohen's kappa per task of the second annotation of a labeled set (data/labels/agreement.json)."""
    entry = agreement_table(cfg).get(name, {})
    return {task: float(value) for task, value in entry.get("kappa", {}).items()}


def agreement_table(cfg: Config) -> dict[str, Any]:
    """Every labeled set's agreement, as `mediaframe annotate import --agreement` keeps it; {} when there is none."""
    path = Path(cfg.sources.labels) / AGREEMENT
    return read_agreement_file(path, str(path), "rewrite it with `mediaframe annotate import A B --agreement FILE --name SET`")


def read_agreement_file(path: Path, where: str, fix: str) -> dict[str, Any]:
    """The one reader of agreement files: a JSON object of labeled sets ({} when the file does not exist yet).

    Raises:
        MediaframeError: the file is not a JSON object (the message names `where` and ends with `fix`).
    """
    if not path.is_file():
        return {}
    try:
        table = json.loads(path.read_text(encoding="utf-8-sig"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        table = None
    if not isinstance(table, dict):
        raise MediaframeError(f"{where}: expected a JSON object of labeled sets; found something else; {fix}")
    return table


# ---------------------------------------------------------------- NewsMTSC


def newsmtsc_dir(cfg: Config) -> Path:
    """The NewsMTSC folder under `sources.benchmarks`; one clear line when it is missing."""
    folder = Path(cfg.sources.benchmarks) / "newsmtsc"
    if not (folder / "split_flat" / "train.jsonl").is_file():
        raise MediaframeError(
            f"NewsMTSC not found: expected {folder}/split_flat/train.jsonl; set --set sources.benchmarks=DIR to the "
            "folder that holds newsmtsc/, or train without it: --set training.extra_stance_data=''"
        )
    return folder


def newsmtsc_source(cfg: Config) -> LabeledSource:
    """NewsMTSC train: its stance toward each mention, and the team's sentence sentiment and frame where labeled."""
    rows = read_newsmtsc(newsmtsc_dir(cfg) / "split_flat" / "train.jsonl")
    labels = {r["key"]: r for name in NEWSMTSC_LABELS
              for r in read_labels(Path(cfg.sources.labels) / name, required=False, fields=("key", "sentiment", "frame"))}
    for row in rows:
        label = labels.get(NEWSMTSC_KEY.sub("", row["id"]))
        if label is None:
            continue
        check_text(row["text"], label, f"NewsMTSC {row['id']}")
        for task in ("sentiment", "frame"):
            set_label(row, task, label[task], source="gold")
    if not labels:
        logger.warning("NewsMTSC: no sentence labels at %s; its rows teach stance only", cfg.sources.labels)
    return LabeledSource("newsmtsc", "import", "real news", rows, agreement(cfg, "newsmtsc"))


# ---------------------------------------------------------------- Narrative Frames Corpus


def narrative_frames_source(cfg: Config, test: bool) -> LabeledSource:
    """The team's labels on Narrative Frames sentences (folds 1-4, or fold 5 with `test`), joined with the texts."""
    labels = [r for name in NFC_LABELS for r in read_labels(Path(cfg.sources.labels) / name, required=name == NFC_LABELS[0],
                                                            fields=NFC_FIELDS)
              if (str(r["fold"]) == NFC_TEST_FOLD) == test]
    articles = nfc_articles(Path(cfg.sources.benchmarks).resolve() / "narrative_frames")
    found: dict[tuple[str, str], dict[int, SentenceFound]] = {}
    rows = [nfc_row(label, articles, found, cfg) for label in labels]
    name = "narrative_frames_test" if test else "narrative_frames"
    return LabeledSource(name, "gold", "real news", rows, agreement(cfg, name))


def nfc_row(
    label: dict[str, Any],
    articles: dict[str, dict[str, str]],
    found: dict[tuple[str, str], dict[int, SentenceFound]],
    cfg: Config,
) -> dict[str, Any]:
    """One labeled (sentence, entity) pair as a training row; mentions found in the article's context."""
    article_id = str(label["article_id"])
    if article_id not in articles:
        raise MediaframeError(f"Narrative Frames article {article_id} not in articles_metadata.tsv; check the labels file")
    meta = articles[article_id]
    key = (article_id, label["entity"])
    if key not in found:
        found[key] = sentences_found(article_id, meta["text"], label["entity"], cfg)
    mentions, context = found[key].get(label["start"], NOT_FOUND)
    return labeled_row(label, f"nfc-{article_id}", meta["text"], mentions, meta["source"], meta["date"], context)


@cache
def nfc_articles(folder: Path) -> dict[str, dict[str, str]]:
    """articles_metadata.tsv by article ID (the file quotes fields CSV-style and holds long texts)."""
    path = folder / "articles_metadata.tsv"
    if not path.is_file():
        raise MediaframeError(
            f"Narrative Frames Corpus not found: expected {path}; set --set sources.benchmarks=DIR to the folder that "
            "holds narrative_frames/, or train without it: --set training.extra_sources='[\"written\"]'"
        )
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["ID"]: {k: row.get(k) or "" for k in ("source", "mbfc", "date", "text")}
                for row in csv.DictReader(handle, delimiter="\t")}


def nfc_folds(folder: Path) -> dict[str, str]:
    """Article ID -> the authors' test fold (folds.tsv)."""
    with (folder / "folds.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["ID"]: row["test_fold"] for row in csv.DictReader(handle, delimiter="\t")}


def sentences_found(article_id: str, text: str, entity: str, cfg: Config) -> dict[int, SentenceFound]:
    """Sentence start -> (mentions of `entity`, the sentence's context), reading the raw article text as `predict`
    reads an article."""
    sentences = split_article(Article(id=article_id, text=text), cfg.segmentation)
    spec = resolve_target(entity, cfg.targets)
    found = mentions_in_order([s.text for s in sentences], spec)
    return {s.start: (mentions, s.context) for s, mentions in zip(sentences, found, strict=True)}


def labeled_row(
    label: dict[str, Any], article_id: str, article_text: str, mentions: tuple[Mention, ...], outlet: str, date: str,
    context: str = "",
) -> dict[str, Any]:
    """A training row of one labeled (sentence, entity) unit of a source article, its text checked against the label."""
    text = article_text[label["start"] : label["end"]]
    check_text(text, label, f"{outlet} article {article_id}")
    row = make_row({"id": f"{article_id}:{label['index']}:{label.get('unit') or slug(label['entity'])}",
                    "article_id": article_id, "index": label["index"], "text": text, "target": label["entity"],
                    "outlet": outlet, "date": date, "mentions": mention_rows(mentions), "context": context})
    for task in TASKS:
        set_label(row, task, label[task], source="gold")
    row["mentions_target"] = bool(label.get("mentions_target"))
    return row


# ---------------------------------------------------------------- written coverage


def written_source(cfg: Config) -> LabeledSource:
    """The team's written coverage: articles of labeled sentences about many targets."""
    path = Path(cfg.sources.written) / WRITTEN_ARTICLES
    if not path.is_file():
        raise MediaframeError(f"written coverage not found: expected {path}; set --set sources.written=DIR (the "
                              "checkout's data/written), or train without it: --set training.extra_sources=[]")
    rows = [row for article in table_rows(path, None) for row in written_rows(article, cfg)]
    return LabeledSource("written", "gold", "written", rows, agreement(cfg, "written"))


def written_rows(article: dict[str, Any], cfg: Config) -> list[dict[str, Any]]:
    """Rows of one written article, mentions found in its context as `predict` finds them."""
    sentences = article["sentences"]
    spec: TargetSpec = resolve_target(article["target"], cfg.targets)
    found = mentions_in_order([s["text"] for s in sentences], spec)
    rows = []
    for index, sentence in enumerate(sentences):
        missing = [name for name in ("text", *TASKS) if name not in sentence]
        if missing:
            raise MediaframeError(f"written article {article.get('id')!r} sentence {index}: missing "
                                  f"{', '.join(missing)}; every sentence needs text, stance, sentiment and frame")
    for index, (sentence, mentions) in enumerate(zip(sentences, found, strict=True)):
        previous = sentences[index - 1]["text"] if index else ""
        row = make_row({"id": f"{article['id']}:{index}", "article_id": article["id"], "index": index,
                        "text": sentence["text"], "target": article["target"], "outlet": article.get("outlet", ""),
                        "date": article.get("date", ""), "mentions": mention_rows(mentions),
                        "context": sentence_context(str(article.get("title") or ""), previous, sentence["text"])})
        for task in TASKS:
            set_label(row, task, sentence[task], source="gold")
        row["mentions_target"] = bool(sentence.get("mentions_target"))
        rows.append(row)
    return rows


# ---------------------------------------------------------------- shared


def read_labels(path: Path, required: bool = True, fields: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The label rows of one file, each checked for the fields its loader reads."""
    if not path.is_file():
        if required:
            raise MediaframeError(f"labels {path} not found; set --set sources.labels=DIR to the folder of label files")
        return []
    rows = list(table_rows(path, None))
    for number, row in enumerate(rows, start=1):
        missing = [name for name in fields if name not in row]
        if missing:
            raise MediaframeError(f"labels {path} line {number}: expected the fields {', '.join(fields)}; "
                                  f"missing {', '.join(missing)}; fix or remove the line")
    return rows


def text_hash(text: str) -> str:
    """Short fingerprint of a sentence: a label file keyed by offsets notices a changed source text."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def check_text(text: str, label: dict[str, Any], where: str) -> None:
    if label.get("sha1") and text_hash(text) != label["sha1"]:
        raise MediaframeError(f"{where}: the text at the labeled offsets changed (hash {text_hash(text)}, "
                              f"labels expect {label['sha1']}); use the source version the labels were made on")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
