"""prune_ffn / ffn_importance: narrower feed-forward layers that keep the units carrying the signal."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mediaframe.errors import MediaframeError
from mediaframe.inference.batching import pad_batch
from mediaframe.model.modeling import encode, load_model
from mediaframe.training import pruning

TEXTS = ["Netflix slammed the writers.", "The streamer pays actors a record job.", "Its profits were great, it said."]


def batch_of(loaded) -> dict[str, torch.Tensor]:
    import numpy as np

    encoded = encode(loaded.tokenizer, TEXTS, ["Netflix"] * 3, None, 64, loaded.meta["target_mode"])
    lengths = np.array([len(ids) for ids in encoded["input_ids"]])
    return {k: torch.from_numpy(v) for k, v in pad_batch(encoded, np.arange(3), lengths, 0).items()}


def test_pruning_keeps_what_the_model_computes_without_the_dropped_units(tiny_model_dir: Path) -> None:
    loaded, reference = load_model(tiny_model_dir), load_model(tiny_model_dir)
    batch = batch_of(loaded)
    importance = pruning.ffn_importance(loaded.model, [batch])
    pruning.prune_ffn(loaded.model, 16, importance)
    with torch.no_grad():  # the same network with the other units' outputs silenced
        for layer, scores in zip(reference.model.encoder.encoder.layer, importance, strict=True):
            dropped = torch.ones(len(scores), dtype=torch.bool)
            dropped[scores.topk(16).indices] = False
            layer.output.dense.weight[:, dropped] = 0.0
        narrow, silenced = loaded.model(**batch), reference.model(**batch)
    assert loaded.model.encoder.config.intermediate_size == 16
    assert all(layer.intermediate.dense.out_features == 16 for layer in loaded.model.encoder.encoder.layer)
    for key in narrow:
        torch.testing.assert_close(narrow[key], silenced[key], rtol=1e-4, atol=1e-5)


def test_pruning_ranks_a_unit_without_output_weights_last(tiny_model_dir: Path) -> None:
    loaded = load_model(tiny_model_dir)
    with torch.no_grad():
        loaded.model.encoder.encoder.layer[0].output.dense.weight[:, 5] = 0.0
    importance = pruning.ffn_importance(loaded.model, [batch_of(loaded)])
    assert importance[0][5] == 0.0 < importance[0].max()
    assert int(importance[0].argmin()) == 5


def test_pruning_refuses_a_width_the_layers_do_not_have(tiny_model_dir: Path) -> None:
    loaded = load_model(tiny_model_dir)
    for width in (0, 64, 100):
        with pytest.raises(MediaframeError, match="expected 1 to 63"):
            pruning.prune_ffn(loaded.model, width, pruning.ffn_importance(loaded.model, [batch_of(loaded)]))
    with pytest.raises(MediaframeError, match="no sentence"):
        pruning.ffn_importance(loaded.model, [])
