"""Converting a model for OpenVINO: the PyTorch model exported to a graph (with a padded example, so that the
attention mask is part of it), or the graph a shipped model carries copied; for int8, that graph quantized by
NNCF (int8 weights and activations, their ranges measured on sentences shipped with the package). Graphs are
written whole or not at all, one process at a time, into the user's cache (inference.openvino_runtime finds them).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.errors import MediaframeError
from mediaframe.files import staged_folder
from mediaframe.inference.runtime_choice import package_version, shipped_sentences
from mediaframe.model.folder import ModelFolder, weights_digest

logger = logging.getLogger(__name__)

GRAPH_VERSION = 1  # bump when the exported graph changes: older cached graphs are then converted again
GRAPH_FILE = "model.xml"  # beside it model.bin, the weights
SHIPPED_GRAPH = "openvino"  # in a model folder: the graph made when the model shipped, with graph.json (its identity)
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
QUANTIZATION_VERSION = 1  # bump when the quantization recipe changes: cached int8 graphs are then made again
# Left in bf16/f32: the projections back into the residual stream (BERT's attention output and FFN down projection).
# Quantized too, the student ran 1.45x bf16 on the AMD EPYC but changed 1.6% of the calibration sentences' frame
# labels, past the agreement bar; kept, 1.26x and 0.8% (docs/BENCHMARKS.md). Other architectures' names do not
# match: all their MatMuls are int8.
INT8_KEPT = (r".*\.output\.dense/.*",)


def quantization_rows() -> tuple[dict[str, str], ...]:
    """256 sentences (text, target) of the coverage written for mediaframe's training data (data/written), none
    of them a calibration sentence of inference.runtime_choice, whose activations set the int8 ranges."""
    return shipped_sentences("quantization.jsonl")


def quantizer_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("nncf") is not None


def shipped_graph(folder: ModelFolder) -> Path | None:
    """The graph a model folder carries (made when it shipped), if it was made from these weights by this recipe."""
    if folder.path is None or not (folder.path / SHIPPED_GRAPH / GRAPH_FILE).is_file():
        return None
    try:
        stamp = json.loads((folder.path / SHIPPED_GRAPH / "graph.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = stamp.get("weights") == weights_digest(folder.path) and stamp.get("graph_version") == GRAPH_VERSION
    return folder.path / SHIPPED_GRAPH / GRAPH_FILE if same else None


def copy_graph(source: Path, target: Path) -> None:
    """Put a shipped graph where the cache keeps converted ones, whole or not at all."""
    try:
        with staged_folder(target.parent) as stage:
            for part in (source, source.with_suffix(".bin")):
                shutil.copyfile(part, stage / part.name)
    except (OSError, MediaframeError) as exc:
        raise MediaframeError(f"cannot copy the shipped OpenVINO graph to {target.parent} ({exc}); "
                              "set XDG_CACHE_HOME to a writable folder, or use --runtime torch") from None
    logger.info("prepared the shipped model for OpenVINO: %s", target.parent)


def stamp_shipped_graph(folder: Path) -> None:
    """Record which weights and recipe the graph in `folder`/openvino was made from (scripts/ship_model.py)."""
    stamp = {"weights": weights_digest(folder), "graph_version": GRAPH_VERSION, "openvino": package_version("openvino")}
    (folder / SHIPPED_GRAPH / "graph.json").write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")


def int8_file(graph: Path) -> Path:
    """Where the int8 graph quantized from `graph` lives: keyed by it, the quantization sentences and NNCF."""
    identity = json.dumps([graph.parent.name, quantization_rows(), package_version("nncf"), QUANTIZATION_VERSION])
    return graph.parent.with_name(f"{graph.parent.name}-int8-{hashlib.sha256(identity.encode()).hexdigest()[:12]}") / GRAPH_FILE


@contextmanager
def conversion_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock beside `folder` while a graph is checked or written (where the OS has flock)."""
    try:
        import fcntl
    except ImportError:  # Windows: conversions of one model by two processes at once are not guarded
        yield
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        handle = open(folder.parent / f"{folder.name}.lock", "a+b")  # noqa: SIM115 (held across the yield)
    except OSError as exc:
        raise MediaframeError(f"cannot write the OpenVINO cache {folder.parent} ({exc.strerror}); "
                              "set XDG_CACHE_HOME to a writable folder, or use --runtime torch") from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def export(loaded: Any, target: Path, compress_to_fp16: bool = False) -> None:
    """Convert a loaded model (modeling.LoadedModel) to an OpenVINO graph at `target`, written whole or not at all.

    Raises:
        MediaframeError: the conversion failed, or the cache cannot be written.
    """
    import openvino as ov
    import torch

    from mediaframe.model.modeling import ScoringGraph

    graph = ScoringGraph(loaded.model.encoder, loaded.model.pool, loaded.model.heads).eval()
    example = {name: torch.ones(2, 8, dtype=torch.int64) for name in INPUTS}
    example["attention_mask"][1, 5:] = 0  # padding in the example: the mask cannot be traced away
    example["token_type_ids"].zero_()
    try:
        # the tracer's notes on transformers' shape checks, constant for every input; the tracer reads every
        # attribute of the model, and transformers' `loss_function` warns when read
        with torch.inference_mode(), warnings.catch_warnings(), logger_level("transformers.modeling_utils", logging.ERROR):
            warnings.simplefilter("ignore")
            converted = ov.convert_model(graph, example_input=example, input=[(name, [-1, -1], ov.Type.i64) for name in INPUTS])
        with staged_folder(target.parent) as stage:
            ov.save_model(converted, stage / target.name, compress_to_fp16=compress_to_fp16)
    except OSError as exc:
        raise MediaframeError(f"cannot write the converted model to {target.parent} ({exc.strerror}); "
                              "set XDG_CACHE_HOME to a writable folder, or use --runtime torch") from None
    except Exception as exc:  # noqa: BLE001 (OpenVINO's conversion errors have no common type)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise MediaframeError(f"the model could not be converted for OpenVINO ({reason}); use --runtime torch") from None
    logger.info("converted the model for OpenVINO: %s", target.parent)


