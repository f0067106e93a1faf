"""Numbers as reports show them: one formatter per kind, and one mark for a missing value."""

from __future__ import annotations

import math

MISSING = "n/a"


def missing(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def score(value: float | None) -> str:
    """A metric (F1, kappa, a share of agreement): three decimals."""
    return MISSING if missing(value) else f"{value:.3f}"


def signed(value: float | None) -> str:
    """A score that has a direction (net stance, a difference): sign always shown, two decimals, a real minus."""
    return MISSING if missing(value) else f"{value:+.2f}".replace("-", "\u2212")


def percent(value: float | None) -> str:
    """A share (0.42 -> '42%')."""
    return MISSING if missing(value) else f"{value:.0%}"


def score_interval(bounds: list[float] | tuple[float, float] | None) -> str:
    """A confidence interval of a metric: '[0.512, 0.601]'."""
    return MISSING if not bounds else f"[{score(bounds[0])}, {score(bounds[1])}]"
