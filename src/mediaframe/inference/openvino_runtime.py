"""Scoring with OpenVINO: the whole model (encoder, pooling, heads) compiled for this CPU, in fp32, bf16 or int8.

The model's graph (inference.openvino_conversion: exported from its PyTorch weights, or the one a
shipped model carries) is kept in the user's cache, keyed by the weights, the metadata and the
OpenVINO version; later runs load it without torch or transformers. OpenVINO fuses attention,
layer norms and activations and runs bf16 on AMX or AVX512-BF16; scoring uses one stream per
thread, each working on its own batch.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

import numpy as np

from mediaframe.errors import MediaframeError
from mediaframe.files import user_cache_dir
from mediaframe.hardware import bf16_supported
from mediaframe.inference.batching import Batches, ScoringCall
from mediaframe.inference.openvino_conversion import (
    GRAPH_FILE,
    GRAPH_VERSION,
    conversion_lock,
    copy_graph,
    export,
    int8_file,
    quantize,
    shipped_graph,
)
from mediaframe.inference.runtime_choice import package_version
from mediaframe.model.folder import CONFIG_FILE, ModelFolder, weights_digest
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

PRECISION_HINTS = {"fp32": "f32", "bf16": "bf16", "int8": "bf16"}  # int8: the layers left unquantized in bf16 (f32 without native bf16)
# In bf16, attention as separate MatMul/Softmax nodes (AMX matrix kernels) instead of OpenVINO's fused
# attention subgraph: 1.15-1.2x the whole model on the AMX Xeon, same labels (docs/BENCHMARKS.md).
# Where it does not pay, `--runtime auto` still measures OpenVINO against PyTorch.
BF16_SETTINGS = {"SNIPPETS_MODE": "DISABLE"}
TRIAL_FAILED = "failed a trial run"  # in inference.openvino_trial's refusal: such a graph is not converted again
REQUESTS_PER_STREAM = 2  # a batch waits behind each running one, so no stream idles while Python pads the next


def installed() -> bool:
    return importlib.util.find_spec("openvino") is not None


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
                shipped = None if again else shipped_graph(folder)
                if shipped is not None:
                    copy_graph(shipped, graph)
                else:
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
        if TRIAL_FAILED in str(exc):  # the graph is whole: it is OpenVINO that fails on it here
            raise
        logger.warning("%s; converting the model again", exc)
        return compiled(again=True)


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

    def settle(self) -> None:
        """Wait until no request is running: a callback that fires while Python shuts down aborts the process."""
        with suppress(Exception):  # the run's own error is the one to report
            self.queue.wait_all()

    def raise_failed_request(self) -> None:
        """Raise the error of a request whose inference failed: OpenVINO never calls `collect` for it."""
        for position in range(len(self.queue)):
            self.queue[position].wait_for(0)
