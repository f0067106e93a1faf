"""Several targets side by side (`compare --by outlet,target`): each target compared as usual, and for each
outlet whether it treats two targets differently.

Each target gets the whole single-target comparison (`comparison.compare`). Within an outlet, the
two targets' net stances are measured on the same articles, so their difference is tested as a
paired design: an article-level sign-flip permutation test (each article's two count vectors swap
places at random), with a paired article bootstrap for its interval, and one multiple-comparison
correction over every (outlet, target pair) test.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import combinations
from typing import Any

import numpy as np

from mediaframe.compare.comparison import Comparison, compare, group_rng, net_from_stance
from mediaframe.compare.grouping import Grouping, group_keys, label_value, prepare_rows, stance_weights
from mediaframe.config import ComparisonConfig
from mediaframe.errors import MediaframeError
from mediaframe.records import Stance
from mediaframe.stats.resampling import adjust_p_values, percentile_interval, permutation_p_value

logger = logging.getLogger(__name__)

STANCE_ORDER = tuple(s.value for s in Stance)  # against, neutral, favor: the order net_from_stance reads


@dataclass(frozen=True, slots=True)
class TargetComparison:
    """Per target, its comparison; per outlet and pair of targets, the paired test of their net stances."""

    by: str
    targets: tuple[str, ...]
    comparisons: dict[str, Comparison]
    differences: list[dict[str, Any]]
    settings: dict[str, Any]


def compare_targets(rows: Sequence[Mapping[str, Any]], grouping: Grouping, cfg: ComparisonConfig, seed: int,
                    examples_per_group: int = 3) -> TargetComparison:
    """Compare every target of the predictions by `grouping.by`, and each outlet's targets with each other.

    Raises:
        MediaframeError: fewer than two targets in the file, or what `comparison.compare` refuses.
    """
    if grouping.target is not None:
        raise MediaframeError(f"--target {grouping.target!r} with --by {grouping.by},target: the side-by-side comparison "
                              "takes every target of the file; drop --target, or drop ',target' to compare one")
    prepared, _ = prepare_rows(rows, grouping, all_targets=True)
    targets = tuple(sorted({label_value(r.get("target")) or "" for r in prepared} - {""}))
    if len(targets) < 2:
        raise MediaframeError(f"{grouping.source}: --by {grouping.by},target needs predictions toward two targets or "
                              f"more; found {list(targets)}; run predict with --target A --target B")
    comparisons = {t: compare(prepared, replace(grouping, target=t), cfg, seed, examples_per_group)
                   for t in targets}
    differences = paired_differences(prepared, grouping, targets, cfg, seed)
    settings = {**cfg.model_dump(), "seed": seed, "mentions_only": grouping.mentions_only}
    return TargetComparison(grouping.by, targets, comparisons, differences, settings)


def paired_differences(rows: Sequence[Mapping[str, Any]], grouping: Grouping, targets: tuple[str, ...],
                       cfg: ComparisonConfig, seed: int) -> list[dict[str, Any]]:
    """For each group and pair of targets: both net stances on the articles scored toward both, their difference
    with a paired bootstrap interval, and the sign-flip permutation p-value (corrected over all pairs)."""
    counts = stance_counts(rows, group_keys(rows, grouping), cfg.net_stance == "probabilities")
    results = []
    for group in sorted({g for g, _ in counts}):
        for a, b in combinations(targets, 2):
            result = paired_test(counts.get((group, a), {}), counts.get((group, b), {}), cfg, group_rng(seed, group, a, b))
            if result is not None:
                results.append({grouping.by: group, "target_a": a, "target_b": b, **result})
    adjusted: Any = adjust_p_values(np.array([r["p_value"] for r in results]), cfg.correction) if results else []
    for result, p_adjusted in zip(results, adjusted, strict=True):
        result.update(p_adjusted=float(p_adjusted), significant=bool(p_adjusted < cfg.alpha))
    return results


def stance_counts(rows: Sequence[Mapping[str, Any]], keys: Sequence[str], by_probabilities: bool
                  ) -> dict[tuple[str, str], dict[str, np.ndarray]]:
    """(group, target) -> article id -> (expected) counts of against, neutral, favor, as the comparison counts them."""
    out: dict[tuple[str, str], dict[str, np.ndarray]] = {}
    for row, key in zip(rows, keys, strict=True):
        weights = stance_weights(row, by_probabilities)
        if not weights:
            continue
        articles = out.setdefault((key, label_value(row.get("target")) or ""), {})
        vector = articles.setdefault(str(row["article_id"]), np.zeros(3, dtype=np.float64))
        for stance, weight in weights.items():
            vector[STANCE_ORDER.index(stance)] += weight
    return out


def paired_test(first: dict[str, np.ndarray], second: dict[str, np.ndarray], cfg: ComparisonConfig,
                rng: np.random.Generator) -> dict[str, Any] | None:
    """Net stance toward each target on their shared articles, the difference, its interval and p-value; None when
    no article was scored toward both."""
    shared = sorted(set(first) & set(second))
    if not shared:
        return None
    a, b = np.vstack([first[k] for k in shared]), np.vstack([second[k] for k in shared])
    net_a, net_b = float(net_from_stance(a.sum(0))), float(net_from_stance(b.sum(0)))
    flips = rng.random((cfg.permutations, len(shared))) < 0.5  # each article's two vectors swap places
    swapped_a = a.sum(0) + flips @ (b - a)
    swapped_b = b.sum(0) - flips @ (b - a)
    null = net_from_stance(swapped_a) - net_from_stance(swapped_b)
    draws = rng.integers(0, len(shared), size=(cfg.bootstrap_samples, len(shared)))
    boot = net_from_stance(a[draws].sum(1)) - net_from_stance(b[draws].sum(1))
    low, high = percentile_interval(boot, cfg.confidence)
    smallest = min(1.0, 2.0 / 2 ** len(shared))  # a sign-flip test of n articles cannot go below 2 / 2^n
    return {"n_articles": len(shared), "net_stance_a": net_a, "net_stance_b": net_b, "difference": net_a - net_b,
            "difference_low": low, "difference_high": high, "p_value": permutation_p_value(net_a - net_b, null),
            "smallest_p": smallest, "flag": f"few articles ({len(shared)}): no test can reach p < {cfg.alpha}"
            if smallest >= cfg.alpha else ""}
