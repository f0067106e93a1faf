"""Target mentions of sentence rows: a row's own where it carries them, else found from its target's patterns.

Rows that carry `article_id` and `index` are read in their article's order, so that a description
("the company") counts after a sentence that named the target, as in whole articles
(targets.mentions_in_order). This is the one place rows get their mentions: `predict`, the Ray
engine, distillation and the runtime check all call `MentionFinder.rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache, partial
from typing import Any

from mediaframe.config import TargetsConfig
from mediaframe.corpus.targets import TargetSpec, find_mentions, resolve_target
from mediaframe.records import cell_text

MentionDicts = list[dict[str, Any]]


class MentionFinder:
    """Finds the mentions of rows' targets; keeps each target's compiled patterns for its life."""

    def __init__(self, targets: TargetsConfig | None = None) -> None:
        self.spec: Callable[[str], TargetSpec] = cache(partial(resolve_target, cfg=targets or TargetsConfig()))

    def rows(self, rows: Sequence[Mapping[str, Any]], targets: Sequence[str]) -> list[MentionDicts]:
        """Each row's mentions of `targets[i]`: its own `mentions` when given, else found in its article's order."""
        out: list[MentionDicts] = [[] for _ in rows]
        last_named: dict[tuple[str, str], int] = {}
        for i in sorted(range(len(rows)), key=lambda i: (article_key(rows[i]), sentence_index(rows[i]))):
            given, target = rows[i].get("mentions"), targets[i]
            if given is not None and not isinstance(given, float):  # NaN: a pandas frame's missing value
                out[i] = list(given)  # found with the chunk (predict) or given by the input: not searched again
                continue
            if not target.strip():
                continue
            spec = self.spec(target)
            text, key, index = str(rows[i]["text"]), (article_key(rows[i]), target), sentence_index(rows[i])
            named_recently = bool(key[0]) and index - last_named.get(key, -10**9) <= spec.descriptor_window
            out[i] = [{"start": m.start, "end": m.end, "text": m.text} for m in find_mentions(text, spec, named_recently)]
            if spec.names.search(text):
                last_named[key] = index
        return out


def row_targets(rows: Sequence[Mapping[str, Any]], default_target: str) -> list[str]:
    """Each row's target: its own `target`, else `default_target`."""
    return [cell_text(row.get("target")) or default_target for row in rows]


def article_key(row: Mapping[str, Any]) -> str:
    """A row's article id; '' when it has none (None, or NaN from a pandas frame)."""
    return cell_text(row.get("article_id"))


def sentence_index(row: Mapping[str, Any]) -> int:
    """A row's position in its article (0 when it has none)."""
    try:
        return int(row.get("index") or 0)
    except (TypeError, ValueError):
        return 0
