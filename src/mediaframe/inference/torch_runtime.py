"""Scoring on PyTorch: the encoder in fp32, bf16 (the whole encoder) or int8 (dynamic quantization);
pooling and heads stay fp32. The reference path of every other (inference.runtime_choice compares with it)."""

from __future__ import annotations

import copy
import hashlib
import warnings
from collections.abc import Callable

import numpy as np
import torch

from mediaframe.inference.batching import Batches, ScoringCall, finished_call
from mediaframe.model.modeling import LoadedModel
from mediaframe.records import TASKS


class TorchScorer:
    """Forward passes of one loaded model with its encoder in `dtype` on `device`."""

    runtime = "torch"

    def __init__(self, loaded: LoadedModel, dtype: str, device: str, threads: int | None = None) -> None:
        if threads:
            torch.set_num_threads(threads)
        self.device = device
        heads = loaded.model.heads.float().to(device).eval()
        self.graph = ScoringGraph(prepare_encoder(loaded.model.encoder, dtype, device), loaded.model.pool, heads)

    def submit(self, batches: Batches, out: dict[str, np.ndarray]) -> ScoringCall:
        """Write each batch's probabilities into `out[task]` at its rows; returns when all are in."""
        for index, batch in batches:
            with torch.inference_mode():
                probs = self.graph(**{key: torch.from_numpy(value).to(self.device) for key, value in batch.items()})
            for task, values in zip(TASKS, probs, strict=True):
                out[task][index] = values.cpu().numpy()
        return finished_call(out)


class ScoringGraph(torch.nn.Module):
    """Encoder, pooling (in fp32) and softmax heads in one module, probabilities per task in TASKS order:
    what PyTorch scoring runs and what a compiled runtime exports (inference.openvino_runtime)."""

    def __init__(self, encoder: torch.nn.Module, pool: Callable[..., torch.Tensor], heads: torch.nn.ModuleDict) -> None:
        super().__init__()
        self.encoder, self.pool, self.heads = encoder, pool, heads

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
        pooled = self.pool(hidden.float(), attention_mask)
        return tuple(torch.softmax(self.heads[task](pooled), -1) for task in TASKS)


def prepare_encoder(encoder: torch.nn.Module, dtype: str, device: str) -> torch.nn.Module:
    """The encoder in `dtype` (a copy where it changes; the loaded model stays fp32)."""
    if dtype == "bf16":
        return copy.deepcopy(encoder).to(device=device, dtype=torch.bfloat16).eval()
    if dtype == "int8":
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        with warnings.catch_warnings():  # torch announces the move of eager quantization to torchao
            warnings.simplefilter("ignore")
            return quantize_dynamic(copy.deepcopy(encoder).float().cpu().eval(), {torch.nn.Linear: per_channel_dynamic_qconfig})
    return encoder.to(device).eval()


def heads_digest(model: torch.nn.Module) -> str:
    """SHA-256 of the heads' weights: the identity of a model held in memory only (for the path cache)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        if name.startswith("heads."):
            digest.update(name.encode() + tensor.detach().cpu().float().numpy().tobytes())
    return digest.hexdigest()
