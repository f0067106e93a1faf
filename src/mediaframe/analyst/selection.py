"""Picking the sentences whose labels would teach a model most: the corpus's common cases, or its doubts.

`pick_typical` (suggest's default) covers the corpus: every candidate is clustered on its sentence
embedding into as many groups as the batch has places, and each group gives the sentence whose
typicality (density among its neighbours) times the model's doubt is highest, as TypiClust picks for
small budgets (Hacohen, Dekel and Weinshall, "Active Learning on a Budget", ICML 2022). `pick_uncertain`
is uncertainty sampling with a diversity step, as in diverse mini-batch active learning (Zhdanov 2019,
arXiv:1901.05954): the most uncertain sentences (a pool of `POOL_FACTOR` times the batch), clustered,
each group giving its most uncertain. Both take at most `per_article` from one article, so that a batch
does not spend labels on near-duplicates.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from sklearn.cluster import KMeans

UNCERTAIN_TASKS = ("stance", "frame")  # the tasks whose doubt picks sentences
POOL_FACTOR = 5  # candidates clustered per place in the batch
TYPICAL_NEIGHBOURS = 20  # neighbours a sentence's typicality is measured on (pick_typical)


def normalised_entropy(probs: np.ndarray) -> np.ndarray:
    """Entropy of each row of class probabilities over log(classes): 0 sure, 1 no idea."""
    clipped = np.clip(probs, 1e-12, 1.0)
    return -(clipped * np.log(clipped)).sum(1) / np.log(probs.shape[1])


def uncertainty(probs: dict[str, np.ndarray]) -> np.ndarray:
    """Each sentence's doubt: the mean normalised entropy of its stance and frame probabilities."""
    return np.mean([normalised_entropy(probs[task]) for task in UNCERTAIN_TASKS], axis=0)


def pick_uncertain(doubt: np.ndarray, embeddings: np.ndarray, groups: Sequence[str], n: int, per_article: int,
                   seed: int) -> list[int]:
    """Indices of at most `n` sentences: uncertain, spread over embedding clusters, at most `per_article` per group.

    Returned most uncertain first.
    """
    by_doubt = [int(i) for i in np.argsort(-doubt, kind="stable")]
    pool = by_doubt[: max(n * POOL_FACTOR, n)]
    clusters = min(n, len(pool))
    if clusters == 0:
        return []
    kmeans = KMeans(n_clusters=clusters, n_init=1, random_state=seed)
    assigned = kmeans.fit_predict(embeddings[pool], sample_weight=doubt[pool] + 1e-6)
    cluster_of = {index: int(cluster) for index, cluster in zip(pool, assigned, strict=True)}
    return sorted(best_per_cluster(doubt, cluster_of, groups, n, per_article), key=lambda i: -doubt[i])


def pick_typical(doubt: np.ndarray, embeddings: np.ndarray, groups: Sequence[str], n: int, per_article: int,
                 seed: int) -> list[int]:
    """Indices of at most `n` sentences that cover the corpus: k-means over every candidate into `n` clusters, and from
    each the sentence whose typicality times doubt is highest, at most `per_article` per group.

    For small budgets, where a model gains most from the corpus's common cases (Hacohen, Dekel and Weinshall,
    "Active Learning on a Budget", ICML 2022: TypiClust): typicality is the inverse mean distance to the
    `TYPICAL_NEIGHBOURS` nearest candidates. Returned most uncertain first.
    """
    clusters = min(n, len(doubt))
    if clusters == 0:
        return []
    assigned = KMeans(n_clusters=clusters, n_init=1, random_state=seed).fit_predict(embeddings)
    cluster_of = {index: int(cluster) for index, cluster in enumerate(assigned)}
    score = typicality(embeddings) * doubt
    return sorted(best_per_cluster(score, cluster_of, groups, n, per_article), key=lambda i: -doubt[i])


def best_per_cluster(score: np.ndarray, cluster_of: dict[int, int], groups: Sequence[str], n: int,
                     per_article: int) -> list[int]:
    """At most `n` indices, at most `per_article` per group: the best-scored of each cluster (`cluster_of`: the
    candidates' clusters), then the best-scored others in places left by clusters whose members' articles were full."""
    order = [int(i) for i in np.argsort(-score, kind="stable")]
    taken: list[int] = []
    per_group: Counter[str] = Counter()
    used_clusters: set[int] = set()
    for index in order:
        cluster = cluster_of.get(index)
        if cluster is not None and cluster not in used_clusters and per_group[groups[index]] < per_article:
            taken.append(index)
            used_clusters.add(cluster)
            per_group[groups[index]] += 1
    chosen = set(taken)
    for index in order:
        if len(taken) >= n:
            break
        if index not in chosen and per_group[groups[index]] < per_article:
            taken.append(index)
            chosen.add(index)
            per_group[groups[index]] += 1
    return taken[:n]


def typicality(embeddings: np.ndarray) -> np.ndarray:
    """Each row's density among the rows: 1 / its mean distance to its `TYPICAL_NEIGHBOURS` nearest others."""
    from sklearn.neighbors import NearestNeighbors

    k = min(TYPICAL_NEIGHBOURS, len(embeddings) - 1)
    if k < 1:
        return np.ones(len(embeddings))
    distances, _ = NearestNeighbors(n_neighbors=k + 1).fit(embeddings).kneighbors(embeddings)
    return 1.0 / (distances[:, 1:].mean(1) + 1e-9)


def expected_error(probs: dict[str, np.ndarray], rows: Sequence[int]) -> dict[str, float]:
    """The share of `rows` the model is expected to get wrong per task (mean of 1 - its top probability): what
    labeling them can correct, by the model's own estimate."""
    if not rows:
        return {task: 0.0 for task in probs}
    return {task: float(np.mean(1.0 - probs[task][list(rows)].max(1))) for task in probs}


PICKERS = {"typical": pick_typical, "uncertain": pick_uncertain}  # `suggest --selection`, the default first
