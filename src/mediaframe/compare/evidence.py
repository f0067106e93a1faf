"""Evidence in the report: the words that carry each quoted sentence's stance, marked where it is quoted.

The quotes of a comparison (each group's most confident against and favor sentences) are explained by
occlusion with the model that labeled them (`analyst.explain`); the words whose removal lowers the
quoted stance's probability most are kept as character spans, which the report highlights. A quote the
model now labels otherwise (another model, another target) keeps no spans.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from mediaframe.analyst.explain import explain_sentences
from mediaframe.compare.comparison import Comparison
from mediaframe.config import Config

logger = logging.getLogger(__name__)

EVIDENCE_WORDS = 3


def add_evidence(comparisons: list[Comparison], model: Path, cfg: Config) -> int:
    """Give every quote of the comparisons its `evidence` spans (a list of [start, end]); return how many got some."""
    from mediaframe.corpus.mentions import MentionFinder
    from mediaframe.predict.prediction_rows import predictor_for

    quotes = [(label, quote, comparison.target) for comparison in comparisons for sides in comparison.examples.values()
              for label, items in sides.items() for quote in items]
    if not quotes:
        return 0
    predictor = predictor_for(model, cfg)
    texts, targets = [q["text"] for _, q, _ in quotes], [target for _, _, target in quotes]
    mentions = MentionFinder(cfg.targets).rows([{"text": text} for text in texts], targets)
    marked = 0
    for (label, quote, _), explanation in zip(quotes, explain_sentences(predictor, texts, targets, mentions), strict=True):
        same = explanation.label("stance") == label
        quote["evidence"] = [[w.start, w.end] for w in explanation.evidence("stance", EVIDENCE_WORDS)] if same else []
        marked += bool(quote["evidence"])
    logger.info("evidence words marked in %d of %d quoted sentences (%s)", marked, len(quotes), model)
    return marked


def marked_text(text: str, spans: list[list[int]], mark: Any, plain: Any) -> str:
    """`text` with each span passed through `mark` and the rest through `plain` (escaping, say)."""
    parts, last = [], 0
    for start, end in sorted(spans):
        parts += [plain(text[last:start]), mark(text[start:end])]
        last = end
    return "".join(parts + [plain(text[last:])])
