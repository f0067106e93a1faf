"""Tests for mediaframe.labels.gold: reading, checking and matching gold label files."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from mediaframe.config import load_config
from mediaframe.corpus import reading
from mediaframe.corpus.sentences import article_sentences, corpus_sentences
from mediaframe.errors import MediaframeError
from mediaframe.labels.codebook import Codebook
from mediaframe.labels.gold import GoldMatch, check_target, match_gold, read_gold
from mediaframe.records import Article, GoldLabel, Sentence

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

SEED_DIR = REPO_ROOT / "data" / "seed"
SEED_GOLD = REPO_ROOT / "data" / "gold" / "seed_gold.jsonl"

ARTICLE = Article(
    id="a1",
    outlet="Test Wire",
    text=(
        "Acme Corp posts a record quarter.\n\n"
        "Revenue rose 8 percent. The company thanked its staff.\n\n"
        "Critics say the pay is too low."
    ),
)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def row(sentence_id: str = "a1:0", text: str = "Acme Corp posts a record quarter.", **labels: Any) -> dict[str, Any]:
    return {"id": sentence_id, "text": text, **labels}


def sentences_of(article: Article) -> list[Sentence]:
    return article_sentences(article, "Acme Corp", load_config())


def gold_for(sentences: list[Sentence]) -> list[GoldLabel]:
    return [GoldLabel(sentence_id=s.id, text=s.text, stance="neutral") for s in sentences]


# ---------------------------------------------------------------- reading


def test_gold_valid_jsonl_loads(tmp_path: Path, codebook: Codebook) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [
        row(stance="favor", sentiment="positive", frame="economic", mentions_target=True, target="Acme Corp",
            note="headline"),
        row("a1:1", "Revenue rose 8 percent.", stance="neutral", sentiment="neutral", frame="economic",
            mentions_target=False, target="Acme Corp", note=""),
    ])
    gold = read_gold(path, codebook)
    assert gold[0] == GoldLabel(
        sentence_id="a1:0", text="Acme Corp posts a record quarter.", stance="favor", sentiment="positive",
        frame="economic", mentions_target=True, target="Acme Corp", note="headline",
    )
    assert [g.sentence_id for g in gold] == ["a1:0", "a1:1"]
    assert gold[1].mentions_target is False


def test_gold_valid_csv_loads_with_text_booleans(tmp_path: Path, codebook: Codebook) -> None:
    path = tmp_path / "gold.csv"
    path.write_text(
        "id,text,stance,sentiment,frame,mentions_target\n"
        'a1:0,"Acme Corp posts a record quarter.",favor,positive,economic,TRUE\n'
        "a1:1,Revenue rose 8 percent.,,,,\n",
        encoding="utf-8",
    )
    gold = read_gold(path, codebook)
    assert (gold[0].stance, gold[0].mentions_target) == ("favor", True)
    assert (gold[1].stance, gold[1].frame, gold[1].mentions_target) == (None, None, None)


def test_gold_unknown_label_rejected_with_message(tmp_path: Path, codebook: Codebook) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [row(), row("a1:1", "Revenue rose.", stance="pro")])
    with pytest.raises(MediaframeError, match=r"gold\.jsonl line 2 field 'stance'.*'pro'.*against, neutral, favor"):
        read_gold(path, codebook)


def test_gold_unknown_frame_rejected(tmp_path: Path, codebook: Codebook) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [row(frame="economy")])
    with pytest.raises(MediaframeError, match=r"line 1 field 'frame'.*'economy'.*expected one of economic"):
        read_gold(path, codebook)


def test_gold_duplicate_id_rejected(tmp_path: Path, codebook: Codebook) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [row(), row("a1:1", "Revenue rose."), row("a1:0", "Again.")])
    with pytest.raises(MediaframeError, match=r"'a1:0' appears on line 1 and line 3"):
        read_gold(path, codebook)


def test_gold_missing_labels_stay_none(tmp_path: Path, codebook: Codebook) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [row(stance="against", frame=None)])
    [gold] = read_gold(path, codebook)
    assert gold.stance == "against"
    assert (gold.sentiment, gold.frame, gold.mentions_target) == (None, None, None)
    assert (gold.target, gold.note) == ("", "")


@pytest.mark.parametrize("bad", [{"text": "No id."}, {"id": "a1:0"}, {"id": "a1:0", "text": "  "}])
def test_gold_missing_id_or_text_rejected(tmp_path: Path, codebook: Codebook, bad: dict[str, Any]) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [bad])
    with pytest.raises(MediaframeError, match=r"line 1: expected a non-empty string in field '(id|text)'"):
        read_gold(path, codebook)


@pytest.mark.parametrize("value", ["yes", 1, "maybe"])
def test_gold_non_bool_mentions_target_rejected(tmp_path: Path, codebook: Codebook, value: Any) -> None:
    path = write_jsonl(tmp_path / "gold.jsonl", [row(mentions_target=value)])
    with pytest.raises(MediaframeError, match=r"line 1: field 'mentions_target' holds .*expected true, false or null"):
        read_gold(path, codebook)


# ---------------------------------------------------------------- target


def test_gold_other_target_rejected() -> None:
    gold = [GoldLabel("a1:0", "x", target="Netflix"), GoldLabel("a1:1", "y", target="Disney")]
    with pytest.raises(MediaframeError, match=r"for target 'Disney' \(1 rows\); expected 'Netflix'"):
        check_target(gold, "Netflix", Path("gold.jsonl"))


def test_gold_same_or_empty_target_accepted() -> None:
    gold = [GoldLabel("a1:0", "x", target="netflix"), GoldLabel("a1:1", "y", target="")]
    assert check_target(gold, "Netflix", Path("gold.jsonl")) is None  # case-insensitive; empty means any
    with pytest.raises(MediaframeError, match="Netflix"):
        check_target([GoldLabel("a1:0", "x", target="Disney")], "Netflix", Path("gold.jsonl"))


# ---------------------------------------------------------------- matching


def test_gold_match_all_rows_when_segmentation_unchanged() -> None:
    sentences = sentences_of(ARTICLE)
    result = match_gold(sentences, gold_for(sentences))
    assert sorted(result.matched) == [s.id for s in sentences]
    assert (result.stale, result.orphans) == ([], [])


def test_gold_match_ignores_whitespace_only_differences() -> None:
    sentences = sentences_of(ARTICLE)
    gold = [GoldLabel(sentence_id="a1:1", text="  Revenue rose\n8\u00a0percent. ", stance="favor")]
    result = match_gold(sentences, gold)
    assert list(result.matched) == ["a1:1"]


def test_gold_match_reports_stale_and_orphan_rows(caplog: pytest.LogCaptureFixture) -> None:
    before = sentences_of(ARTICLE)
    gold = gold_for(before)
    edited = ARTICLE.text.replace("Revenue rose 8 percent.", "Revenue rose 9 percent.").replace(
        "\n\nCritics say the pay is too low.", ""
    )
    after = sentences_of(Article(id="a1", outlet="Test Wire", text=edited))
    with caplog.at_level(logging.WARNING, logger="mediaframe.labels.gold"):
        result = match_gold(after, gold)
    assert [g.sentence_id for g in result.stale] == ["a1:1"]
    assert [g.sentence_id for g in result.orphans] == ["a1:3"]
    assert sorted(result.matched) == ["a1:0", "a1:2"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "a1:1 is stale" in warnings[0] and "8 percent" in warnings[0] and "9 percent" in warnings[0]
    assert "a1:3 is an orphan" in warnings[1] and "Critics say" in warnings[1]


def test_gold_match_points_to_where_a_moved_sentence_went(caplog: pytest.LogCaptureFixture) -> None:
    gold = gold_for(sentences_of(ARTICLE))
    moved = Article(id="a1", text="A new headline.\n\n" + ARTICLE.text)
    with caplog.at_level(logging.WARNING, logger="mediaframe.labels.gold"):
        result = match_gold(sentences_of(moved), gold)
    assert len(result.stale) == 4 and not result.matched
    assert "its text is now sentence a1:1" in caplog.records[0].getMessage()


def test_gold_match_summary_counts() -> None:
    gold = [GoldLabel("a1:0", "x"), GoldLabel("a1:1", "y"), GoldLabel("a1:9", "z")]
    result = GoldMatch(matched={"a1:0": gold[0]}, stale=[gold[1]], orphans=[gold[2]])
    assert result.summary() == "3 gold rows: 1 matched, 1 stale (text changed), 1 orphan (id gone)"


# ---------------------------------------------------------------- the seed gold set


def test_gold_seed_file_matches_current_seed_segmentation(codebook: Codebook) -> None:
    sentences = list(corpus_sentences(reading.read_articles(SEED_DIR), "Netflix", load_config()))
    gold = read_gold(SEED_GOLD, codebook)
    check_target(gold, "Netflix", SEED_GOLD)
    result = match_gold(sentences, gold)
    assert (result.stale, result.orphans) == ([], [])
    assert [g.sentence_id for g in gold] == [s.id for s in sentences]  # one row per sentence, corpus order
    assert [g.text for g in gold] == [s.text for s in sentences]  # identical text, not only up to whitespace


def test_gold_seed_file_labels_every_task(codebook: Codebook) -> None:
    gold = read_gold(SEED_GOLD, codebook)
    missing = [g.sentence_id for g in gold if None in (g.stance, g.sentiment, g.frame, g.mentions_target)]
    assert missing == []
    assert {g.target for g in gold} == {"Netflix"}
