"""The trial run of a compiled graph: a path whose child process dies or fails is never used, and the default
path scores every encoder family (BERT/MiniLM, MPNet, RoBERTa) with labels as PyTorch fp32 gives them."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from mediaframe.errors import MediaframeError
from mediaframe.inference import openvino_trial
from mediaframe.records import TASKS

SENTENCES = ["Netflix praised the writers.", "The strike was bad for the company.", "Netflix said profits were great.",
             "It was terrible.", "The actors slammed the new pay record."] * 8


def tiny_model_of(kind: str, folder: Path, tiny_base_model: Path) -> Path:
    """A mediaframe model folder on a random 2-layer encoder of `kind`, with the tiny BERT vocabulary."""
    import shutil

    import torch
    from transformers import MPNetConfig, MPNetModel, RobertaConfig, RobertaModel

    from mediaframe.config import ModelConfig
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model

    base = folder / f"base-{kind}"
    shutil.copytree(tiny_base_model, base)
    size = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    vocab = len((tiny_base_model / "vocab.txt").read_text(encoding="utf-8").split())
    torch.manual_seed(0)
    if kind == "mpnet":
        MPNetModel(MPNetConfig(vocab_size=vocab, max_position_embeddings=130, **size)).save_pretrained(base)
    else:
        RobertaModel(RobertaConfig(vocab_size=vocab, max_position_embeddings=130, type_vocab_size=2, pad_token_id=0,
                                   **size)).save_pretrained(base)
    codebook = load_codebook()
    loaded = build_model(str(base), {t: codebook.labels(t) for t in TASKS}, ModelConfig(max_length=64, target_mode="pair"))
    with torch.no_grad():  # decided heads, as a trained model's: a near-tie is no test of a precision
        for head in loaded.model.heads.values():
            head.weight.mul_(40.0)
    save_model(loaded, folder / kind)
    return folder / kind


@pytest.mark.parametrize("kind", ["bert", "mpnet", "roberta"])
def test_openvino_trial_default_path_scores_every_encoder_family(
    kind: str, tmp_path: Path, tiny_base_model: Path, confident_teacher: Path
) -> None:
    from mediaframe.inference.predictor import Predictor

    model = confident_teacher if kind == "bert" else tiny_model_of(kind, tmp_path, tiny_base_model)
    targets = ["Netflix"] * len(SENTENCES)
    auto = Predictor(model, dtype="auto", runtime="auto")
    exact = Predictor(model, dtype="fp32", runtime="torch").predict_proba(SENTENCES, targets)
    fast = auto.predict_proba(SENTENCES, targets)
    for task in TASKS:
        assert np.isfinite(fast[task]).all()
        assert (fast[task].argmax(1) == exact[task].argmax(1)).mean() >= 0.985, (auto.path, task)


def test_openvino_trial_a_child_that_dies_leaves_the_path_out(
    tiny_model_copy: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from mediaframe.inference.predictor import Predictor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tiny_model_copy.parent / "cache"))  # no verdict from another test
    dying = [sys.executable, "-c", "import os; os.abort()"]
    real_run = openvino_trial.subprocess.run
    monkeypatch.setattr(openvino_trial.subprocess, "run",
                        lambda command, **kw: real_run(dying, **kw) if "mediaframe.inference.openvino_trial" in command else real_run(command, **kw))
    with caplog.at_level(logging.WARNING):
        predictor = Predictor(tiny_model_copy, dtype="fp32", runtime="auto")
    assert predictor.path == "torch:fp32"
    assert "failed a trial run" in caplog.text and "killed by signal" in caplog.text
    with pytest.raises(MediaframeError, match="openvino:fp32 failed a trial run on this model .*use --runtime torch"):
        Predictor(tiny_model_copy, dtype="fp32", runtime="openvino")  # asked for by name: one clear line


def test_openvino_trial_verdict_is_kept_beside_the_graph(tiny_model_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaframe.inference.predictor import Predictor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tiny_model_copy.parent / "cache"))
    Predictor(tiny_model_copy, dtype="fp32", runtime="openvino")
    monkeypatch.setattr(openvino_trial, "run_trial", lambda *args: pytest.fail("the trial ran again"))
    assert Predictor(tiny_model_copy, dtype="fp32", runtime="openvino").path == "openvino:fp32"
