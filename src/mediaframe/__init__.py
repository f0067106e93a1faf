"""mediaframe: stance, sentiment and framing of news coverage toward a target, and outlet comparison.

The stages, in pipeline order (each a plain function; importing this package loads no model):

    read_articles -> corpus_sentences -> build -> train -> evaluate -> predict -> compare -> render_report
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name -> module: resolved on first use, so `import mediaframe` stays fast and side-effect free.
_EXPORTS = {
    "MediaframeError": "errors",
    "Article": "records",
    "Sentence": "records",
    "Mention": "records",
    "Stance": "records",
    "Sentiment": "records",
    "Frame": "records",
    "Config": "config",
    "load_config": "config",
    "Codebook": "codebook",
    "load_codebook": "codebook",
    "read_articles": "io",
    "clean": "cleaning",
    "split_article": "segmentation",
    "resolve_target": "targets",
    "find_mentions": "targets",
    "corpus_sentences": "corpus",
    "read_gold": "gold",
    "match_gold": "gold",
    "load_source": "sources",
    "LabeledSource": "sources",
    "build": "builder",
    "import_labeled": "builder",
    "train": "training",
    "train_path": "training",
    "load_model": "modeling",
    "evaluate": "evaluation",
    "evaluate_path": "evaluation",
    "Predictor": "inference",
    "predict": "prediction",
    "compare": "comparison",
    "rank_agreement": "comparison",
    "render_report": "reporting",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mediaframe' has no attribute {name!r}")
    return getattr(import_module(f"mediaframe.{_EXPORTS[name]}"), name)
