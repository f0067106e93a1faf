"""Shared fixtures. Each section belongs to one stage; keep fixtures small and offline."""

from __future__ import annotations

from pathlib import Path

import pytest

# ---------------------------------------------------------------- tiny random model (modeling, training, inference)

TINY_VOCAB = [
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "<", ">", ".", ",", "!", "?", "'", "$",
    "the", "a", "is", "was", "and", "of", "to", "in", "it", "its", "for", "on", "with",
    "netflix", "company", "streamer", "writers", "actors", "strike", "job", "ai", "pay", "pays",
    "good", "bad", "great", "terrible", "praised", "slammed", "record", "failing", "profits",
    "orbital", "foods", "said", "new", "year", "million", "##s", "##ed", "##ing",
]


@pytest.fixture(scope="session")
def tiny_base_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-weight 2-layer, 32-dimension BERT with a small WordPiece vocab, saved as a base model folder."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    (folder / "vocab.txt").write_text("\n".join(TINY_VOCAB) + "\n", encoding="utf-8")
    BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=True).save_pretrained(folder)
    config = BertConfig(
        vocab_size=len(TINY_VOCAB), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128,
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory, tiny_base_model: Path) -> Path:
    """An untrained mediaframe model folder (tiny encoder, default codebook heads)."""
    from mediaframe.codebook import load_codebook
    from mediaframe.config import ModelConfig
    from mediaframe.modeling import build_model, save_model
    from mediaframe.records import TASKS

    codebook = load_codebook()
    loaded = build_model(str(tiny_base_model), {t: codebook.labels(t) for t in TASKS}, ModelConfig(max_length=64))
    folder = tmp_path_factory.mktemp("tiny-mediaframe") / "model"
    save_model(loaded, folder)
    return folder


@pytest.fixture()
def tiny_model_copy(tmp_path: Path, tiny_model_dir: Path) -> Path:
    """A fresh copy of the tiny model folder for tests that change it."""
    import shutil

    target = tmp_path / "model"
    shutil.copytree(tiny_model_dir, target)
    return target
