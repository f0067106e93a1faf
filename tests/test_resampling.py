"""Resampling helpers: cluster bootstrap totals, permutation p-values, multiple-comparison corrections."""

from __future__ import annotations

import numpy as np
import pytest

from mediaframe.stats.resampling import (
    adjust_p_values,
    bootstrap_totals,
    percentile_interval,
    permutation_p_value,
    permutation_totals,
    sentence_bootstrap_totals,
    smallest_p_value,
)


def test_resampling_bootstrap_keeps_the_number_of_articles() -> None:
    counts = np.array([[3.0, 1.0], [2.0, 0.0], [5.0, 5.0]])
    totals = bootstrap_totals(counts, 200, np.random.default_rng(0))
    assert totals.shape == (200, 2)
    # each resample draws 3 articles, so its first-column total is a sum of 3 article counts
    possible = {a + b + c for a in (3, 2, 5) for b in (3, 2, 5) for c in (3, 2, 5)}
    assert set(totals[:, 0]) <= possible and len(set(totals[:, 0])) > 3


def test_resampling_permutation_keeps_group_sizes_and_totals() -> None:
    a, b = np.array([[1.0], [2.0]]), np.array([[10.0], [20.0], [30.0]])
    perm_a, perm_b = permutation_totals(a, b, 100, np.random.default_rng(0))
    assert np.allclose(perm_a + perm_b, 63.0)
    assert perm_a.min() >= 3.0 and perm_a.max() <= 50.0


def test_resampling_percentile_interval_ignores_nan() -> None:
    low, high = percentile_interval(np.array([np.nan, 1.0, 2.0, 3.0, np.nan]), 0.5)
    assert (low, high) == (1.5, 2.5)
    assert np.isnan(percentile_interval(np.array([np.nan]), 0.95)[0])


def test_resampling_permutation_p_value_counts_extremes() -> None:
    assert permutation_p_value(0.5, np.array([0.1, -0.6, 0.2, 0.5])) == pytest.approx(3 / 5)
    assert np.isnan(permutation_p_value(float("nan"), np.array([0.1])))


@pytest.mark.parametrize(
    ("method", "expected"),
    [("holm", [0.03, 0.06, 0.06, 0.02]), ("fdr_bh", [0.02, 0.04, 0.04, 0.02])],
)
def test_resampling_adjust_p_values_matches_hand_computation(method: str, expected: list[float]) -> None:
    adjusted = adjust_p_values(np.array([0.01, 0.04, 0.03, 0.005]), method)
    assert adjusted == pytest.approx(expected)


def test_resampling_adjust_p_values_caps_at_one_and_keeps_nan() -> None:
    adjusted = adjust_p_values(np.array([0.6, np.nan, 0.9]), "holm")
    assert adjusted[0] == 1.0 and adjusted[2] == 1.0 and np.isnan(adjusted[1])


def test_resampling_sentence_bootstrap_redraws_each_task_within_its_total() -> None:
    totals = np.array([10, 6, 0, 4, 2, 2, 2])  # n, stance (3), sentiment (3)
    boot = sentence_bootstrap_totals(totals, [[1, 2, 3], [4, 5, 6]], 300, np.random.default_rng(0))
    assert (boot[:, 0] == 10).all() and (boot[:, 1:4].sum(axis=1) == 10).all() and (boot[:, 4:].sum(axis=1) == 6).all()
    assert (boot[:, 2] == 0).all() and boot[:, 1].std() > 0


@pytest.mark.parametrize(("n_a", "n_b", "expected"), [(1, 1, 1.0), (4, 4, 2 / 70), (2, 3, 1 / 10), (1, 30, 1 / 31)])
def test_resampling_smallest_p_value_counts_splits(n_a: int, n_b: int, expected: float) -> None:
    assert smallest_p_value(n_a, n_b) == pytest.approx(expected)
