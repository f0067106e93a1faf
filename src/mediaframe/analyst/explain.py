"""Why a sentence got its labels: the words that moved them, and the labeled sentences most like it.

Word weights are measured by occlusion (Zeiler and Fergus 2014; for text, Li, Monroe and Jurafsky
2016, "Understanding Neural Networks through Representation Erasure"): each word is removed in turn
and the drop in the probability of the predicted label is that word's weight (negative: the label
is more likely without it). The words of the target's mentions are never removed; they are shown
apart. One batch scores the sentence and all its variants, so a sentence takes one forward pass of
a few dozen rows. `faithfulness` checks the weights: removing the top-k words should lower the
predicted label's probability more than removing k random words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.labels.embeddings import Embedder
from mediaframe.records import TASKS, cell_text, given_context

WORD = re.compile(r"\w[\w'’.-]*\w|\w")  # words, keeping inner apostrophes, hyphens and dots (U.S., co-founder)
EXPLAINED_TASKS = ("stance", "frame")  # the tasks whose evidence words are measured


@dataclass(frozen=True)
class Word:
    """One word of the sentence: its span, whether it belongs to a mention of the target, and its weight per task."""

    start: int
    end: int
    text: str
    mention: bool
    weight: dict[str, float] = field(default_factory=dict)


@dataclass
class Explanation:
    """A sentence's labels with their probabilities, the words that moved them, and its nearest labeled sentences."""

    text: str
    target: str
    probabilities: dict[str, dict[str, float]]
    words: list[Word]
    neighbours: list[dict[str, Any]] = field(default_factory=list)

    def label(self, task: str) -> str:
        scores = self.probabilities[task]
        return max(scores, key=scores.__getitem__)

    def evidence(self, task: str, k: int = 3) -> list[Word]:
        """The k words that raised the predicted label most (positive weights only), strongest first."""
        ranked = sorted((w for w in self.words if not w.mention and w.weight.get(task, 0.0) > 0), key=lambda w: -w.weight[task])
        return ranked[:k]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "target": self.target, "labels": {t: self.label(t) for t in self.probabilities},
                "probabilities": self.probabilities,
                "evidence": {t: [w.text for w in self.evidence(t)] for t in EXPLAINED_TASKS},
                "words": [{"start": w.start, "end": w.end, "text": w.text, "mention": w.mention,
                           **{f"{t}_weight": round(w.weight.get(t, 0.0), 4) for t in EXPLAINED_TASKS}} for w in self.words],
                "neighbours": self.neighbours}


def sentence_words(text: str, mentions: Sequence[Mapping[str, Any]]) -> list[Word]:
    """The words of `text`, each marked when it lies inside a mention of the target."""
    spans = [(int(m["start"]), int(m["end"])) for m in mentions]
    return [Word(m.start(), m.end(), m.group(), any(s < m.end() and m.start() < e for s, e in spans))
            for m in WORD.finditer(text)]


def without(text: str, mentions: Sequence[Mapping[str, Any]], cut: Sequence[Word]) -> tuple[str, list[dict[str, Any]]]:
    """`text` with the words in `cut` removed (each with the space after it), and the mentions moved to match."""
    spans = sorted((w.start, end_with_space(text, w.end)) for w in cut)
    kept, last = [], 0
    for start, end in spans:
        kept.append(text[last:start])
        last = end
    kept.append(text[last:])
    moved = []
    for m in mentions:  # each mention moves left by the length cut before its original start
        shift = sum(end - start for start, end in spans if end <= int(m["start"]))
        moved.append({**m, "start": int(m["start"]) - shift, "end": int(m["end"]) - shift})
    return "".join(kept), moved


def end_with_space(text: str, end: int) -> int:
    return end + 1 if end < len(text) and text[end] == " " else end


def explain_sentences(predictor: Any, texts: Sequence[str], targets: Sequence[str],
                      mentions: Sequence[Sequence[Mapping[str, Any]]], contexts: Sequence[str] | None = None) -> list[Explanation]:
    """Labels, probabilities and occlusion weights of each sentence (one batch per sentence and its variants; a model
    that reads context reads each sentence's, unchanged, with every variant)."""
    contexts = contexts or [""] * len(texts)
    return [explain_one(predictor, text, target, list(found), context)
            for text, target, found, context in zip(texts, targets, mentions, contexts, strict=True)]


