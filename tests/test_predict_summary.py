"""Per-article summary: counts per label and mean scores (favor/positive +1, against/negative -1)."""

from __future__ import annotations

import pytest

LABELS = {"stance": ["against", "neutral", "favor"], "sentiment": ["negative", "neutral", "positive"], "frame": ["economic", "other"]}


def row(article: str, stance: str, sentiment: str, mentions: bool) -> dict:
    return {"article_id": article, "outlet": "O", "stance": stance, "sentiment": sentiment, "frame": "economic",
            "mentions_target": mentions}


def test_predict_summary_counts_and_scores() -> None:
    from mediaframe.predict.summary import summarize_articles

    rows = [row("a", "favor", "positive", True), row("a", "against", "negative", False), row("a", "against", "neutral", True),
            row("b", "neutral", "neutral", False)]
    a, b = summarize_articles([rows[:2], rows[2:]], LABELS)
    assert (a["article_id"], a["sentences"], a["mentions_target"]) == ("a", 3, 2)
    assert (a["stance_favor"], a["stance_against"], a["stance_neutral"], a["frame_other"]) == (1, 2, 0, 0)
    assert a["stance_score"] == pytest.approx(-1 / 3, abs=1e-4)
    assert a["sentiment_score"] == pytest.approx(0.0)
    assert a["stance_score_mentions"] == pytest.approx(0.0)  # favor and against among the two mentioning sentences
    assert b["stance_score"] == 0.0 and b["stance_score_mentions"] is None
