"""Sentence segmentation: offsets into the cleaned text, tricky news punctuation, the syntok shortcuts."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from mediaframe.config import SegmentationConfig
from mediaframe.corpus.cleaning import clean
from mediaframe.corpus.reading import read_articles
from mediaframe.corpus.segmentation import (
    DECIMAL_END,
    TITLES,
    line_spans,
    split_article,
    syntok_spans,
)
from mediaframe.records import Article


def texts(text: str) -> list[str]:
    return [s.text for s in split_article(Article(id="a", text=text))]


@pytest.mark.parametrize(
    "sentences",
    [
        ["Orbital Foods Inc. said on Tuesday it will spend $1.2 billion on three new U.S. plants by 2027.",
         "The snack maker's shares rose 4.5% to $61.30 in early trading."],
        ['"We are building for the next twenty years," said Dr. Maya Chen.', '"Demand is not slowing down."'],
        ['Analysts at J.P. Morgan called the plan "bold but affordable."', "Crestline Snacks Corp. declined to comment."],
        ["The first plant opens at 9 a.m. on Jan. 6 in Dayton, Ohio.", "It will make crackers."],
        ["Is this the end of cable?", "Not quite, analysts say!"],
        ["The listing reads: \"Machine learning is powering innovation.\"", "Critics disagreed."],
        ["The streamer\u2014long the leader\u2014now faces rivals.", "Disney is one of them."],
        ["The deal is done... or is it?", "Investors are not sure."],
        ["Shares closed at $61.30.", "Volume was light."],
        ["Gov. Ann Reyes signed the bill.", "It takes effect in 2025."],
        ["Bonds were flat; oil fell.", "Gold rose."],
    ],
)
def test_segmentation_splits_tricky_news_text(sentences: list[str]) -> None:
    assert texts(" ".join(sentences)) == sentences


def test_segmentation_each_line_is_split_on_its_own() -> None:
    text = "Orbital Foods opens a plant\nThe snack maker is betting on Ohio\nHire 200 people.\nTrain them"
    assert texts(text) == ["Orbital Foods opens a plant", "The snack maker is betting on Ohio", "Hire 200 people.",
                           "Train them"]


def test_segmentation_each_sentence_carries_the_title_and_the_sentence_before_as_context() -> None:
    from mediaframe.records import sentence_context

    article = Article(id="a", title="Orbital Foods opens a plant", text="Orbital Foods hires 200 people. Pay is low.\nIt opens in May.")
    sentences = split_article(article)
    assert [s.context for s in sentences] == ["Orbital Foods opens a plant.",
                                              "Orbital Foods opens a plant. Orbital Foods hires 200 people.",
                                              "Orbital Foods opens a plant. Pay is low."]
    assert [s.context for s in split_article(Article(id="b", text="One. Two."))] == ["", "One."]
    assert sentence_context("Is it over?", "") == "Is it over?" and sentence_context("", "  ") == ""


def test_segmentation_offsets_point_into_the_cleaned_text(txt_corpus: Path, html_pages: Path) -> None:
    articles = [clean(a) for a in read_articles(txt_corpus) + read_articles(html_pages / "page.html")]
    for article in articles:
        sentences = split_article(article)
        assert sentences
        for sentence in sentences:
            assert article.text[sentence.start:sentence.end] == sentence.text
            assert sentence.text == sentence.text.strip() and "\n" not in sentence.text


def test_segmentation_covers_every_word_of_the_article(txt_corpus: Path) -> None:
    for article in map(clean, read_articles(txt_corpus)):
        assert " ".join(s.text for s in split_article(article)).split() == article.text.split()


def test_segmentation_headers_article_exactly(txt_corpus: Path) -> None:
    article = clean(next(a for a in read_articles(txt_corpus) if a.id == "headers"))
    assert [s.text for s in split_article(article)] == [
        "Orbital Foods bets $1.2 billion on U.S. plants",
        "Orbital Foods Inc. said on Tuesday it will spend $1.2 billion on three new U.S. plants by 2027.",
        "The snack maker's shares rose 4.5% to $61.30 in early trading.",
        '"We are building for the next twenty years," said Dr. Maya Chen, the company\'s chief operating officer.',
        '"Demand is not slowing down."',
        'Analysts at J.P. Morgan called the plan "bold but affordable."',
        "Orbital Foods' rival, Crestline Snacks Corp., declined to comment.",
        "Some investors asked whether the company could hire 2,000 workers in time.",
        "Others were less worried!",
        "The first plant opens in Dayton, Ohio, at 9 a.m. on Jan. 6, according to a filing with the U.S. "
        "Securities and Exchange Commission.",
    ]


def test_segmentation_sentences_carry_ids_and_metadata() -> None:
    article = Article(id="x7", text="One sentence here. Another one.\nA third.", outlet="Daily Ledger",
                      date="2024-03-01", title="T", author="Ann Writer", url="https://example.org/x7", target="Acme")
    sentences = split_article(article)
    assert [(s.id, s.index) for s in sentences] == [("x7:0", 0), ("x7:1", 1), ("x7:2", 2)]
    assert {(s.outlet, s.date, s.title, s.author, s.url, s.target) for s in sentences} == {
        ("Daily Ledger", "2024-03-01", "T", "Ann Writer", "https://example.org/x7", "Acme")}


def test_segmentation_spans_leave_out_surrounding_whitespace() -> None:
    article = Article(id="a", text="  Hello world.   \n\n   Next line here.  ")
    assert [(s.start, s.end, s.text) for s in split_article(article)] == [
        (2, 14, "Hello world."), (22, 37, "Next line here.")]


def test_segmentation_run_on_sentence_is_cut_at_spaces() -> None:
    words = [f"word{i}" for i in range(200)]
    article = Article(id="a", text=" ".join(words))
    sentences = split_article(article, SegmentationConfig(max_sentence_chars=100))
    assert len(sentences) > 1 and all(len(s.text) <= 100 for s in sentences)
    assert " ".join(s.text for s in sentences).split() == words  # no word cut in two, none lost
    assert all(article.text[s.start:s.end] == s.text for s in sentences)


def test_segmentation_empty_article_has_no_sentences() -> None:
    assert split_article(Article(id="a", text="")) == [] and split_article(Article(id="a", text=" \n \n")) == []


# The shortcuts (sure cuts, one-sentence pieces) must give syntok's own answer on text without
# the two patterns mediaframe splits differently on purpose (a decimal before a full stop, a title
# like "Gov."): random lines of tricky tokens, brackets included, compared span by span.
VOCABULARY = ["the", "Netflix", "said", "U.S.", "Inc.", "Corp.", "etc.", "vs.", "no.", "No.", "Dr.", "Jan.", "p.m.", "a.m.", "billion", "5%", "(", ")", "[", "]", '"', "“", "”", "’", "'", "it", "is", "up", "in", "A.", "I", "II.", "...", "…", "—", "-", ":", ";", "!", "?", ".", "The", "This", "However", "And", "said.", "rose.", "fell!", "why?", 'done."', "over.”", "left.’", "J.P.", "Morgan", "5", "2023.", "approx.", "min.", "vol.", "word", "Word", "WORD", "(NFLX)", "(see", "below.)", "x", "y.", "z!", "e.g.", "i.e.", "Mr.", "St.", "Ave.", "est.", "co.", "Co.", "go.", "us.", "6.", "7", "A4", "“Yes.", "'No.", "(He", "said.)", "{", "}", "(mostly", "(NFLX)", "staff)", "4.5%", "U.S.A", "e.g.", "plants"]


TITLE = re.compile(rf"\b(?:{TITLES})\.")


def random_line(rng: random.Random, words: int) -> str:
    line = ""
    for token in (rng.choice(VOCABULARY) for _ in range(words)):
        glue = " " if token[0].isdigit() else rng.choice([" ", " ", " ", "  ", ""])  # no "2023.6." decimals
        line += (glue if line else "") + token
    return line


def test_segmentation_shortcuts_agree_with_syntok() -> None:
    rng = random.Random(7)
    cfg = SegmentationConfig(max_sentence_chars=10**9)
    lines = [random_line(rng, rng.randint(1, 40)) for _ in range(1500)]
    lines += [" ".join(rng.choice(["He", "went", "home.", "The", "said.", "(NFLX)", "U.S.", "“Yes.", "now.\"", "it"])
                       for _ in range(rng.randint(60, 300))) for _ in range(150)]
    lines = [line for line in lines if not DECIMAL_END.search(line) and not TITLE.search(line)]
    assert len(lines) > 1000
    for line in lines:
        assert list(line_spans(line, 0, cfg)) == [span for span in syntok_spans(line) if span[1] > span[0]], line


def test_segmentation_2mb_single_line_is_split_whole() -> None:
    line = " ".join(["Netflix (NFLX) said on Monday that prices rose 4.5% to $1.2 billion."] * 6_000)
    line += " " + " ".join(["The streamer said it would grow. Analysts agreed with it."] * 16_000)
    article = Article(id="big", text=line[:2_000_000])
    sentences = split_article(article)  # its time, linear in the text, is measured by bench/text_speed.py
    assert len(sentences) > 30_000
    assert all(article.text[s.start : s.end] == s.text for s in sentences[::997])
