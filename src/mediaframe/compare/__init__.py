"""Outlets side by side: grouping, quotes, comparison, the report and its charts."""
