"""A trial run of a compiled OpenVINO graph in a child process, before this process uses it.

Some encoders crash OpenVINO's CPU plugin on some precisions (all-mpnet-base-v2 in bf16 corrupts the
heap: the process dies with no Python error). So a converted graph is first compiled and run on
padded batches of several shapes in a child; a path whose child dies or fails is refused with one
line (under `--dtype auto` it is left out with a warning). The verdict is kept beside the graph,
keyed by precision, threads and CPU, so each model pays for its trial once per machine.

Run as a module it is the child: `python -m mediaframe.inference.openvino_trial GRAPH DTYPE THREADS`.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from mediaframe.errors import MediaframeError
from mediaframe.files import writing
from mediaframe.inference.openvino_runtime import TRIAL_FAILED
from mediaframe.inference.runtime_choice import cpu_model
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

TRIAL_SHAPES = ((1, 16), (8, 48), (32, 40), (4, 128))  # (batch, tokens): padded batches as scoring makes them
TRIAL_SECONDS = 300
PASSED = "trial passed"


def check(graph: Path, dtype: str, threads: int) -> None:
    """Refuse a graph and precision that failed their trial here (running the trial first, once).

    Raises:
        MediaframeError: the child that ran the graph crashed or failed.
    """
    verdict_file = graph.parent / f"trial-{dtype}-{threads}.json"
    verdict = read_verdict(verdict_file)
    if verdict is None:
        logger.info("trying the compiled model (openvino:%s) in a separate process, once for this model and machine", dtype)
        verdict = run_trial(graph, dtype, threads)
        try:
            with writing(verdict_file):
                verdict_file.write_text(json.dumps(verdict), encoding="utf-8")
        except MediaframeError as exc:
            logger.warning("%s (the trial runs again next time)", exc)
    if not verdict["ok"]:
        raise MediaframeError(f"scoring path openvino:{dtype} {TRIAL_FAILED} on this model ({verdict['detail']}); "
                              "use --runtime torch or another --dtype")


def read_verdict(path: Path) -> dict | None:
    try:
        verdict = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return verdict if isinstance(verdict, dict) and verdict.get("cpu") == cpu_model() else None


def run_trial(graph: Path, dtype: str, threads: int) -> dict:
    """Compile and run the graph in a child process; its exit status is the verdict."""
    command = [sys.executable, "-m", "mediaframe.inference.openvino_trial", str(graph), dtype, str(threads)]
    try:
        child = subprocess.run(command, capture_output=True, text=True, timeout=TRIAL_SECONDS)
    except subprocess.TimeoutExpired:
        return {"ok": False, "detail": f"no answer in {TRIAL_SECONDS} s", "cpu": cpu_model()}
    if child.returncode == 0 and PASSED in child.stdout:
        return {"ok": True, "detail": "", "cpu": cpu_model()}
    last = (child.stderr.strip().splitlines() or [""])[-1][:200]
    how = f"killed by signal {-child.returncode}" if child.returncode < 0 else f"exit {child.returncode}"
    return {"ok": False, "detail": f"{how}{': ' + last if last else ''}", "cpu": cpu_model()}


def trial_batches() -> list[dict[str, np.ndarray]]:
    """Padded batches of token ids every vocabulary has (ids 100-999), each row a different length."""
    rng = np.random.default_rng(0)
    batches = []
    for size, tokens in TRIAL_SHAPES:
        lengths = rng.integers(max(2, tokens // 4), tokens + 1, size=size)
        lengths[0] = tokens
        mask = (np.arange(tokens)[None, :] < lengths[:, None]).astype(np.int64)
        ids = rng.integers(100, 1000, size=(size, tokens)).astype(np.int64) * mask
        batches.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
    return batches


def main(graph: str, dtype: str, threads: str) -> int:
    """The child: score the trial batches twice; 0 when every probability is finite and sums to one."""
    import openvino as ov

    from mediaframe.inference.openvino_runtime import OpenVinoScorer

    widths = [output.get_partial_shape()[1].get_length() for output in ov.Core().read_model(graph).outputs]
    scorer = OpenVinoScorer(Path(graph), dtype, int(threads))
    for _ in range(2):
        for batch in trial_batches():
            rows = len(batch["input_ids"])
            out = {task: np.zeros((rows, width), dtype=np.float32) for task, width in zip(TASKS, widths, strict=True)}
            probs = scorer.submit([(np.arange(rows), batch)], out).wait()
            sums = [probs[task].sum(1) for task in TASKS]
            if not all(np.all(np.isfinite(s)) and np.allclose(s, 1.0, atol=1e-2) for s in sums):
                print("probabilities that are not finite or do not sum to one", file=sys.stderr)
                return 1
    print(PASSED, flush=True)
    return 0


if __name__ == "__main__":
    sys.stderr.flush()
    os._exit(main(*sys.argv[1:4]))  # no interpreter teardown: OpenVINO's threads are not the trial's subject
