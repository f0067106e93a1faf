"""Labeled sentences into a built dataset: grouped splits, folds and the dataset card."""
