"""Input records to sentence rows: articles are cleaned, segmented and searched for the target; sentence
rows keep their own ids and targets. What cannot be scored is skipped and counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.corpus.reading import iter_articles, iter_sentence_rows
from mediaframe.corpus.sentences import sentences_toward
from mediaframe.errors import MediaframeError
from mediaframe.records import Article, given_context, sentence_row
from mediaframe.tables import skip

ARTICLE_SENTENCE_FIELDS = ("id", "article_id", "index", "outlet", "date", "author", "title", "url", "text", "target", "mentions",
                           "context")


def input_records(source: Path, unit: str, cfg: Config, stats: Counter[str]) -> Iterator[Article | dict[str, Any]]:
    """Articles, or sentence rows with `--unit sentence`, streamed; bad records skipped and counted in `stats`."""
    if unit == "sentence":
        yield from iter_sentence_rows(source, cfg.data, stats)
    else:
        yield from iter_articles(source, cfg.data, stats)


def records_to_rows(
    records: Iterable[Article | dict[str, Any]], unit: str, targets: Sequence[str], cfg: Config, stats: Counter[str]
) -> Iterator[list[dict[str, Any]]]:
    """The sentence rows of each record (an empty list for a skipped record, so it still counts as done): one row per
    sentence and target, toward the record's own target, else toward each of `targets` in turn."""
    article_cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"max_article_chars": cfg.predict.max_article_chars})})
    for record in records:
        if isinstance(record, Article):
            yield article_rows(record, targets, article_cfg, stats)
            continue
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            skip(stats, "no_text", f"input row {record['_number']}: no 'text'")
            yield []
        elif not (str(record.get("target") or "").strip() or any(t.strip() for t in targets)):
            skip(stats, "no_target", f"input row {record['_number']}: no 'target' and no --target")
            yield []
        else:
            yield toward_each(sentence_input_row(record, text), targets)


def toward_each(row: dict[str, Any], targets: Sequence[str]) -> list[dict[str, Any]]:
    """A sentence row with its own target as it is; else one copy per target (mentions given with the row are kept
    only where there is one target they can belong to)."""
    if row["target"] or len(targets) <= 1:
        return [row if row["target"] else {**row, "target": targets[0] if targets else ""}]
    return [{k: v for k, v in row.items() if k != "mentions"} | {"target": target} for target in targets]


def article_rows(article: Article, targets: Sequence[str], cfg: Config, stats: Counter[str]) -> list[dict[str, Any]]:
    """The sentence rows of one article toward its own target, else toward each target (segmented once); none
    (counted once in `stats`) when it has no target or no sentence left."""
    if not (article.target.strip() or any(t.strip() for t in targets)):
        skip(stats, "no_target", f"article {article.id}: no target; pass --target or give the article a target")
        return []
    try:
        per_target = sentences_toward(article, targets, cfg)
    except MediaframeError as exc:
        skip(stats, "bad_article", str(exc))
        return []
    if not per_target[0]:
        skip(stats, "empty_article", f"article {article.id}: no sentence left after cleaning")
    return [sentence_row(s, ARTICLE_SENTENCE_FIELDS) for sentences in per_target for s in sentences]


def sentence_input_row(record: dict[str, Any], text: str) -> dict[str, Any]:
    """A sentence row with every output field set: the row's own id kept, else one from its number."""
    number = int(record["_number"])
    sentence_id = str(record.get("id") or "").strip() or f"row-{number}"
    article_id = str(record.get("article_id") or "").strip() or sentence_id.rsplit(":", 1)[0]
    index = record.get("index")
    row: dict[str, Any] = {name: "" if record.get(name) is None else str(record[name])
                           for name in ("outlet", "date", "author", "title", "url")}
    row.update(id=sentence_id, article_id=article_id, text=text, target=str(record.get("target") or ""))
    row["context"] = given_context(record, text)
    row["index"] = int(index) if isinstance(index, int) or (isinstance(index, str) and index.isdigit()) else number - 1
    if record.get("mentions") is not None:
        row["mentions"] = record["mentions"]
    return row
