"""Compare groups of coverage (outlets, periods, authors): stance mix, net stance, sentiment, frames.

Every figure comes with a confidence interval from an article-level (cluster) bootstrap, since
the sentences of one article are not independent; differences in net stance between groups get
an article-level permutation test and a multiple-comparison correction. Groups with too few
articles are flagged, never hidden.
"""

from __future__ import annotations

import logging
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from mediaframe.compare.grouping import (
    MISSING,
    Grouping,
    group_keys,
    label_value,
    prepare_rows,
    stance_weights,
)
from mediaframe.compare.quotes import characteristic_sentences
from mediaframe.config import ComparisonConfig
from mediaframe.errors import MediaframeError
from mediaframe.records import Sentiment, Stance
from mediaframe.stats.resampling import (
    adjust_p_values,
    bootstrap_totals,
    percentile_interval,
    permutation_p_value,
    permutation_totals,
    sentence_bootstrap_totals,
    smallest_p_value,
)

logger = logging.getLogger(__name__)

STANCES: tuple[str, ...] = tuple(s.value for s in Stance)
SENTIMENTS: tuple[str, ...] = tuple(s.value for s in Sentiment)

__all__ = ["Comparison", "Grouping", "compare", "rank_agreement"]


@dataclass(frozen=True, slots=True)
class Layout:
    """Which columns of an article count matrix hold which label (column 0 counts all sentences)."""

    frames: tuple[str, ...]
    columns: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        cols = [("all", "n")] + [("stance", s) for s in STANCES] + [("sentiment", s) for s in SENTIMENTS]
        object.__setattr__(self, "columns", tuple(cols + [("frame", f) for f in self.frames]))

    def index(self, task: str, label: str) -> int:
        return self.columns.index((task, label))

    def task_slice(self, task: str) -> list[int]:
        return [i for i, (t, _) in enumerate(self.columns) if t == task]


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of `compare`: one summary row per group, pairwise tests, example sentences."""

    by: str
    period: str | None
    target: str
    frames: tuple[str, ...]
    summary: list[dict[str, Any]]
    pairwise: list[dict[str, Any]]
    examples: dict[str, dict[str, list[dict[str, Any]]]]
    settings: dict[str, Any]


def compare(
    rows: Sequence[Mapping[str, Any]],
    grouping: Grouping,
    cfg: ComparisonConfig,
    seed: int,
    examples_per_group: int = 3,
) -> Comparison:
    """Aggregate sentence predictions by group, with bootstrap intervals and pairwise tests.

    Args:
        rows: prediction rows (docs/FORMATS.md: article_id, stance, sentiment, frame, ...).
        grouping: what to group by (outlet, date with a period, author), filter and target choice.
        cfg: bootstrap, permutation, flagging and correction settings.
        seed: seeds every resampling (cfg.seed of the run).
        examples_per_group: most confident against and favor sentences kept per group.

    Returns:
        The comparison: summary rows (most negative net stance first; by date: in time order).

    Raises:
        MediaframeError: the grouping column is missing, labels are unknown, targets are mixed, or
            no row is left.
    """
    rows, target = prepare_rows(rows, grouping)
    keys = group_keys(rows, grouping)
    layout = Layout(frames_of(rows))
    groups = article_counts(rows, keys, layout, cfg.net_stance == "probabilities")
    summary = [summarize_group(key, ids, counts, layout, cfg, seed) for key, (ids, counts) in groups.items()]
    summary = order_summary(summary, grouping.by)
    pairwise = pairwise_tests(summary, groups, layout, cfg, seed, grouping)
    logger.info(
        "%d sentences in %d %s groups -> %d pairwise tests", len(rows), len(summary), grouping.by, len(pairwise)
    )
    settings = {**cfg.model_dump(), "seed": seed, "mentions_only": grouping.mentions_only, "sentences": len(rows)}
    examples = characteristic_sentences(rows, keys, examples_per_group)
    period = grouping.period if grouping.by == "date" else None
    return Comparison(grouping.by, period, target, layout.frames, summary, pairwise, examples, settings)


def frames_of(rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """Frame labels present, most frequent first (ties by name)."""
    counts = Counter(label for row in rows if (label := label_value(row.get("frame"))) is not None)
    return tuple(sorted(counts, key=lambda f: (-counts[f], f)))


def article_counts(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[str], layout: Layout, by_probabilities: bool = False
) -> dict[str, tuple[list[str], np.ndarray]]:
    """Per group: its article ids and a count matrix (articles x layout columns); stance columns sum the sentences'
    stance probabilities where `by_probabilities` (expected counts), else count their labels."""
    per_group: dict[str, dict[str, np.ndarray]] = {}
    width = len(layout.columns)
    for row, key in zip(rows, keys, strict=True):
        articles = per_group.setdefault(key, {})
        vector = articles.setdefault(str(row["article_id"]), np.zeros(width, dtype=np.float64))
        vector[0] += 1
        for stance, weight in stance_weights(row, by_probabilities).items():
            vector[layout.index("stance", stance)] += weight
        for task in ("sentiment", "frame"):
            label = label_value(row.get(task))
            if label is not None:
                vector[layout.index(task, label)] += 1
    return {key: (list(arts), np.vstack(list(arts.values()))) for key, arts in per_group.items()}


def statistics(totals: np.ndarray, layout: Layout) -> dict[str, np.ndarray]:
    """Shares, net stance, mean sentiment and frame shares from label totals (any leading shape)."""
    stance = totals[..., layout.task_slice("stance")]
    sentiment = totals[..., layout.task_slice("sentiment")]
    frames = totals[..., layout.task_slice("frame")]
    with np.errstate(divide="ignore", invalid="ignore"):
        n_stance = stance.sum(axis=-1)
        stats = {f"{label}_share": stance[..., i] / n_stance for i, label in enumerate(STANCES)}
        stats["net_stance"] = stats["favor_share"] - stats["against_share"]
        signs = np.array([{"negative": -1.0, "neutral": 0.0, "positive": 1.0}[s] for s in SENTIMENTS])
        stats["sentiment_mean"] = (sentiment * signs).sum(axis=-1) / sentiment.sum(axis=-1)
        for i, frame in enumerate(layout.frames):
            stats[f"frame_{frame}_share"] = frames[..., i] / frames.sum(axis=-1)
    return stats


def group_rng(seed: int, *keys: str) -> np.random.Generator:
    """A generator seeded by the run seed and the group key(s): results do not depend on group order."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode("utf-8")) for k in keys)])


