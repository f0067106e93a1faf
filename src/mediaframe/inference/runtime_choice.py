"""How the model is computed when scoring: a runtime and a precision, or the fastest that agrees, measured here.

A scoring path is "runtime:dtype". On PyTorch (the reference) the encoder runs in fp32, bf16
(the whole encoder, where the hardware computes bf16 natively: AMX or AVX512-BF16 on a CPU, a
GPU with bf16) or int8 (dynamic quantization of the linear layers, CPU only); OpenVINO runs the
whole model compiled for this CPU in fp32, bf16 or int8 (static quantization, inference.openvino_runtime).
`auto` times each fp32 and native bf16 candidate (int8 only when asked for) on a fixed set of
calibration sentences shipped with the package and keeps the fastest whose labels agree with
PyTorch fp32 on them; the choice is cached per model, machine, library versions, thread
count and batch size, so only the first run on a machine pays for it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import platform
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError
from mediaframe.files import user_cache_dir
from mediaframe.hardware import bf16_supported, cpu_family

logger = logging.getLogger(__name__)

DTYPES = ("auto", "fp32", "bf16", "int8")
RUNTIMES = ("auto", "torch", "openvino")
RUNTIME_DTYPES = {"torch": ("fp32", "bf16", "int8"), "openvino": ("fp32", "bf16", "int8")}
REFERENCE = "torch:fp32"
MIN_AGREEMENT = 0.985  # share of calibration labels (every task) a faster path must give as the reference does
CHOICE_VERSION = 4  # bump when the rule of choosing or a path changes: choices cached under an older rule are made again
PREPARED_FILE = "scoring_paths.json"  # in a model folder: CPU family -> the path measured fastest there when it was made
NEAR_FASTEST = 0.9  # paths this close to the fastest are ties (timings vary by 10% and more on a shared machine)


def resolve_dtype(choice: str, device: str) -> str:
    """Check a --dtype choice for this device; 'auto' stays 'auto' (measured once the model is known).

    Raises:
        MediaframeError: an unknown choice, or int8 on a GPU.
    """
    if choice not in DTYPES:
        raise MediaframeError(f"dtype {choice!r}: expected one of {', '.join(DTYPES)}; e.g. --dtype auto")
    if choice == "int8" and device != "cpu":
        raise MediaframeError("dtype int8 runs on the CPU only; use --dtype bf16 on a GPU")
    if choice == "bf16" and not bf16_supported(device):
        where = "this GPU" if device == "cuda" else "this CPU (no AMX/AVX512-BF16)"
        logger.warning("bf16 requested on %s without native bf16: it is emulated and likely slower than fp32", where)
    return choice


def candidates(dtype: str, runtime: str, device: str, openvino: bool) -> list[str]:
    """The scoring paths the choices allow here, in no order of speed: PyTorch in each dtype, and OpenVINO
    on a CPU where it can run (`openvino`: installed, and the model has a folder and a cache to convert into).

    Raises:
        MediaframeError: an unknown runtime, OpenVINO asked for where it cannot run, or a dtype it lacks.
    """
    if runtime not in RUNTIMES:
        raise MediaframeError(f"runtime {runtime!r}: expected one of {', '.join(RUNTIMES)}; e.g. --runtime auto")
    if runtime == "openvino" and device != "cpu":
        raise MediaframeError("runtime openvino scores on the CPU here; use --runtime torch with --device cuda")
    if runtime == "openvino" and not openvino:
        raise MediaframeError("runtime openvino cannot run here (the openvino package, a model folder and a cache "
                              "folder are needed); use --runtime torch")
    runtimes = ["torch", "openvino"] if runtime == "auto" else [runtime]
    if device != "cpu" or not openvino:
        runtimes = [name for name in runtimes if name != "openvino"]
    found = []
    for name in runtimes:
        dtypes = RUNTIME_DTYPES[name] if dtype == "auto" else (dtype,)
        found += [f"{name}:{d}" for d in dtypes if d in RUNTIME_DTYPES[name] and allowed(d, device, dtype)]
    return found


def allowed(dtype: str, device: str, asked: str) -> bool:
    """A precision worth trying: what was asked for, or under auto fp32, and bf16 where it is native. int8 only when
    asked: on the default student it moved 1-3% of held-out labels against bf16's 0-0.5% (docs/BENCHMARKS.md),
    a difference the 256 calibration sentences, which the model trained on, cannot tell apart."""
    if asked != "auto":
        return True
    return dtype == "fp32" or (dtype == "bf16" and bf16_supported(device))


def calibration_rows() -> tuple[dict[str, str], ...]:
    """256 sentences (text, target) of the coverage written for mediaframe's training data (data/written),
    used to time and compare scoring paths."""
    return shipped_sentences("calibration.jsonl")


@cache
def shipped_sentences(name: str) -> tuple[dict[str, str], ...]:
    """The sentences (text, target) of a JSON-lines file in the package's resources."""
    path = resources.files("mediaframe") / "resources" / name
    return tuple(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


# ---------------------------------------------------------------- choosing by measurement


Scorer = Callable[[str], tuple[float, dict[str, Any]]]  # path -> (seconds, labels per task)


def choose(score: Scorer, names: Sequence[str], cache_key: str, prepared: str | None = None,
           runs: Callable[[str], bool] = lambda name: True) -> str:
    """The fastest of `names` whose calibration labels agree with the reference (cached under `cache_key`);
    `prepared`, a choice measured when the model was made for this CPU family, is taken without measuring where
    it `runs` here."""
    cached = read_cache().get(cache_key)
    if cached in names:
        return str(cached)
    if prepared is not None and prepared in names and runs(prepared):
        logger.info("scoring path: %s, measured for this kind of CPU (%s) when the model was made", prepared, cpu_family())
        write_cache(cache_key, prepared)
        return prepared
    chosen, timings = measure(score, names)
    logger.info("scoring path: %s (calibration sentences/s: %s)", chosen,
                ", ".join(f"{name} {rate:,.0f} ({agree:.3f} agree)" for name, (rate, agree) in timings.items()))
    write_cache(cache_key, chosen)
    return chosen


def measure(score: Scorer, names: Sequence[str]) -> tuple[str, dict[str, tuple[float, float]]]:
    """Time every candidate and compare its labels with the reference's. Of the paths that agree, the fastest;
    among those within NEAR_FASTEST of it, one that runs without torch (a later run then starts without
    importing it: about 1 s instead of 5-7 s). Where none agrees, the most agreeing one.

    Raises:
        MediaframeError: not one of `names` can run here (the last path's reason).
    """
    sentences = len(calibration_rows())
    seconds, reference = score(REFERENCE)
    timings = {REFERENCE: (sentences / seconds, 1.0)} if REFERENCE in names else {}
    failure: MediaframeError | None = None
    for name in names:
        if name == REFERENCE:
            continue
        try:
            seconds, labels = score(name)
        except MediaframeError as exc:  # a path that cannot run here (a conversion failed) is no candidate
            logger.warning("scoring path %s left out: %s", name, exc)
            failure = exc
            continue
        timings[name] = (sentences / seconds, agreement(labels, reference))
    if not timings and failure is not None:
        raise failure  # none of the paths asked for can run here
    passing = [name for name, (_, agree) in timings.items() if agree >= MIN_AGREEMENT]
    if not passing:
        return max(timings, key=lambda name: timings[name][1]), timings
    fastest = max(timings[name][0] for name in passing)
    near = [name for name in passing if timings[name][0] >= NEAR_FASTEST * fastest]
    torchless = [name for name in near if not name.startswith("torch:")]  # starts seconds sooner: no torch import
    return max(torchless or near, key=lambda name: timings[name][0]), timings


def agreement(labels: dict[str, Any], reference: dict[str, Any]) -> float:
    """The lowest share, over tasks, of inputs labeled as the reference labels them."""
    return min(float((labels[task] == reference[task]).mean()) for task in reference)


def prepared_choice(folder: Path | None) -> str | None:
    """The scoring path a model folder's `scoring_paths.json` names for this CPU family (None: measure here)."""
    if folder is None:
        return None
    try:
        table = json.loads((folder / PREPARED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    choice = table.get(cpu_family()) if isinstance(table, dict) else None
    return choice if isinstance(choice, str) else None


def cache_key(model_identity: str, device: str, threads: int, batch_size: int, names: Sequence[str]) -> str:
    """What the fastest path depends on: the model (weights and metadata), the calibration sentences, this
    machine's CPU/GPU, the libraries, the thread count, the batch size and the paths compared."""
    parts = [str(CHOICE_VERSION), model_identity, json.dumps(calibration_rows()), device, gpu_name(device), cpu_model(),
             package_version("torch"), package_version("openvino"), str(threads), str(batch_size), ",".join(names)]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return ""


def gpu_name(device: str) -> str:
    if device != "cuda":
        return ""
    import torch

    return torch.cuda.get_device_name()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor()


def cache_file() -> Path | None:
    """precision.json in the user's cache folder; None where there is no home."""
    folder = user_cache_dir()
    return folder / "precision.json" if folder else None


def read_cache() -> dict[str, str]:
    path = cache_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_cache(key: str, path_name: str) -> None:
    """Remember a choice; a cache that cannot be written only costs the measurement next time (said once)."""
    path = cache_file()
    if path is None:
        return
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({**read_cache(), key: path_name}, indent=1), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.parent.is_dir():
            tmp.unlink(missing_ok=True)
        logger.warning("scoring path auto: cannot write %s (%s); set XDG_CACHE_HOME to a writable folder, or pass "
                       "--dtype and --runtime, to skip the measurement next time", path, exc.strerror)