def quantize(graph: Path, samples: Sequence[dict[str, np.ndarray]], target: Path) -> None:
    """Quantize a converted graph to int8 (NNCF's transformer preset: weights per channel, activations per tensor,
    their ranges from `samples`; the INT8_KEPT MatMuls as they are) and write it at `target`, whole or not at all.

    Raises:
        MediaframeError: NNCF is missing, the quantization failed, or the cache cannot be written.
    """
    if not quantizer_installed():
        raise MediaframeError("dtype int8 on openvino needs the nncf package (pip install nncf); or use --dtype bf16")
    import nncf
    import openvino as ov

    try:
        progress_bars = io.StringIO()
        with logger_level("nncf", logging.ERROR), redirect_stdout(progress_bars), redirect_stderr(progress_bars):
            quantized = nncf.quantize(ov.Core().read_model(str(graph)), nncf.Dataset(samples),
                                      model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples),
                                      ignored_scope=nncf.IgnoredScope(patterns=list(INT8_KEPT), validate=False))
        with staged_folder(target.parent) as stage:
            ov.save_model(quantized, stage / target.name, compress_to_fp16=False)
    except OSError as exc:
        raise MediaframeError(f"cannot write the int8 model to {target.parent} ({exc.strerror}); "
                              "set XDG_CACHE_HOME to a writable folder, or use --dtype bf16") from None
    except Exception as exc:  # noqa: BLE001 (NNCF's errors have no common type)
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise MediaframeError(f"the model could not be quantized to int8 for OpenVINO ({reason}); use --dtype bf16") from None
    logger.info("quantized the model to int8 for OpenVINO: %s", target.parent)


@contextmanager
def logger_level(name: str, level: int) -> Iterator[None]:
    """The library logger `name` at `level` inside the block."""
    target = logging.getLogger(name)
    before = target.level
    target.setLevel(level)
    try:
        yield
    finally:
        target.setLevel(before)
