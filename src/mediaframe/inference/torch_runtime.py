"""Scoring on PyTorch: the encoder in fp32, bf16 (the whole encoder) or int8 (dynamic quantization);
pooling and heads stay fp32. The reference path of every other (inference.runtime_choice compares with it)."""

from __future__ import annotations

import copy
import hashlib
import warnings
from typing import Any

import numpy as np

from mediaframe.inference.batching import Batches, ScoringCall, finished_call
from mediaframe.records import TASKS


class TorchScorer:
    """Forward passes of one loaded model with its encoder in `dtype` on `device`."""

    runtime = "torch"

    def __init__(self, loaded: Any, dtype: str, device: str, threads: int | None = None) -> None:
        import torch

        from mediaframe.model.modeling import ScoringGraph

        if threads:
            torch.set_num_threads(threads)
        self.device = device
        heads = loaded.model.heads.float().to(device).eval()
        self.graph = ScoringGraph(prepare_encoder(loaded.model.encoder, dtype, device), loaded.model.pool, heads)

    def submit(self, batches: Batches, out: dict[str, np.ndarray]) -> ScoringCall:
        """Write each batch's probabilities into `out[task]` at its rows; returns when all are in."""
        import torch

        for index, batch in batches:
            with torch.inference_mode():
                probs = self.graph(**{key: torch.from_numpy(value).to(self.device) for key, value in batch.items()})
            for task, values in zip(TASKS, probs, strict=True):
                out[task][index] = values.cpu().numpy()
        return finished_call(out)

    def settle(self) -> None:
        """Nothing runs in the background here: every call returns finished."""


def prepare_encoder(encoder: Any, dtype: str, device: str) -> Any:
    """The encoder (a torch module) in `dtype` (a copy where it changes; the loaded model stays fp32)."""
    import torch

    if dtype == "bf16":
        return copy.deepcopy(encoder).to(device=device, dtype=torch.bfloat16).eval()
    if dtype == "int8":
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        with warnings.catch_warnings():  # torch announces the move of eager quantization to torchao
            warnings.simplefilter("ignore")
            return quantize_dynamic(copy.deepcopy(encoder).float().cpu().eval(), {torch.nn.Linear: per_channel_dynamic_qconfig})
    return encoder.to(device).eval()


def heads_digest(model: Any) -> str:
    """SHA-256 of the heads' weights (of a torch module): the identity of a model held in memory only (path cache)."""
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        if name.startswith("heads."):
            digest.update(name.encode() + tensor.detach().cpu().float().numpy().tobytes())
    return digest.hexdigest()
