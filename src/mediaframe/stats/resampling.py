"""Resampling statistics over articles: cluster bootstrap, permutation tests, p-value corrections.

Sentences of one article are not independent, so the unit of every resampling here is the
article: a row of a count matrix (articles x label columns). Statistics are ratios of column
sums, so one matrix product turns a batch of resampling weights into a batch of totals. Counts are
integers: integer matrix products skip BLAS, whose threads only slow such small products on a busy CPU.
"""

from __future__ import annotations

import math

import numpy as np


def bootstrap_totals(counts: np.ndarray, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Column totals of `samples` article-level bootstrap resamples.

    Args:
        counts: one row per article, one column per counted label.
        samples: number of resamples.
        rng: the seeded generator.

    Returns:
        An array (samples, columns): the totals of each resample of the articles (with replacement).
    """
    n_articles = counts.shape[0]
    draws = rng.integers(0, n_articles, size=(samples, n_articles)) + (np.arange(samples) * n_articles)[:, None]
    weights = np.bincount(draws.ravel(), minlength=samples * n_articles).reshape(samples, n_articles)
    return weights @ counts


def sentence_bootstrap_totals(
    totals: np.ndarray, blocks: list[list[int]], samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap totals of one article by resampling its sentences, task by task.

    With a single article there is no between-article spread to resample; resampling its sentences
    gives an interval that understates the uncertainty about the outlet (callers flag it). Each
    block (the label columns of one task) is redrawn as a multinomial of its own total.

    Returns:
        An array (samples, columns); columns outside the blocks keep their totals.
    """
    boot = np.tile(totals, (samples, 1))
    for block in blocks:
        counts = totals[block]
        if counts.sum() > 0:
            boot[:, block] = rng.multinomial(max(1, round(counts.sum())), counts / counts.sum(), size=samples)
    return boot


def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Percentile interval of bootstrap values (NaN resamples ignored; (nan, nan) when none is left)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0 * 100.0
    low, high = np.percentile(finite, [tail, 100.0 - tail])
    return float(low), float(high)


def permutation_totals(
    counts_a: np.ndarray, counts_b: np.ndarray, permutations: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Totals of two groups after shuffling the group labels of their articles.

    Returns:
        Two arrays (permutations, columns): the totals the first and the second group get in
        each permutation (each keeps its number of articles).
    """
    pooled = np.vstack([counts_a, counts_b])
    base = np.zeros(pooled.shape[0], dtype=pooled.dtype)
    base[: counts_a.shape[0]] = 1
    membership = rng.permuted(np.tile(base, (permutations, 1)), axis=1)
    totals_a = membership @ pooled
    return totals_a, pooled.sum(axis=0) - totals_a


def permutation_p_value(observed: float, null: np.ndarray) -> float:
    """Two-sided permutation p-value, (1 + #|null| >= |observed|) / (1 + #null); NaN if undefined."""
    finite = null[np.isfinite(null)]
    if not np.isfinite(observed) or finite.size == 0:
        return float("nan")
    extreme = np.count_nonzero(np.abs(finite) >= abs(observed) - 1e-12)
    return float((1 + extreme) / (1 + finite.size))


def smallest_p_value(n_a: int, n_b: int) -> float:
    """The smallest two-sided p-value an article permutation test of n_a vs n_b articles can reach.

    There are C(n_a + n_b, n_a) ways to split the articles; at best only the observed split (and,
    with equal sizes, its mirror image) is as extreme as the observation.
    """
    return min(1.0, (2.0 if n_a == n_b else 1.0) / math.comb(n_a + n_b, n_a))


def adjust_p_values(p_values: np.ndarray, method: str) -> np.ndarray:
    """Correct p-values for multiple comparisons: 'holm' (family-wise) or 'fdr_bh' (false discovery rate).

    NaN p-values stay NaN and do not count as tests.
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(p_values.shape, np.nan)
    valid = np.flatnonzero(np.isfinite(p_values))
    if valid.size == 0:
        return adjusted
    order = valid[np.argsort(p_values[valid], kind="stable")]
    m = order.size
    ranked = p_values[order]
    if method == "holm":
        values = np.maximum.accumulate((m - np.arange(m)) * ranked)
    elif method == "fdr_bh":
        values = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    else:
        raise ValueError(f"unknown correction {method!r}")
    adjusted[order] = np.minimum(values, 1.0)
    return adjusted