def summarize_group(
    key: str, article_ids: list[str], counts: np.ndarray, layout: Layout, cfg: ComparisonConfig, seed: int
) -> dict[str, Any]:
    """One summary row: sizes, each statistic with its bootstrap interval, and the small-group flag."""
    totals = counts.sum(axis=0)
    observed = statistics(totals, layout)
    rng = group_rng(seed, key)
    if len(article_ids) > 1:
        boot_totals = bootstrap_totals(counts, cfg.bootstrap_samples, rng)
    else:
        blocks = [layout.task_slice(task) for task in ("stance", "sentiment", "frame")]
        boot_totals = sentence_bootstrap_totals(totals, blocks, cfg.bootstrap_samples, rng)
    boot = statistics(boot_totals, layout)
    n_stance = round(totals[layout.task_slice("stance")].sum())
    row: dict[str, Any] = {"group": key, "n_articles": len(article_ids), "n_sentences": round(totals[0])}
    row["n_stance"] = n_stance
    for name, value in observed.items():
        low, high = percentile_interval(boot[name], cfg.confidence)
        row.update({name: float(value), f"{name}_low": low, f"{name}_high": high})
    row["flag"] = flag_for(len(article_ids), n_stance, cfg.min_articles)
    return row


def flag_for(n_articles: int, n_stance: int, min_articles: int) -> str:
    """Why a group's figures are fragile ('' when they are not)."""
    if n_stance == 0:
        return "no stance labels"
    notes = [f"few articles ({n_articles} < {min_articles})"] if n_articles < min_articles else []
    if n_articles == 1:
        notes.append("interval from one article's sentences understates uncertainty")
    return "; ".join(notes)


