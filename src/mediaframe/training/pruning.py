"""Narrower feed-forward layers for a student: keep the FFN units that carry the most signal.

Each encoder layer's feed-forward block (hidden -> intermediate -> hidden) holds two thirds of
its multiply-adds. `prune_ffn` keeps `width` of its intermediate units in every layer, ranked by
how much each contributes on real sentences: the mean magnitude of its activation over the
non-padding tokens times the norm of its output weights (the first-order importance of
structured pruning; Michel, Levy and Neubig, "Are Sixteen Heads Really Better than One?", 2019,
rank attention heads the same way). The student then learns the teacher's predictions with the
narrower layers (training.distillation).
"""

from __future__ import annotations

from collections.abc import Iterable

import torch
from torch import nn

from mediaframe.errors import MediaframeError


def ffn_blocks(model: nn.Module) -> list[tuple[nn.Linear, nn.Linear]]:
    """Each encoder layer's (up, down) projections of a BERT-style encoder (model.encoder.encoder.layer)."""
    try:
        return [(layer.intermediate.dense, layer.output.dense) for layer in model.encoder.encoder.layer]
    except AttributeError:
        raise MediaframeError(f"distill.ffn_width: the encoder ({type(model.encoder).__name__}) has no BERT-style "
                              "intermediate/output layers to narrow; set distill.ffn_width = 0") from None


@torch.no_grad()
def ffn_importance(model: nn.Module, batches: Iterable[dict[str, torch.Tensor]]) -> list[torch.Tensor]:
    """Per layer, each intermediate unit's mean |activation| over real tokens times its output weights' norm."""
    blocks = ffn_blocks(model)
    totals = [torch.zeros(up.out_features) for up, _ in blocks]
    tokens = torch.zeros(())
    current: dict[str, torch.Tensor] = {}  # the attention mask of the batch going through

    def accumulate(layer: int):
        def hook(_module: nn.Module, _inputs: tuple, output: torch.Tensor) -> None:
            totals[layer] += (output.float().abs() * current["mask"][..., None]).sum((0, 1))
        return hook

    handles = [layer.intermediate.register_forward_hook(accumulate(i)) for i, layer in enumerate(model.encoder.encoder.layer)]
    try:
        for batch in batches:
            current["mask"] = batch["attention_mask"].float()
            tokens += current["mask"].sum()
            model(**batch)
    finally:
        for handle in handles:
            handle.remove()
    if not tokens:
        raise MediaframeError("distill.ffn_width: no sentence to rank the feed-forward units on")
    return [total / tokens * down.weight.norm(dim=0) for total, (_, down) in zip(totals, blocks, strict=True)]


def check_width(model: nn.Module, width: int) -> None:
    """Refuse a feed-forward width the encoder cannot be narrowed to.

    Raises:
        MediaframeError: not a BERT-style encoder, or a width not below the layers' own.
    """
    inner = ffn_blocks(model)[0][0].out_features
    if not 1 <= width < inner:
        raise MediaframeError(f"distill.ffn_width = {width}: expected 1 to {inner - 1} (the layers have {inner} units), "
                              "or 0 to keep them whole")


def prune_ffn(model: nn.Module, width: int, importance: list[torch.Tensor]) -> None:
    """Keep the `width` most important intermediate units of every layer (in their order), in place."""
    check_width(model, width)
    blocks = ffn_blocks(model)
    for layer, ((up, down), scores) in enumerate(zip(blocks, importance, strict=True)):
        keep = scores.topk(width).indices.sort().values
        narrow_up, narrow_down = nn.Linear(up.in_features, width), nn.Linear(width, down.out_features)
        narrow_up.weight.data, narrow_up.bias.data = up.weight.data[keep].clone(), up.bias.data[keep].clone()
        narrow_down.weight.data, narrow_down.bias.data = down.weight.data[:, keep].clone(), down.bias.data.clone()
        model.encoder.encoder.layer[layer].intermediate.dense = narrow_up
        model.encoder.encoder.layer[layer].output.dense = narrow_down
    model.encoder.config.intermediate_size = width
