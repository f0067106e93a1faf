"""The sentences a teacher labels for its student: the labeled sources' rows and the rest of their articles.

Every labeled row of `distill.sources` (NewsMTSC train, Narrative Frames folds 1-4, the written
coverage, FinEntity's training passages) is taught with the teacher's soft labels and its gold.
The written coverage and FinEntity are labeled sentence by sentence whole; a Narrative Frames
article is labeled only where a sentence bears on an entity, so `distill.article_sentences` adds
that many of its other sentences (toward the entities labeled in the article, seeded sample; -1 =
all; never a sentence that is also in the test fold), with no gold: the teacher's reading of real
news is what they carry. With `distill.hold_out` the articles the teacher's training held out for
validation (its recorded training settings and seed applied to the sources) are left out, so
teacher and student are scored on the same articles, which neither learned.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Collection
from pathlib import Path
from typing import Any

from mediaframe.config import Config, load_config
from mediaframe.corpus.segmentation import split_article
from mediaframe.corpus.targets import mentions_in_order, resolve_target
from mediaframe.errors import MediaframeError
from mediaframe.labels.importers import make_row
from mediaframe.labels.sources import nfc_articles, slug
from mediaframe.model.shipped import model_path
from mediaframe.records import Article, mention_rows
from mediaframe.training.data import source_validation_articles

logger = logging.getLogger(__name__)

TEST_SOURCES = frozenset({"narrative_frames_test", "finentity_test"})
NFC_PREFIX = "nfc-"  # the article ids of Narrative Frames rows


def distillation_rows(cfg: Config, held_out: Collection[str] = ()) -> list[dict[str, Any]]:
    """The sentences of the distillation sources, with their gold labels where they have them, but for the articles
    in `held_out` (teacher_validation_articles).

    Raises:
        MediaframeError: a test set is among `distill.sources`.
    """
    from mediaframe.labels.registry import load_source

    settings = cfg.distill
    if TEST_SOURCES & set(settings.sources):
        raise MediaframeError(f"distill.sources {settings.sources}: a test set is never trained on; drop "
                              f"{' and '.join(sorted(TEST_SOURCES))}")
    rows: list[dict[str, Any]] = []
    for name in settings.sources:
        every = load_source(name, cfg).rows
        labeled = [row for row in every if row["article_id"] not in held_out]
        if held_out:
            logger.info("distill: %s: %d rows of the teacher's validation articles left out", name, len(every) - len(labeled))
        rows += labeled
        if name == "narrative_frames" and settings.article_sentences:
            rows += narrative_frames_sentences(labeled, settings.article_sentences, cfg)
    return rows


def teacher_validation_articles(teacher: Path, cfg: Config) -> set[str]:
    """The source articles the teacher's training held out for validation: the training settings and seed recorded in
    its folder (config.toml) applied to the sources as this run reads them; none where the folder records none."""
    recorded = model_path(teacher) / "config.toml"
    if not cfg.distill.sources:  # the student learns no source row: nothing to leave out
        return set()
    if not recorded.is_file():
        logger.warning("distill: %s records no training settings; no article is held out for the student", teacher)
        return set()
    settings = load_config(recorded)
    try:
        return source_validation_articles(cfg.model_copy(update={"training": settings.training, "seed": settings.seed}))
    except MediaframeError as error:
        raise MediaframeError(f"distill.hold_out: the sources the teacher trained on ({recorded}) cannot be read here "
                              f"({error}); give their folders with --set sources.benchmarks=DIR, or --set "
                              "distill.hold_out=false") from None


def narrative_frames_sentences(labeled: list[dict[str, Any]], count: int, cfg: Config) -> list[dict[str, Any]]:
    """Up to `count` (-1: all) unlabeled sentences of the labeled rows' Narrative Frames articles, each toward an entity
    labeled in its article, with the mentions and context `predict` would give it; a seeded sample."""
    from mediaframe.labels.registry import load_source

    articles = nfc_articles(Path(cfg.sources.benchmarks).resolve() / "narrative_frames")
    done = {(r["article_id"], slug(r["target"]), r["text"]) for r in labeled}
    tested = {r["text"] for r in load_source("narrative_frames_test", cfg).rows}  # a story the corpus holds twice
    pairs = sorted({(r["article_id"], slug(r["target"])): r["target"] for r in labeled
                    if str(r["article_id"]).startswith(NFC_PREFIX)}.items())  # one spelling of each entity
    rows: list[dict[str, Any]] = []
    for (article_id, key), entity in pairs:
        article = articles[article_id.removeprefix(NFC_PREFIX)]
        sentences = split_article(Article(id=article_id, text=article["text"]), cfg.segmentation)
        found = mentions_in_order([s.text for s in sentences], resolve_target(entity, cfg.targets))
        rows += [make_row({"id": f"{article_id}:s{s.start}:{slug(entity)}", "article_id": article_id, "index": s.index,
                           "text": s.text, "target": entity, "outlet": article["source"],
                           "mentions": mention_rows(mentions), "context": s.context})
                 for s, mentions in zip(sentences, found, strict=True) if (article_id, key, s.text) not in done and s.text not in tested]
    if 0 <= count < len(rows):
        rows = random.Random(cfg.seed).sample(rows, count)
    logger.info("distill: %d unlabeled sentences of %d Narrative Frames (article, entity) pairs", len(rows), len(pairs))
    return rows
