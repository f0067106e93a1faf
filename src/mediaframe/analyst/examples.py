"""Labeled sentences to show beside an explanation: the ones most like the sentence explained.

The examples are labeled rows: by default those of the named sources a model was trained on (its
`data.sources`: NewsMTSC, the Narrative Frames Corpus folds 1-4, the written coverage, FinEntity's
training passages), read where this machine has them, or any labeled table. They are placed by the
bundled sentence-embedding model; their embeddings are kept in the user's cache folder, keyed by
their texts, so only the first explanation over a set of examples pays for them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output, user_cache_dir
from mediaframe.labels.embeddings import Embedder
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

EXAMPLE_FIELDS = ("text", "target", *TASKS)


@dataclass
class ExampleIndex:
    """Labeled rows and their unit-length sentence embeddings."""

    rows: list[dict[str, Any]]
    vectors: np.ndarray

    def nearest(self, vectors: np.ndarray, k: int) -> list[list[dict[str, Any]]]:
        """For each query vector, the k most similar labeled rows with their cosine similarity."""
        if not self.rows:
            return [[] for _ in range(len(vectors))]
        similarity = vectors @ self.vectors.T
        best = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
        return [[{**{f: self.rows[j].get(f) for f in EXAMPLE_FIELDS}, "source": self.rows[j].get("_source", ""),
                  "similarity": round(float(similarity[i, j]), 3)} for j in row] for i, row in enumerate(best)]


def model_sources(meta: dict[str, Any]) -> list[str]:
    """The named labeled sources a model folder says it was trained on."""
    from mediaframe.labels.registry import SOURCE_LOADERS

    names = [source.get("name", "") for source in meta.get("data", {}).get("sources", [])]
    return [name for name in names if name in SOURCE_LOADERS and not name.endswith("_test")]


def example_rows(sources: Sequence[str], tables: Sequence[Path], cfg: Config) -> list[dict[str, Any]]:
    """Labeled rows of the named sources (those this machine cannot read are skipped with a warning) and tables.

    Raises:
        MediaframeError: a table cannot be read or has no labeled row.
    """
    from mediaframe.labels.importers import read_labeled
    from mediaframe.labels.registry import load_source

    rows: list[dict[str, Any]] = []
    for name in sources:
        try:
            rows += [{**row, "_source": name} for row in load_source(name, cfg).rows]
        except MediaframeError as exc:
            logger.warning("examples: source %s left out (%s)", name, exc)
    for path in tables:
        rows += [{**row, "_source": path.name} for row in read_labeled(path, cfg)]
    return [row for row in rows if any(row.get(task) for task in TASKS)]


def example_index(rows: list[dict[str, Any]], embed: Embedder, cache: Path | None = None,
                  embedder_name: str = "") -> ExampleIndex:
    """The rows placed by `embed` (named `embedder_name` in the cache key); embeddings read from (or written to) the
    cache folder when there is one."""
    texts = [str(row["text"]) for row in rows]
    folder = cache if cache is not None else user_cache_dir()
    path = folder / "examples" / f"{texts_key([embedder_name, *texts])}.npy" if folder is not None else None
    if path is not None and path.is_file():
        return ExampleIndex(rows, np.load(path))
    if texts:
        logger.info("examples: placing %d labeled sentences (once; kept in %s)", len(texts), path or "memory")
    vectors = embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
    if path is not None and texts:
        try:
            with atomic_output(path, "wb") as handle:
                np.save(handle, vectors)
        except MediaframeError as exc:  # a cache that cannot be written costs time, not the answer
            logger.warning("examples: embeddings not cached (%s)", exc)
    return ExampleIndex(rows, vectors)


def texts_key(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\x00")
    return digest.hexdigest()[:24]