def order_summary(summary: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """By date: time order. Otherwise most negative net stance first (groups without stance last)."""
    if by == "date":
        ordered = sorted(summary, key=lambda r: (r["group"] == MISSING, r["group"]))
    else:
        ordered = sorted(summary, key=lambda r: (np.isnan(r["net_stance"]), r["net_stance"], r["group"]))
    return [{by: r["group"], **{k: v for k, v in r.items() if k != "group"}} for r in ordered]


def pairwise_tests(
    summary: list[dict[str, Any]],
    groups: dict[str, tuple[list[str], np.ndarray]],
    layout: Layout,
    cfg: ComparisonConfig,
    seed: int,
    grouping: Grouping,
) -> list[dict[str, Any]]:
    """Permutation tests of net-stance differences (by date: consecutive periods only), corrected."""
    keys = [r[grouping.by] for r in summary if r["n_stance"] > 0]
    pairs = list(zip(keys, keys[1:], strict=False)) if grouping.by == "date" else list(combinations(keys, 2))
    stance_cols = layout.task_slice("stance")
    results = [test_pair(a, b, groups, stance_cols, cfg.permutations, seed) for a, b in pairs]
    adjusted = adjust_p_values(np.array([r["p_value"] for r in results]), cfg.correction)
    for result, p_adj in zip(results, adjusted, strict=True):
        result.update({"p_adjusted": float(p_adj), "significant": bool(p_adj < cfg.alpha)})
    return [{f"{grouping.by}_a": r.pop("a"), f"{grouping.by}_b": r.pop("b"), **r} for r in results]


def net_from_stance(totals: np.ndarray) -> np.ndarray:
    """Net stance (favor - against) / stance-labeled, from (against, neutral, favor) totals."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return (totals[..., 2] - totals[..., 0]) / totals.sum(axis=-1)


def test_pair(
    a: str, b: str, groups: dict[str, tuple[list[str], np.ndarray]], cols: list[int], permutations: int, seed: int
) -> dict[str, Any]:
    """Observed net-stance difference a - b and its two-sided article-permutation p-value."""
    counts_a, counts_b = groups[a][1][:, cols], groups[b][1][:, cols]
    net_a, net_b = net_from_stance(counts_a.sum(axis=0)), net_from_stance(counts_b.sum(axis=0))
    perm_a, perm_b = permutation_totals(counts_a, counts_b, permutations, group_rng(seed, a, b))
    null = net_from_stance(perm_a) - net_from_stance(perm_b)
    difference = float(net_a - net_b)
    p_value = permutation_p_value(difference, null)
    return {"a": a, "b": b, "net_stance_a": float(net_a), "net_stance_b": float(net_b), "difference": difference,
            "p_value": p_value, "smallest_p": smallest_p_value(len(counts_a), len(counts_b))}


def rank_agreement(
    predicted_summary: Sequence[Mapping[str, Any]] | Any,
    gold_summary: Sequence[Mapping[str, Any]] | Any,
    by: str = "outlet",
    column: str = "net_stance",
) -> float:
    """Spearman correlation of two group rankings (predicted vs gold summary), over shared groups.

    Args:
        predicted_summary: summary rows (list of dicts or a DataFrame, e.g. summary.csv read back).
        gold_summary: the same from gold labels.
        by: the group key column.
        column: the statistic ranked.

    Raises:
        MediaframeError: a column is missing or fewer than two groups are shared.
    """
    import pandas as pd
    from scipy.stats import spearmanr

    tables = {"predicted": pd.DataFrame(predicted_summary), "gold": pd.DataFrame(gold_summary)}
    for name, table in tables.items():
        missing = [c for c in (by, column) if c not in table.columns]
        if missing:
            raise MediaframeError(f"{name} summary: expected columns {missing}; found {sorted(table.columns)}")
    merged = tables["predicted"][[by, column]].merge(tables["gold"][[by, column]], on=by).dropna()
    if len(merged) < 2:
        raise MediaframeError(f"rank agreement needs >= 2 {by} groups in both summaries; found {len(merged)} shared")
    return float(spearmanr(merged[f"{column}_x"], merged[f"{column}_y"]).statistic)
