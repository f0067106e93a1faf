"""Scores and resampling shared by evaluation, training and comparison."""
