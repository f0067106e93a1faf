"""Sentence segmentation with character offsets into the cleaned article text.

Each line of a cleaned article (a headline, deck, paragraph or bullet item) is split on
its own with syntok, so bullets and headlines are sentences and huge articles are handled
one paragraph at a time. syntok was chosen over pysbd by measurement on news text
(bench/segmenters.py; docs/BENCHMARKS.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator

import syntok.segmenter as syntok

from mediaframe.config import SegmentationConfig
from mediaframe.records import Article, Sentence

logger = logging.getLogger(__name__)

LINE = re.compile(r"[^\n]+")


def split_article(article: Article, cfg: SegmentationConfig | None = None) -> list[Sentence]:
    """Split one cleaned article into sentences; `article.text[s.start:s.end] == s.text`."""
    cfg = cfg or SegmentationConfig()
    spans = [span for line in LINE.finditer(article.text) for span in line_spans(line.group(), line.start(), cfg)]
    return [make_sentence(article, index, start, end) for index, (start, end) in enumerate(spans)]


def split_articles(articles: Iterable[Article], cfg: SegmentationConfig | None = None) -> Iterator[Sentence]:
    """Split every article, in order."""
    for article in articles:
        yield from split_article(article, cfg)


def line_spans(line: str, offset: int, cfg: SegmentationConfig) -> Iterator[tuple[int, int]]:
    """Sentence spans of one line, shifted by the line's offset in the article."""
    for paragraph in syntok.analyze(line):
        for tokens in paragraph:
            if not tokens:
                continue
            start = tokens[0].offset
            end = tokens[-1].offset + len(tokens[-1].value)
            yield from cap_length(offset + start, offset + end, cfg.max_sentence_chars)


def cap_length(start: int, end: int, limit: int) -> Iterator[tuple[int, int]]:
    """Cut a run-on span into pieces of at most `limit` characters."""
    if end - start > limit:
        logger.warning("a sentence of %d characters was cut into pieces of %d", end - start, limit)
    for piece_start in range(start, end, limit):
        yield piece_start, min(piece_start + limit, end)


def make_sentence(article: Article, index: int, start: int, end: int) -> Sentence:
    return Sentence(
        article_id=article.id,
        index=index,
        text=article.text[start:end],
        start=start,
        end=end,
        outlet=article.outlet,
        date=article.date,
        title=article.title,
        author=article.author,
        url=article.url,
        target=article.target,
    )
