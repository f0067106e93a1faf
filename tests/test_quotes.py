"""Characteristic sentences: most confident first, spread over articles, confidence from CSV strings."""

from __future__ import annotations

from mediaframe.compare.quotes import characteristic_sentences


def row(article: str, index: int, stance: str, confidence: object) -> dict:
    return {"id": f"{article}:{index}", "article_id": article, "stance": stance, "stance_confidence": confidence,
            "text": f"{article} {index}", "url": f"https://n.example/{article}", "title": article}


def test_quotes_take_one_sentence_per_article_first() -> None:
    rows = [row("a", 0, "against", 0.99), row("a", 1, "against", 0.98), row("b", 0, "against", 0.7)]
    quotes = characteristic_sentences(rows, ["X"] * 3, per_group=2)["X"]["against"]
    assert [q["id"] for q in quotes] == ["a:0", "b:0"]


def test_quotes_fill_from_the_same_article_when_needed() -> None:
    rows = [row("a", 0, "favor", "0.6"), row("a", 1, "favor", "0.9"), row("a", 2, "neutral", "0.99")]
    quotes = characteristic_sentences(rows, ["X"] * 3, per_group=3)["X"]
    assert [q["id"] for q in quotes["favor"]] == ["a:1", "a:0"] and quotes["against"] == []


def test_quotes_without_confidence_come_last() -> None:
    rows = [row("a", 0, "against", None), row("b", 0, "against", 0.4)]
    quotes = characteristic_sentences(rows, ["X", "X"], per_group=2)["X"]["against"]
    assert [q["id"] for q in quotes] == ["b:0", "a:0"]