def explain_one(predictor: Any, text: str, target: str, mentions: list[Mapping[str, Any]], context: str = "") -> Explanation:
    words = sentence_words(text, mentions)
    open_words = [w for w in words if not w.mention]
    variants = [without(text, mentions, [w]) for w in open_words]
    texts = [text, *(v[0] for v in variants)]
    probs = predictor.predict_proba(texts, [target] * len(texts), [mentions, *(v[1] for v in variants)], [context] * len(texts))
    labels = predictor.labels
    chosen = {task: int(probs[task][0].argmax()) for task in TASKS}
    drops = {task: probs[task][0, chosen[task]] - probs[task][1:, chosen[task]] for task in EXPLAINED_TASKS}
    weighted, variant = [], 0
    for word in words:
        if word.mention:
            weighted.append(word)
            continue
        weighted.append(Word(word.start, word.end, word.text, False, {t: float(drops[t][variant]) for t in EXPLAINED_TASKS}))
        variant += 1
    probabilities = {task: {label: round(float(p), 4) for label, p in zip(labels[task], probs[task][0], strict=True)}
                     for task in TASKS}
    return Explanation(text, target, probabilities, weighted)


def faithfulness(predictor: Any, explanations: Sequence[Explanation], mentions: Sequence[Sequence[Mapping[str, Any]]],
                 k: int, seed: int, task: str = "stance") -> dict[str, float]:
    """Mean drop of the predicted label's probability when the top-k weighted words are removed, and when k random
    words are (no mention words either way); sentences with fewer than k + 1 open words are left out."""
    rng = np.random.default_rng(seed)
    top_texts, random_texts, kept = [], [], []
    for explanation, found in zip(explanations, mentions, strict=True):
        open_words = [w for w in explanation.words if not w.mention]
        if len(open_words) <= k:
            continue
        top = sorted(open_words, key=lambda w: -w.weight[task])[:k]
        chance = [open_words[i] for i in rng.choice(len(open_words), size=k, replace=False)]
        top_texts.append(without(explanation.text, found, top))
        random_texts.append(without(explanation.text, found, chance))
        kept.append(explanation)
    if not kept:
        return {"sentences": 0, "top_k_drop": 0.0, "random_k_drop": 0.0}
    targets = [e.target for e in kept]
    full = np.array([e.probabilities[task][e.label(task)] for e in kept])
    index = [predictor.labels[task].index(e.label(task)) for e in kept]
    rows = np.arange(len(kept))
    after_top = predictor.predict_proba([t for t, _ in top_texts], targets, [m for _, m in top_texts])[task][rows, index]
    after_random = predictor.predict_proba([t for t, _ in random_texts], targets, [m for _, m in random_texts])[task][rows, index]
    return {"sentences": len(kept), "top_k_drop": float(np.mean(full - after_top)),
            "random_k_drop": float(np.mean(full - after_random))}


def explain(model: str | Path, rows: Sequence[Mapping[str, Any]], cfg: Config, examples: Sequence[Path] = (),
            neighbours: int = 3, embed: Embedder | None = None) -> list[Explanation]:
    """Explain each row (`text`, `target`, optional `mentions`) with the model, and attach its nearest labeled examples
    (of the model's training sources and the `examples` tables; none when `neighbours` is 0).

    Raises:
        MediaframeError: a row without text or target, a model folder that is not mediaframe's, an unreadable table.
    """
    from mediaframe.analyst.examples import example_index, example_rows, model_sources
    from mediaframe.corpus.mentions import MentionFinder
    from mediaframe.labels.embeddings import load_embedder
    from mediaframe.predict.prediction_rows import predictor_for

    check_rows(rows)
    predictor = predictor_for(model, cfg)
    texts, targets = [str(r["text"]) for r in rows], [str(r["target"]) for r in rows]
    mentions = MentionFinder(cfg.targets).rows(rows, targets)
    explanations = explain_sentences(predictor, texts, targets, mentions, [given_context(r, t) for r, t in zip(rows, texts, strict=True)])
    if neighbours > 0:
        embed = embed or load_embedder(cfg.labeling.embedding_model)
        index = example_index(example_rows(model_sources(predictor.folder.meta), examples, cfg), embed,
                              embedder_name=cfg.labeling.embedding_model or "bundled all-MiniLM-L6-v2")
        for explanation, near in zip(explanations, index.nearest(embed(texts), neighbours), strict=True):
            explanation.neighbours = near
    return explanations


def check_rows(rows: Sequence[Mapping[str, Any]]) -> None:
    if not rows:
        raise MediaframeError("explain: no sentence given; pass --text or --input with one row per sentence")
    for number, row in enumerate(rows, start=1):
        if not cell_text(row.get("text")):
            raise MediaframeError(f"explain: sentence {number} has no text; expected a 'text' field")
        if not cell_text(row.get("target")):
            raise MediaframeError(f"explain: sentence {number} has no target; pass --target or give it a 'target' field")
