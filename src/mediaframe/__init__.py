"""mediaframe: stance, sentiment and framing of news coverage toward a target, and outlet comparison.

The stages, in pipeline order (each a plain function; importing this package loads no model):

    read_articles -> corpus_sentences -> build -> train (-> distill) -> evaluate -> predict -> compare -> render_report

In a notebook, `predict_frame(df, target="Netflix")` scores a DataFrame of texts with the shipped news model.
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
    "Config": "config",
    "load_config": "config",
    "Codebook": "labels.codebook",
    "load_codebook": "labels.codebook",
    "read_articles": "corpus.reading",
    "clean": "corpus.cleaning",
    "split_article": "corpus.segmentation",
    "resolve_target": "corpus.targets",
    "find_mentions": "corpus.targets",
    "corpus_sentences": "corpus.sentences",
    "read_gold": "labels.gold",
    "match_gold": "labels.gold",
    "load_source": "labels.registry",
    "LabeledSource": "labels.sources",
    "build": "dataset.builder",
    "import_labeled": "dataset.builder",
    "train": "training.train",
    "train_path": "training.train",
    "distill": "training.distillation",
    "load_model": "model.modeling",
    "evaluate": "evaluation.scoring",
    "evaluate_path": "evaluation.scoring",
    "Predictor": "inference.predictor",
    "predict": "predict.run",
    "predict_frame": "predict.frames",
    "compare": "compare.comparison",
    "rank_agreement": "compare.comparison",
    "render_report": "compare.reporting",
}
__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'mediaframe' has no attribute {name!r}")
    return getattr(import_module(f"mediaframe.{_EXPORTS[name]}"), name)
