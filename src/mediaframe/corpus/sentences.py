"""Articles to sentences: clean, segment, find the target. The first stage of the data flow."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.corpus.cleaning import clean
from mediaframe.corpus.segmentation import split_article
from mediaframe.corpus.targets import attach_mentions, resolve_target
from mediaframe.errors import MediaframeError
from mediaframe.records import Article, Sentence, sentence_row

logger = logging.getLogger(__name__)


def article_sentences(article: Article, target: str, cfg: Config) -> list[Sentence]:
    """Clean one article, split it into sentences and mark its target mentions.

    The article's own `target` field wins over the `target` argument.
    """
    return sentences_toward(article, [target], cfg)[0]


def sentences_toward(article: Article, targets: Sequence[str], cfg: Config) -> list[list[Sentence]]:
    """The article cleaned and split once, then its sentences with the mentions of each target (one list per
    target; the article's own `target` wins over them all: one list).

    Raises:
        MediaframeError: the article is longer than data.max_article_chars.
    """
    if len(article.text) > cfg.data.max_article_chars:
        raise MediaframeError(
            f"article {article.id}: {len(article.text):,} characters, above data.max_article_chars="
            f"{cfg.data.max_article_chars:,}; split it or raise the limit with --set data.max_article_chars=N"
        )
    sentences = split_article(clean(article, cfg.cleaning), cfg.segmentation)
    names = [article.target] if article.target else list(targets)
    return [list(attach_mentions(sentences, resolve_target(name, cfg.targets))) for name in names]


def corpus_sentence_rows(path: Path, target: str, cfg: Config) -> list[dict[str, Any]]:
    """Every sentence of the articles at `path` as a sentence row (records.sentence_row), toward each article's own
    target, else `target`.

    Raises:
        MediaframeError: the corpus cannot be read or holds no article, or an article names no target and no
            `target` is given.
    """
    from mediaframe.corpus.reading import read_articles

    articles = read_articles(path, cfg.data)
    if not target.strip() and any(not a.target for a in articles):
        raise MediaframeError(f"{path}: some articles name no target; pass --target NAME")
    return [sentence_row(s) for s in corpus_sentences(articles, target, cfg)]


def corpus_sentences(articles: Iterable[Article], target: str, cfg: Config) -> Iterator[Sentence]:
    """Sentences of every article in order; articles that are too long are skipped with a warning."""
    for article in articles:
        try:
            sentences = article_sentences(article, target, cfg)
        except MediaframeError as exc:
            logger.warning("skipped: %s", exc)
            continue
        if not sentences:
            logger.warning("article %s: no sentence left after cleaning; skipped", article.id)
        yield from sentences

