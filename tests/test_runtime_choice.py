"""Scoring paths: the fastest runtime and precision whose labels agree with torch fp32, measured once per model and machine."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from mediaframe.errors import MediaframeError
from mediaframe.inference import runtime_choice

LABELS = {"stance": np.array([0, 1, 2, 0] * 64), "sentiment": np.array([1, 1, 0, 2] * 64), "frame": np.arange(256) % 7}


def fake_scorer(seconds: dict[str, float], flips: dict[str, int], calls: list[str]):
    """A scorer whose paths take the given seconds and change the stance label of `flips` sentences."""

    def score(path: str) -> tuple[float, dict[str, np.ndarray]]:
        calls.append(path)
        labels = {task: values.copy() for task, values in LABELS.items()}
        labels["stance"][: flips.get(path, 0)] += 1
        return seconds[path], labels

    return score


PATHS = ["torch:fp32", "torch:bf16", "torch:int8"]


def test_precision_auto_keeps_the_fastest_path_that_agrees(cache_home: Path) -> None:
    calls: list[str] = []
    score = fake_scorer({"torch:fp32": 2.0, "torch:bf16": 0.8, "torch:int8": 0.5}, {"torch:int8": 30, "torch:bf16": 2}, calls)
    assert runtime_choice.choose(score, PATHS, "key") == "torch:bf16", "int8 is faster but changes 30 of 256 labels"
    assert calls == PATHS


def test_precision_auto_falls_back_to_fp32_when_nothing_faster_agrees(cache_home: Path) -> None:
    score = fake_scorer({"torch:fp32": 2.0, "torch:bf16": 0.8, "torch:int8": 0.5}, {"torch:int8": 40, "torch:bf16": 20}, [])
    assert runtime_choice.choose(score, PATHS, "key") == "torch:fp32"


def test_precision_reference_is_scored_even_when_not_a_candidate(cache_home: Path) -> None:
    calls: list[str] = []
    score = fake_scorer({"torch:fp32": 2.0, "torch:bf16": 0.9, "openvino:bf16": 0.6}, {"openvino:bf16": 1}, calls)
    assert runtime_choice.choose(score, ["torch:bf16", "openvino:bf16"], "key") == "openvino:bf16"
    assert calls == ["torch:fp32", "torch:bf16", "openvino:bf16"], "agreement is always against torch fp32"


def test_precision_without_an_agreeing_path_takes_the_closest(cache_home: Path) -> None:
    score = fake_scorer({"torch:fp32": 2.0, "torch:bf16": 0.9, "openvino:bf16": 0.6},
                        {"torch:bf16": 10, "openvino:bf16": 30}, [])
    assert runtime_choice.choose(score, ["torch:bf16", "openvino:bf16"], "key") == "torch:bf16"


def test_precision_candidates_follow_the_choices_and_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime_choice, "bf16_supported", lambda device: True)
    assert runtime_choice.candidates("auto", "auto", "cpu", openvino=True) == [
        "torch:fp32", "torch:bf16", "openvino:fp32", "openvino:bf16"], "int8 moves held-out labels: only when asked"
    assert runtime_choice.candidates("auto", "auto", "cpu", openvino=False) == ["torch:fp32", "torch:bf16"]
    assert runtime_choice.candidates("bf16", "auto", "cpu", openvino=True) == ["torch:bf16", "openvino:bf16"]
    assert runtime_choice.candidates("int8", "auto", "cpu", openvino=True) == ["torch:int8", "openvino:int8"]
    assert runtime_choice.candidates("int8", "auto", "cpu", openvino=False) == ["torch:int8"]
    assert runtime_choice.candidates("auto", "auto", "cuda", openvino=True) == ["torch:fp32", "torch:bf16"]
    monkeypatch.setattr(runtime_choice, "bf16_supported", lambda device: False)
    assert runtime_choice.candidates("auto", "openvino", "cpu", openvino=True) == ["openvino:fp32"]


@pytest.mark.parametrize(
    ("dtype", "runtime", "device", "openvino", "expected"),
    [("auto", "gpu", "cpu", True, "runtime 'gpu'"), ("auto", "openvino", "cuda", True, "on the CPU"),
     ("auto", "openvino", "cpu", False, "cannot run here"), ("int8", "openvino", "cuda", True, "on the CPU")],
)
def test_precision_candidates_refuse_what_cannot_run(dtype: str, runtime: str, device: str, openvino: bool, expected: str) -> None:
    with pytest.raises(MediaframeError, match=re.escape(expected)):
        runtime_choice.candidates(dtype, runtime, device, openvino)


def test_precision_auto_choice_is_cached_per_key(cache_home: Path) -> None:
    calls: list[str] = []
    score = fake_scorer({"torch:fp32": 2.0, "torch:bf16": 0.8, "torch:int8": 1.5}, {}, calls)
    assert runtime_choice.choose(score, PATHS, "model-a") == "torch:bf16"
    assert runtime_choice.choose(score, PATHS, "model-a") == "torch:bf16"
    assert calls == PATHS, "the second choice came from the cache, not a measurement"
    assert runtime_choice.choose(score, PATHS, "model-b") == "torch:bf16"
    assert len(calls) == 6, "another model is measured again"
    assert (cache_home / "mediaframe" / "precision.json").is_file()


def test_precision_bf16_casts_the_whole_encoder(tiny_model_dir: Path) -> None:
    from mediaframe.inference.torch_runtime import prepare_encoder
    from mediaframe.model.modeling import load_model

    encoder = load_model(tiny_model_dir).model.encoder
    cast = prepare_encoder(encoder, "bf16", "cpu")
    assert {p.dtype for p in cast.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in encoder.parameters()} == {torch.float32}, "the loaded model stays fp32"


def test_precision_predictor_auto_resolves_to_a_measured_path(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.inference.predictor import Predictor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    predictor = Predictor(tiny_model_dir, dtype="auto", runtime="auto")
    assert predictor.path in runtime_choice.candidates("auto", "auto", "cpu", openvino=True)
    assert predictor.truncated == 0, "calibration does not count as the user's truncated inputs"
    assert len(runtime_choice.read_cache()) == 1


def test_precision_calibration_rows_have_text_and_target() -> None:
    rows = runtime_choice.calibration_rows()
    assert len(rows) == 256
    assert all(row["text"].strip() and row["target"].strip() for row in rows)


def test_precision_a_path_that_cannot_run_is_left_out(cache_home: Path) -> None:
    calls: list[str] = []
    fast = fake_scorer({"torch:fp32": 2.0, "torch:bf16": 0.9}, {}, calls)

    def score(path: str):
        if path.startswith("openvino"):
            raise MediaframeError("the model could not be converted for OpenVINO")
        return fast(path)

    assert runtime_choice.choose(score, ["torch:fp32", "torch:bf16", "openvino:bf16"], "key") == "torch:bf16"


def test_precision_a_near_tie_goes_to_the_path_without_torch(cache_home: Path) -> None:
    seconds = {"torch:fp32": 2.0, "torch:bf16": 0.50, "openvino:bf16": 0.54, "torch:int8": 0.2}
    score = fake_scorer(seconds, {"torch:int8": 40}, [])
    names = ["torch:fp32", "torch:bf16", "torch:int8", "openvino:bf16"]
    assert runtime_choice.choose(score, names, "tie") == "openvino:bf16", "within 10% of the fastest, no torch at startup"
    seconds["openvino:bf16"] = 0.7
    assert runtime_choice.choose(score, names, "clear") == "torch:bf16", "a clear lead wins"


def test_precision_when_no_path_asked_for_can_run_the_reason_is_raised(cache_home: Path) -> None:
    fast = fake_scorer({"torch:fp32": 2.0}, {}, [])

    def score(path: str):
        if path.startswith("openvino"):
            raise MediaframeError("cannot write the converted model")
        return fast(path)

    with pytest.raises(MediaframeError, match="cannot write the converted model"):
        runtime_choice.choose(score, ["openvino:fp32", "openvino:bf16"], "key")
    assert runtime_choice.read_cache() == {}, "nothing chosen, nothing cached"


def test_precision_prepared_choice_for_this_cpu_family_is_taken_without_measuring(
    tiny_model_copy: Path, monkeypatch: pytest.MonkeyPatch, cache_home: Path
) -> None:
    import json

    from mediaframe.hardware import cpu_family
    from mediaframe.inference.predictor import Predictor

    (tiny_model_copy / runtime_choice.PREPARED_FILE).write_text(json.dumps({cpu_family(): "openvino:fp32"}), encoding="utf-8")
    monkeypatch.setattr(Predictor, "time_calibration", lambda self, path: pytest.fail("measured"))
    assert Predictor(tiny_model_copy, dtype="auto", runtime="auto").path == "openvino:fp32"


def test_precision_prepared_choice_that_cannot_run_here_is_measured_instead(
    tiny_model_copy: Path, monkeypatch: pytest.MonkeyPatch, cache_home: Path
) -> None:
    import json

    from mediaframe.hardware import cpu_family
    from mediaframe.inference import openvino_trial
    from mediaframe.inference.predictor import Predictor

    (tiny_model_copy / runtime_choice.PREPARED_FILE).write_text(json.dumps({cpu_family(): "openvino:fp32"}), encoding="utf-8")
    monkeypatch.setattr(openvino_trial, "run_trial", lambda *args: {"ok": False, "detail": "died", "cpu": "x"})
    assert Predictor(tiny_model_copy, dtype="auto", runtime="auto").path.startswith("torch:")
