"""The encoder's numeric precision for scoring: fp32, bf16, int8, or the fastest that agrees, measured here.

bf16 casts the whole encoder (weights and activations) where the hardware computes bf16
natively (AMX or AVX512-BF16 on a CPU, a GPU with bf16); the pooling and the heads stay
fp32. int8 is PyTorch's dynamic quantization of the linear layers (oneDNN/FBGEMM, CPU only).
`auto` times each candidate on a fixed set of calibration sentences shipped with the package
and keeps the fastest whose labels agree with fp32 on them; the choice is cached per model,
machine, torch version and thread count, so only the first run on a machine pays for it.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import platform
import warnings
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import torch

from mediaframe.errors import MediaframeError
from mediaframe.hardware import bf16_pays, bf16_supported

logger = logging.getLogger(__name__)

DTYPES = ("auto", "fp32", "bf16", "int8")
MIN_AGREEMENT = 0.985  # share of calibration labels (every task) a faster path must give as fp32 does
CALIBRATION = resources.files("mediaframe") / "resources" / "calibration.jsonl"


def resolve_dtype(choice: str, device: str) -> str:
    """Check a --dtype choice for this device; 'auto' stays 'auto' (measured once the model is loaded).

    Raises:
        MediaframeError: an unknown choice, or int8 on a GPU.
    """
    if choice not in DTYPES:
        raise MediaframeError(f"dtype {choice!r}: expected one of {', '.join(DTYPES)}; e.g. --dtype auto")
    if choice == "int8" and device != "cpu":
        raise MediaframeError("dtype int8 (dynamic quantization) runs on the CPU only; use --dtype bf16 on a GPU")
    if choice == "bf16" and not bf16_pays(device):
        where = "this GPU" if device == "cuda" else "this CPU (no AMX/AVX512-BF16 kernels)"
        logger.warning("bf16 requested on %s without native bf16: it is emulated and likely slower than fp32", where)
    return choice


def candidates(device: str) -> list[str]:
    """The precisions worth timing on this device: fp32, bf16 where the hardware has it, int8 on a CPU."""
    found = ["fp32"]
    if bf16_supported(device):
        found.append("bf16")
    if device == "cpu":
        found.append("int8")
    return found


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


@cache
def calibration_rows() -> tuple[dict[str, str], ...]:
    """256 sentences (text, target) of the coverage written for mediaframe's training data (data/written),
    used to time and compare precisions."""
    return tuple(json.loads(line) for line in CALIBRATION.read_text(encoding="utf-8").splitlines() if line.strip())


# ---------------------------------------------------------------- choosing by measurement


Scorer = Callable[[str], tuple[float, dict[str, Any]]]  # dtype -> (seconds, labels per task)


def choose_dtype(score: Scorer, device: str, cache_key: str) -> str:
    """The fastest candidate whose calibration labels agree with fp32 (cached under `cache_key`)."""
    cached = read_cache().get(cache_key)
    if cached in candidates(device):
        return str(cached)
    chosen, timings = measure(score, device)
    logger.info("dtype auto: %s (calibration sentences/s: %s)", chosen,
                ", ".join(f"{name} {rate:,.0f} ({agree:.3f} agree)" for name, (rate, agree) in timings.items()))
    write_cache(cache_key, chosen)
    return chosen


def measure(score: Scorer, device: str) -> tuple[str, dict[str, tuple[float, float]]]:
    """Time every candidate and compare its labels with fp32's."""
    sentences = len(calibration_rows())
    seconds, reference = score("fp32")
    timings = {"fp32": (sentences / seconds, 1.0)}
    for name in candidates(device)[1:]:
        seconds, labels = score(name)
        timings[name] = (sentences / seconds, agreement(labels, reference))
    passing = [name for name, (_, agree) in timings.items() if agree >= MIN_AGREEMENT]
    return max(passing, key=lambda name: timings[name][0]), timings


def agreement(labels: dict[str, Any], reference: dict[str, Any]) -> float:
    """The lowest share, over tasks, of inputs labeled as the reference labels them."""
    return min(float((labels[task] == reference[task]).mean()) for task in reference)


def cache_key(model: torch.nn.Module, model_meta: dict[str, Any], device: str, batch_size: int) -> str:
    """What the fastest precision depends on: the model (its metadata and head weights), the calibration
    sentences, this machine's CPU/GPU, torch, the thread count and the batch size."""
    gpu = torch.cuda.get_device_name() if device == "cuda" else ""
    heads = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        if name.startswith("heads."):
            heads.update(name.encode() + tensor.detach().cpu().float().numpy().tobytes())
    parts = [json.dumps(model_meta, sort_keys=True, default=str), heads.hexdigest(), json.dumps(calibration_rows()),
             device, gpu, cpu_model(), torch.__version__, str(torch.get_num_threads()), str(batch_size)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor()


def cache_file() -> Path | None:
    """$XDG_CACHE_HOME/mediaframe/precision.json (~/.cache by default); None where there is no home."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:
        return None
    return Path(base) / "mediaframe" / "precision.json"


def read_cache() -> dict[str, str]:
    path = cache_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_cache(key: str, dtype: str) -> None:
    """Remember a choice; a cache that cannot be written only costs the measurement next time (said once)."""
    path = cache_file()
    if path is None:
        return
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({**read_cache(), key: dtype}, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        logger.warning("dtype auto: cannot write %s (%s); set XDG_CACHE_HOME to a writable folder, or pass "
                       "--dtype, to skip the measurement next time", path, exc.strerror)
