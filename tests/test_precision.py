"""dtype auto: the fastest precision whose labels agree with fp32, measured once per model and machine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from mediaframe.model import precision

LABELS = {"stance": np.array([0, 1, 2, 0] * 64), "sentiment": np.array([1, 1, 0, 2] * 64), "frame": np.arange(256) % 7}


def fake_scorer(seconds: dict[str, float], flips: dict[str, int], calls: list[str]):
    """A scorer whose paths take the given seconds and change the stance label of `flips` sentences."""

    def score(dtype: str) -> tuple[float, dict[str, np.ndarray]]:
        calls.append(dtype)
        labels = {task: values.copy() for task, values in LABELS.items()}
        labels["stance"][: flips.get(dtype, 0)] += 1
        return seconds[dtype], labels

    return score


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(precision, "candidates", lambda device: ["fp32", "bf16", "int8"])
    return tmp_path


def test_precision_auto_keeps_the_fastest_path_that_agrees(cache_home: Path) -> None:
    calls: list[str] = []
    score = fake_scorer({"fp32": 2.0, "bf16": 0.8, "int8": 0.5}, {"int8": 30, "bf16": 2}, calls)
    assert precision.choose_dtype(score, "cpu", "key") == "bf16", "int8 is faster but changes 30 of 256 labels"
    assert calls == ["fp32", "bf16", "int8"]


def test_precision_auto_falls_back_to_fp32_when_nothing_faster_agrees(cache_home: Path) -> None:
    score = fake_scorer({"fp32": 2.0, "bf16": 0.8, "int8": 0.5}, {"int8": 40, "bf16": 20}, [])
    assert precision.choose_dtype(score, "cpu", "key") == "fp32"


def test_precision_auto_choice_is_cached_per_key(cache_home: Path) -> None:
    calls: list[str] = []
    score = fake_scorer({"fp32": 2.0, "bf16": 0.8, "int8": 1.5}, {}, calls)
    assert precision.choose_dtype(score, "cpu", "model-a") == "bf16"
    assert precision.choose_dtype(score, "cpu", "model-a") == "bf16"
    assert calls == ["fp32", "bf16", "int8"], "the second choice came from the cache, not a measurement"
    assert precision.choose_dtype(score, "cpu", "model-b") == "bf16"
    assert len(calls) == 6, "another model is measured again"
    assert (cache_home / "mediaframe" / "precision.json").is_file()


def test_precision_bf16_casts_the_whole_encoder(tiny_model_dir: Path) -> None:
    from mediaframe.model.modeling import load_model

    encoder = load_model(tiny_model_dir).model.encoder
    cast = precision.prepare_encoder(encoder, "bf16", "cpu")
    assert {p.dtype for p in cast.parameters()} == {torch.bfloat16}
    assert {p.dtype for p in encoder.parameters()} == {torch.float32}, "the loaded model stays fp32"


def test_precision_predictor_auto_resolves_to_a_measured_path(
    tiny_model_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.model.inference import Predictor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    predictor = Predictor(tiny_model_dir, dtype="auto")
    assert predictor.dtype in precision.candidates("cpu")
    assert predictor.truncated == 0, "calibration does not count as the user's truncated inputs"
    assert len(precision.read_cache()) == 1


def test_precision_calibration_rows_have_text_and_target() -> None:
    rows = precision.calibration_rows()
    assert len(rows) == 256
    assert all(row["text"].strip() and row["target"].strip() for row in rows)
