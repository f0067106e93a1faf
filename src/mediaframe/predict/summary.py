"""Per-article summary of prediction rows: counts per label and mean stance and sentiment scores."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SCORES = {"stance": {"favor": 1.0, "against": -1.0}, "sentiment": {"positive": 1.0, "negative": -1.0}}


def summarize_articles(chunks: Iterable[list[dict[str, Any]]], labels: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Per article (and target, where a run scores several): sentences, mentions, counts per label, mean stance and sentiment scores.

    A sentence scores +1 (favor, positive), -1 (against, negative) or 0; `*_score` is the
    mean over all the article's sentences, `stance_score_mentions` over those naming the target.
    """
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for chunk in chunks:
        for row in chunk:
            group = groups.setdefault((row["article_id"], row.get("target") or ""), new_summary(row, labels))
            group["sentences"] += 1
            mentions = bool(row.get("mentions_target"))
            group["mentions_target"] += mentions
            for task in labels:
                if row.get(task) is not None:
                    group[f"{task}_{row[task]}"] = group.get(f"{task}_{row[task]}", 0) + 1
            for task, values in SCORES.items():
                group[f"_{task}_sum"] += values.get(row.get(task) or "", 0.0)
            group["_mention_stance_sum"] += SCORES["stance"].get(row.get("stance") or "", 0.0) if mentions else 0.0
    return [finish_summary(group) for group in groups.values()]


def new_summary(row: dict[str, Any], labels: dict[str, list[str]]) -> dict[str, Any]:
    fields = {name: row.get(name, "") for name in ("article_id", "outlet", "date", "title", "target")}
    counts = {f"{task}_{label}": 0 for task, names in labels.items() for label in names}
    sums = {"_stance_sum": 0.0, "_sentiment_sum": 0.0, "_mention_stance_sum": 0.0}
    return {**fields, "sentences": 0, "mentions_target": 0, **counts, **sums}


def finish_summary(group: dict[str, Any]) -> dict[str, Any]:
    for task in SCORES:
        group[f"{task}_score"] = round(group.pop(f"_{task}_sum") / max(group["sentences"], 1), 4)
    mention_sum = group.pop("_mention_stance_sum")
    group["stance_score_mentions"] = round(mention_sum / group["mentions_target"], 4) if group["mentions_target"] else None
    return group


def write_article_summary(chunks: Iterable[list[dict[str, Any]]], out: Path, labels: dict[str, list[str]]) -> None:
    """The per-article summary of prediction rows (given a chunk at a time, by either engine), written to `out`."""
    from mediaframe.predict.files import write_rows

    rows = summarize_articles(chunks, labels)
    write_rows(rows, out)
    logger.info("%d articles summarised -> %s", len(rows), out)
