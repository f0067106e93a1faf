"""What the optimizer sees: layer-wise learning rates, class weights against imbalance, averaged weights."""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import torch
from datasets import Dataset

from mediaframe.config import TrainingConfig
from mediaframe.model.modeling import MultiTaskModel
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

State = dict[str, torch.Tensor]


def optimizer(model: MultiTaskModel, cfg: TrainingConfig) -> torch.optim.Optimizer:
    """AdamW with layer-wise LR decay (top layer and heads at the full rate) and no decay on biases/norms."""
    layers = int(model.config.num_hidden_layers)
    groups: dict[tuple[int, bool], dict[str, Any]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        depth, plain = layer_depth(name, layers), param.ndim < 2 or "norm" in name.lower()
        group = groups.setdefault((depth, plain), {"params": [], "lr": cfg.learning_rate * cfg.layer_decay**depth,
                                                   "weight_decay": 0.0 if plain else cfg.weight_decay})
        group["params"].append(param)
    return torch.optim.AdamW(list(groups.values()), lr=cfg.learning_rate)


def layer_depth(name: str, layers: int) -> int:
    """0 for the heads and pooler, 1 for the top encoder layer, ..., layers + 1 for the embeddings."""
    match = re.search(r"\.layers?\.(\d+)\.", name)
    if match:
        return layers - int(match.group(1))
    return layers + 1 if "embeddings" in name else 0


def class_weights(train: Dataset, labels: dict[str, list[str]], mode: str) -> dict[str, torch.Tensor]:
    """Per-task loss weights from the training label counts: balanced n/(k*count), its sqrt, or none."""
    if mode == "none":
        return {}
    weights: dict[str, torch.Tensor] = {}
    for task in TASKS:
        ids = np.asarray(train[f"{task}_labels"])
        ids = ids[ids >= 0]
        if ids.size == 0:
            continue
        counts = np.bincount(ids, minlength=len(labels[task])).astype(float)
        present = counts > 0
        balanced = np.ones_like(counts)
        balanced[present] = ids.size / (present.sum() * counts[present])
        weights[task] = torch.tensor(np.sqrt(balanced) if mode == "sqrt" else balanced, dtype=torch.float32)
        logger.info("%s class weights: %s", task, dict(zip(labels[task], np.round(weights[task].numpy(), 3), strict=False)))
    return weights


def average_states(states: list[State]) -> State:
    """The element-wise mean of several state dicts (integer buffers taken from the first)."""
    first = states[0]
    return {
        key: torch.stack([s[key].float() for s in states]).mean(0).to(value.dtype) if value.is_floating_point() else value
        for key, value in first.items()
    }
