"""The team's sentence labels on FinEntity (real financial news), joined with its passages.

The labels (data/labels/finentity.jsonl) are keyed by the passage's place in FinEntity.json and the
sentence's offsets; the texts are read from `sources.benchmarks`/finentity. The `test` part, a fixed,
seeded fifth of the passages, is never trained, tuned or selected on.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.labels.sources import (
    NOT_FOUND,
    LabeledSource,
    SentenceFound,
    agreement,
    labeled_row,
    read_labels,
    sentences_found,
)

FINENTITY_LABELS = "finentity.jsonl"
FINENTITY_FIELDS = ("article_id", "passage", "index", "start", "end", "entity", "split", "stance", "sentiment", "frame")


def finentity_source(cfg: Config, test: bool) -> LabeledSource:
    """The team's sentence labels on FinEntity passages toward each labeled entity: the training part, or with
    `test` the fixed, seeded fifth of the passages that is never trained, tuned or selected on."""
    labels = [r for r in read_labels(Path(cfg.sources.labels) / FINENTITY_LABELS, fields=FINENTITY_FIELDS)
              if (r["split"] == "test") == test]
    passages = finentity_passages(Path(cfg.sources.benchmarks).resolve() / "finentity" / "FinEntity.json")
    found: dict[tuple[str, str], dict[int, SentenceFound]] = {}
    rows = []
    for label in labels:
        text = passages[label["passage"]]
        key = (label["article_id"], label["entity"])
        if key not in found:
            found[key] = sentences_found(label["article_id"], text, label["entity"], cfg)
        mentions, context = found[key].get(label["start"], NOT_FOUND)
        rows.append(labeled_row(label, label["article_id"], text, mentions, "FinEntity", "", context))
    name = "finentity_test" if test else "finentity"
    return LabeledSource(name, "gold", "real news", rows, agreement(cfg, "finentity"))


@cache
def finentity_passages(path: Path) -> list[str]:
    """The passages of FinEntity.json, in file order (a passage's number is its place here)."""
    if not path.is_file():
        raise MediaframeError(f"FinEntity not found: expected {path}; set --set sources.benchmarks=DIR to the folder that "
                              "holds finentity/, or leave it out of training.extra_sources")
    return [passage["content"] for passage in json.loads(path.read_text(encoding="utf-8"))]
