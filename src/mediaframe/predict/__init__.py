"""Scoring new coverage: streamed input, resumable output, article summaries."""
