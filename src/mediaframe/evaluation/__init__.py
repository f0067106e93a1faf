"""Held-out macro-F1 with intervals, beside baselines; the evaluation report."""
