"""Scoring with OpenVINO: the whole model (encoder, pooling, heads) compiled for this CPU, in fp32, bf16 or int8.

The model is converted once from its PyTorch weights (with a padded example, so that the
attention mask is part of the graph) and kept in the user's cache, keyed by the weights,
the metadata and the OpenVINO version; later runs load the compiled graph without torch or
transformers. OpenVINO fuses attention, layer norms and activations and runs bf16 on AMX or
AVX512-BF16; scoring uses one stream per thread, each working on its own batch. For int8 the
converted graph is quantized once more (NNCF post-training quantization: int8 weights and
activations, their ranges measured on sentences shipped with the package) and cached beside it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import logging
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout, suppress
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.errors import MediaframeError
from mediaframe.files import staged_folder, user_cache_dir
from mediaframe.hardware import bf16_supported
from mediaframe.inference.batching import Batches, ScoringCall
from mediaframe.inference.runtime_choice import package_version, shipped_sentences
from mediaframe.model.folder import CONFIG_FILE, ModelFolder, weights_digest
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

GRAPH_VERSION = 1  # bump when the exported graph changes: older cached graphs are then converted again
GRAPH_FILE = "model.xml"  # beside it model.bin, the weights
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PRECISION_HINTS = {"fp32": "f32", "bf16": "bf16", "int8": "bf16"}  # int8: the layers left unquantized in bf16 (f32 without native bf16)
QUANTIZATION_VERSION = 1  # bump when the quantization recipe changes: cached int8 graphs are then made again
# Left in bf16/f32: the projections back into the residual stream (BERT's attention output and FFN down projection).
# Quantized too, the student ran 1.45x bf16 on the AMD EPYC but changed 1.6% of the calibration sentences' frame
# labels, past the agreement bar; kept, 1.26x and 0.8% (docs/BENCHMARKS.md). Other architectures' names do not
# match: all their MatMuls are int8.
INT8_KEPT = (r".*\.output\.dense/.*",)
# In bf16, attention as separate MatMul/Softmax nodes (AMX matrix kernels) instead of OpenVINO's fused
# attention subgraph: 1.15-1.2x the whole model on the AMX Xeon, same labels (docs/BENCHMARKS.md).
# Where it does not pay, `--runtime auto` still measures OpenVINO against PyTorch.
BF16_SETTINGS = {"SNIPPETS_MODE": "DISABLE"}
REQUESTS_PER_STREAM = 2  # a batch waits behind each running one, so no stream idles while Python pads the next


def installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


def quantizer_installed() -> bool:
    return importlib.util.find_spec("nncf") is not None


def unavailable(folder: ModelFolder) -> str | None:
    """Why this model cannot be scored with OpenVINO here; None when it can."""
    if not installed():
        return "the openvino package is not installed (pip install openvino)"
    if folder.path is None:
        return "a model held in memory has no folder to convert (pass the model folder's path)"
    if user_cache_dir() is None:
        return "there is no cache folder for the converted model (set XDG_CACHE_HOME)"
    return None


def graph_file(folder: ModelFolder) -> Path:
    """Where the converted graph of this model lives in the cache, keyed by everything the graph is made of
    (`unavailable` has checked that the model has a folder and the user a cache)."""
    cache = user_cache_dir()
    if folder.path is None or cache is None:
        raise MediaframeError("OpenVINO needs the model's folder and a cache folder; use --runtime torch")
    config = folder.path / CONFIG_FILE
    identity = json.dumps([folder.meta, weights_digest(folder.path), config.read_text(encoding="utf-8") if config.is_file() else "",
                           package_version("openvino"), package_version("mediaframe"), GRAPH_VERSION], sort_keys=True, default=str)
    return cache / "openvino" / hashlib.sha256(identity.encode()).hexdigest()[:20] / GRAPH_FILE


def quantization_rows() -> tuple[dict[str, str], ...]:
    """256 sentences (text, target) of the coverage written for mediaframe's training data (data/written), none
    of them a calibration sentence of inference.runtime_choice, whose activations set the int8 ranges."""
    return shipped_sentences("quantization.jsonl")


def open_scorer(
    folder: ModelFolder, load: Callable[[], Any], dtype: str, threads: int,
    samples: Callable[[], Sequence[dict[str, np.ndarray]]], check: Callable[[Path], None] | None = None,
) -> OpenVinoScorer:
    """A scorer for the model's converted graph, converting it first (`load` gives the PyTorch model) where the
    cache lacks it or holds a damaged one; for int8, quantized with the model inputs `samples` gives (padded
    batches of `quantization_rows`). One process converts at a time (Ray actors share a machine's cache).
    `check` is given the graph before this process compiles it (inference.openvino_trial).

    Raises:
        MediaframeError: the model cannot be converted, quantized or compiled here.
    """
    graph = graph_file(folder)

    def prepared(again: bool) -> Path:
        with conversion_lock(graph.parent):
            if again or not graph.is_file():
                export(load(), graph)
        if dtype != "int8":
            return graph
        quantized = int8_file(graph)
        with conversion_lock(quantized.parent):
            if again or not quantized.is_file():
                quantize(graph, samples(), quantized)
        return quantized

    def compiled(again: bool) -> OpenVinoScorer:
        path = prepared(again)
        if check is not None:
            check(path)
        return OpenVinoScorer(path, dtype, threads)

    try:
        return compiled(again=False)
    except MediaframeError as exc:
        if "trial run" in str(exc):
            raise
        logger.warning("%s; converting the model again", exc)
        return compiled(again=True)


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


def export(loaded: Any, target: Path) -> None:
    """Convert a loaded model (modeling.LoadedModel) to an OpenVINO graph at `target`, written whole or not at all.

    Raises:
        MediaframeError: the conversion failed, or the cache cannot be written.
    """
    import openvino as ov
    import torch

    from mediaframe.inference.torch_runtime import ScoringGraph

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
            ov.save_model(converted, stage / target.name, compress_to_fp16=False)
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


class OpenVinoScorer:
    """Forward passes of a converted model on the CPU: one stream per thread, each on its own batch (streams
    never wait on each other, as threads of one operation do), with one more batch queued behind each."""

    runtime = "openvino"

    def __init__(self, graph: Path, dtype: str, threads: int) -> None:
        import openvino as ov

        if dtype not in PRECISION_HINTS:
            raise MediaframeError(f"dtype {dtype!r} is not an OpenVINO precision: expected one of {', '.join(PRECISION_HINTS)}")
        core = ov.Core()
        cache = user_cache_dir()
        if cache is not None:
            core.set_property({"CACHE_DIR": str(cache / "openvino" / "compiled")})  # compiled kernels: faster later starts
        hint = "f32" if dtype == "int8" and not bf16_supported("cpu") else PRECISION_HINTS[dtype]
        settings = {"INFERENCE_PRECISION_HINT": hint, "PERFORMANCE_HINT": "THROUGHPUT",
                    "NUM_STREAMS": threads, "INFERENCE_NUM_THREADS": threads, **(BF16_SETTINGS if hint == "bf16" else {})}
        try:
            compiled = core.compile_model(str(graph), "CPU", settings)
        except RuntimeError as exc:
            raise MediaframeError(f"{graph}: OpenVINO could not load the converted model ({str(exc).splitlines()[0]}); "
                                  "delete that folder to convert it again, or use --runtime torch") from None
        self.queue = ov.AsyncInferQueue(compiled, REQUESTS_PER_STREAM * threads)
        self.queue.set_callback(self.collect)

    def submit(self, batches: Batches, out: dict[str, np.ndarray]) -> ScoringCall:
        """Queue each batch, its probabilities to be written into `out[task]` at its rows; returns once the last
        batch is queued (`wait()` on the call for the rest), so the caller's next work overlaps the last batches."""
        call = ScoringCall(out, check=self.raise_failed_request)
        try:
            for index, batch in batches:
                call.started()  # before the batch starts: its end can never find the call's count at zero
                try:
                    self.queue.start_async(batch, (call, index))
                except BaseException:
                    call.finished()  # the batch that did not start
                    raise
        except BaseException as exc:
            with suppress(Exception):  # an earlier batch's error must not hide this one
                self.queue.wait_all()  # no request still running writes into arrays the caller drops
            call.finished(exc)
            raise
        call.finished()
        return call

    @staticmethod
    def collect(request: Any, job: tuple[ScoringCall, np.ndarray]) -> None:
        call, index = job
        try:
            for position, task in enumerate(TASKS):
                call.out[task][index] = request.get_output_tensor(position).data
        except BaseException as exc:  # noqa: BLE001 (raised in the caller's thread by `wait`)
            call.finished(exc)
            return
        call.finished()

    def raise_failed_request(self) -> None:
        """Raise the error of a request whose inference failed: OpenVINO never calls `collect` for it."""
        for position in range(len(self.queue)):
            self.queue[position].wait_for(0)
