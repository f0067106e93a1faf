"""The characteristic sentences of each group: its most confident against and favor sentences.

They let a reader check the figures against the text: each quote keeps its article's title and url.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mediaframe.compare.grouping import label_value, stance_confidence


def characteristic_sentences(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str], per_group: int
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per group, the most confident against and favor sentences (text, confidence, article link)."""
    found: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for row, key in zip(rows, keys, strict=True):
        label = label_value(row.get("stance"))
        if label in ("against", "favor"):
            found.setdefault(key, {"against": [], "favor": []})[label].append(example(row, label))
    for sides in found.values():
        for label, items in sides.items():
            sides[label] = one_per_article(sorted(items, key=confidence_order), per_group)
    return found


def one_per_article(items: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The first `limit` items, taking one per article while other articles are left, in the given order."""
    seen: set[str] = set()
    first: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for item in items:
        (rest if item["article_id"] in seen else first).append(item)
        seen.add(item["article_id"])
    return (first + rest)[:limit]


def confidence_order(item: dict[str, Any]) -> tuple[float, str]:
    """Sort key: most confident first, sentences without a confidence last, then by id."""
    confidence = item["confidence"]
    return (-confidence if np.isfinite(confidence) else np.inf, item["id"])


def example(row: Mapping[str, Any], label: str) -> dict[str, Any]:
    """The fields of one quoted sentence."""
    return {
        "id": str(row.get("id") or ""),
        "article_id": str(row.get("article_id") or ""),
        "text": str(row.get("text") or ""),
        "title": str(row.get("title") or ""),
        "url": str(row.get("url") or ""),
        "confidence": stance_confidence(row, label),
    }
