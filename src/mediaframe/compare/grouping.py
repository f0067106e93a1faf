"""Prepare prediction rows for a comparison: check columns and labels, filter, pick the target, key groups.

Prediction tables come as JSONL, CSV or Parquet, so values arrive as Python objects or as strings
(a CSV holds "True", "0.93" and JSON-encoded probability dicts); this module reads both.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mediaframe.errors import MediaframeError
from mediaframe.records import Sentiment, Stance, cell_text

logger = logging.getLogger(__name__)

BY_CHOICES: tuple[str, ...] = ("outlet", "date", "author")
PERIODS: tuple[str, ...] = ("day", "week", "month")
MISSING = "(missing)"
KNOWN_LABELS = {"stance": {s.value for s in Stance}, "sentiment": {s.value for s in Sentiment}}


@dataclass(frozen=True, slots=True)
class Grouping:
    """How to group predictions.

    Attributes:
        by: the column to group by: outlet, date or author.
        period: with by="date": day, week (keyed by its Monday) or month.
        mentions_only: keep only sentences that mention the target.
        target: compare this target only (needed when the file holds several).
        source: the file name used in error messages.
    """

    by: str = "outlet"
    period: str = "month"
    mentions_only: bool = False
    target: str | None = None
    source: str = "predictions"

    def __post_init__(self) -> None:
        if self.by not in BY_CHOICES:
            raise MediaframeError(f"--by {self.by!r}: expected one of {', '.join(BY_CHOICES)}")
        if self.period not in PERIODS:
            raise MediaframeError(f"--period {self.period!r}: expected one of {', '.join(PERIODS)}")


def grouping_of(by: str, period: str, filter_: str | None, target: str | None, source: str) -> tuple[Grouping, bool]:
    """The grouping that `compare`'s options name, and whether targets go side by side (`--by outlet,target`).

    Raises:
        MediaframeError: an unknown --by, --period or --filter.
    """
    if filter_ not in (None, "mentions"):
        raise MediaframeError(f"--filter {filter_!r}: expected 'mentions' (or leave it out for all sentences)")
    base, _, also = by.partition(",")
    if also not in ("", "target"):
        raise MediaframeError(f"--by {by!r}: expected outlet, date or author, optionally followed by ',target'")
    return Grouping(base, period, filter_ == "mentions", target, source=source), bool(also)


def label_value(value: Any) -> str | None:
    """A label name, or None for a missing label (records.cell_text's rule)."""
    return cell_text(value) or None


def truthy(value: Any) -> bool:
    """Read a boolean written by JSON (true), CSV ("True", "1") or Parquet (numpy bool)."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes", "y", "t"}
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)


def prepare_rows(rows: Sequence[Mapping[str, Any]], grouping: Grouping, all_targets: bool = False
                 ) -> tuple[list[dict[str, Any]], str]:
    """Checked rows (article_id filled), filtered to target mentions if asked, of one target (or of every one).

    Returns:
        The rows kept and the target they are about ('' when the file names none).

    Raises:
        MediaframeError: no rows, a required column is missing, labels are unknown, targets are mixed,
            or nothing is left after filtering.
    """
    if not rows:
        raise MediaframeError(f"{grouping.source}: no prediction rows; expected one row per sentence")
    check_columns(rows, grouping)
    prepared = [with_article_id(row) for row in rows]
    check_labels(prepared, grouping.source)
    if grouping.mentions_only:
        prepared = [row for row in prepared if truthy(row.get("mentions_target"))]
        logger.info("--filter mentions: %d of %d sentences mention the target", len(prepared), len(rows))
        if not prepared:
            raise MediaframeError(f"{grouping.source}: no sentence mentions the target; drop --filter mentions")
    return (prepared, "") if all_targets else select_target(prepared, grouping)


def check_columns(rows: Sequence[Mapping[str, Any]], grouping: Grouping) -> None:
    """The grouping column, stance and an article id must be there (and the grouping column filled)."""
    found = sorted(set().union(*(row.keys() for row in rows)))
    needed = [grouping.by, "stance"] + (["mentions_target"] if grouping.mentions_only else [])
    if "article_id" not in found and "id" not in found:
        needed.append("article_id")
    missing = [name for name in needed if name not in found]
    if missing:
        raise MediaframeError(
            f"{grouping.source}: expected column(s) {missing} (--by {grouping.by} groups by '{grouping.by}'); "
            f"found {found}; add them to the predictions or choose another --by ({', '.join(BY_CHOICES)})"
        )
    if all(label_value(row.get(grouping.by)) is None for row in rows):
        raise MediaframeError(
            f"{grouping.source}: column '{grouping.by}' is empty in every row; fill it or choose another --by"
        )


def with_article_id(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the row whose article_id is set (from the '<article_id>:<index>' sentence id if needed)."""
    article_id = label_value(row.get("article_id")) or str(row.get("id") or "").rpartition(":")[0] or str(row["id"])
    return {**row, "article_id": article_id}


def check_labels(rows: Sequence[Mapping[str, Any]], source: str) -> None:
    """Stance and sentiment labels must be names of the codebook (missing labels are fine)."""
    for task, known in KNOWN_LABELS.items():
        found = {label for row in rows if (label := label_value(row.get(task))) is not None}
        unknown = sorted(found - known)
        if unknown:
            raise MediaframeError(
                f"{source}: expected {task} labels {sorted(known)}; found {unknown[:5]}; "
                f"write label names (not numbers) in the '{task}' column"
            )


def select_target(rows: list[dict[str, Any]], grouping: Grouping) -> tuple[list[dict[str, Any]], str]:
    """Keep the rows of one target: the one asked for, or the only one the file holds."""
    counts = Counter(label_value(row.get("target")) or "" for row in rows)
    if grouping.target is not None:
        kept = [row for row in rows if (label_value(row.get("target")) or "") == grouping.target]
        if not kept:
            raise MediaframeError(
                f"{grouping.source}: no row has target {grouping.target!r}; found targets {describe(counts)}"
            )
        return kept, grouping.target
    named = [t for t in counts if t]
    if len(named) > 1:
        raise MediaframeError(
            f"{grouping.source}: holds {len(named)} targets ({describe(counts)}); net stance toward different "
            f"targets cannot be pooled; compare one at a time with --target NAME"
        )
    return rows, named[0] if named else ""


def describe(counts: Counter[str]) -> str:
    return ", ".join(f"{t or '(none)'}: {n} sentences" for t, n in counts.most_common())


def group_keys(rows: Sequence[Mapping[str, Any]], grouping: Grouping) -> list[str]:
    """The group of each row; rows without a value go to the '(missing)' group."""
    if grouping.by == "date":
        return date_keys([row.get("date") for row in rows], grouping.period, grouping.source)
    return [label_value(row.get(grouping.by)) or MISSING for row in rows]


def date_keys(values: Sequence[Any], period: str, source: str) -> list[str]:
    """Period keys: day 'YYYY-MM-DD', week 'YYYY-MM-DD' of its Monday, month 'YYYY-MM'.

    Raises:
        MediaframeError: no value parses as a date.
    """
    import pandas as pd

    texts = [label_value(v) or "" for v in values]
    parsed = pd.to_datetime(pd.Series(texts, dtype="object"), errors="coerce", utc=True, format="mixed")
    if parsed.isna().all():
        raise MediaframeError(
            f"{source}: no 'date' value parses as a date (e.g. {texts[0]!r}); write ISO dates such as 2023-07-19"
        )
    if period == "week":
        parsed = parsed - pd.to_timedelta(parsed.dt.weekday, unit="D")
    fmt = "%Y-%m" if period == "month" else "%Y-%m-%d"
    unparsed = int(parsed.isna().sum())
    if unparsed:
        logger.warning("%s: %d rows have no parseable date; they form the %s group", source, unparsed, MISSING)
    return [MISSING if pd.isna(ts) else ts.strftime(fmt) for ts in parsed]


def stance_weights(row: Mapping[str, Any], by_probabilities: bool) -> dict[str, float]:
    """What a sentence adds to its group's against / neutral / favor counts: its stance probabilities (where asked
    for and the row has all three), else 1 for its label ({} without one)."""
    probs = parsed_probs(row.get("stance_probs")) if by_probabilities else None
    if probs is not None and all(label in probs for label in KNOWN_LABELS["stance"]):
        return {label: float(probs[label]) for label in KNOWN_LABELS["stance"]}
    label = label_value(row.get("stance"))
    return {label: 1.0} if label is not None else {}


def parsed_probs(value: Any) -> Mapping[str, Any] | None:
    """A `*_probs` field as a mapping, whether JSON gave a dict or CSV a JSON string (None when neither)."""
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return None
    return value if isinstance(value, Mapping) else None


def stance_confidence(row: Mapping[str, Any], label: str) -> float:
    """The model's confidence in a row's stance: stance_confidence, else stance_probs[label], else NaN."""
    value = row.get("stance_confidence")
    if value is not None and label_value(value) is not None:
        return float(value)
    probs = parsed_probs(row.get("stance_probs"))
    if probs is not None and label in probs:
        return float(probs[label])
    return float("nan")
