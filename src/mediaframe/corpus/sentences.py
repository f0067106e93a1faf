"""Articles to sentences: clean, segment, find the target. The first stage of the data flow."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from mediaframe.config import Config
from mediaframe.corpus.cleaning import clean
from mediaframe.corpus.segmentation import split_article
from mediaframe.corpus.targets import attach_mentions, resolve_target
from mediaframe.errors import MediaframeError
from mediaframe.records import Article, Sentence

logger = logging.getLogger(__name__)


def article_sentences(article: Article, target: str, cfg: Config) -> list[Sentence]:
    """Clean one article, split it into sentences and mark its target mentions.

    The article's own `target` field wins over the `target` argument.
    """
    if len(article.text) > cfg.data.max_article_chars:
        raise MediaframeError(
            f"article {article.id}: {len(article.text):,} characters, above data.max_article_chars="
            f"{cfg.data.max_article_chars:,}; split it or raise the limit with --set data.max_article_chars=N"
        )
    spec = resolve_target(article.target or target, cfg.targets)
    cleaned = clean(article, cfg.cleaning)
    return list(attach_mentions(split_article(cleaned, cfg.segmentation), spec))


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

