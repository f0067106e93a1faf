"""OpenVINO scoring: the compiled model gives torch fp32's probabilities, padding included, converted once, loaded without torch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mediaframe.errors import MediaframeError
from mediaframe.inference import openvino_conversion, openvino_runtime
from mediaframe.records import TASKS

SENTENCES = [
    "Netflix praised the writers.",
    "The strike was bad for the company and its actors, and it slammed the new pay record of the year.",
    "Netflix said profits were great.",
    "It was terrible.",
    "The streamer pays the writers and the actors a record of a million for the job in ai, it said.",
    "Good.",
]
MENTIONS = [[{"start": 0, "end": 7}], [], [{"start": 0, "end": 7}], [], [{"start": 0, "end": 12}], []]


def scores(model: Path, runtime: str, dtype: str = "fp32", batch_size: int = 64) -> dict[str, np.ndarray]:
    from mediaframe.inference.predictor import Predictor

    predictor = Predictor(model, batch_size=batch_size, dtype=dtype, runtime=runtime, threads=1)
    assert predictor.path == f"{runtime}:{dtype}"
    return predictor.predict_proba(SENTENCES, ["Netflix"] * len(SENTENCES), MENTIONS)


@pytest.mark.parametrize("batch_size", [1, 4, 64])
def test_openvino_fp32_gives_torch_fp32_probabilities_with_padding(tiny_model_copy: Path, batch_size: int) -> None:
    exact = scores(tiny_model_copy, "torch")
    compiled = scores(tiny_model_copy, "openvino", batch_size=batch_size)
    for task in TASKS:
        assert np.abs(compiled[task] - exact[task]).max() < 1e-4, f"{task}: the mask of padded rows must be honoured"


def test_openvino_bf16_stays_near_fp32(tiny_model_copy: Path) -> None:
    exact, fast = scores(tiny_model_copy, "torch"), scores(tiny_model_copy, "openvino", "bf16")
    for task in TASKS:
        assert np.allclose(fast[task].sum(1), 1.0, atol=1e-3)
        assert np.abs(fast[task] - exact[task]).max() < 0.05


def test_openvino_calls_started_back_to_back_each_get_their_own_probabilities(tiny_model_copy: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    predictor = Predictor(tiny_model_copy, batch_size=1, dtype="fp32", runtime="openvino", threads=2)
    exact = scores(tiny_model_copy, "torch")
    halves = [slice(0, 3), slice(3, 6)]
    started = [predictor.start_proba(SENTENCES[half], ["Netflix"] * 3, MENTIONS[half]) for half in halves]
    for half, probs in zip(halves, started, strict=True):  # the second was queued before the first was read
        got = probs()
        for task in TASKS:
            assert np.abs(got[task] - exact[task][half]).max() < 1e-4


def test_openvino_submit_hands_on_an_error_of_the_batches_and_leaves_nothing_running(tiny_model_copy: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    predictor = Predictor(tiny_model_copy, batch_size=1, dtype="fp32", runtime="openvino", threads=1)
    padded = {"input_ids": np.ones((6, 4), dtype=np.int64), "attention_mask": np.ones((6, 4), dtype=np.int64),
              "token_type_ids": np.zeros((6, 4), dtype=np.int64)}

    def failing():
        yield from ((np.array([i]), {k: v[i : i + 1] for k, v in padded.items()}) for i in range(2))
        raise MediaframeError("bad batch")

    out = {task: np.zeros((6, len(predictor.labels[task])), dtype=np.float32) for task in TASKS}
    with pytest.raises(MediaframeError, match="bad batch"):
        predictor.scorer.submit(failing(), out)
    assert out["stance"][:2].sum() == pytest.approx(2.0, abs=1e-3), "what was queued has finished before the error"
    assert out["stance"][2:].sum() == 0.0


def test_openvino_a_batch_that_fails_while_running_is_an_error_not_a_wait_forever(tiny_model_copy: Path) -> None:
    from mediaframe.inference.predictor import Predictor

    predictor = Predictor(tiny_model_copy, batch_size=1, dtype="fp32", runtime="openvino", threads=1)
    too_long = {name: np.ones((1, 300), dtype=np.int64) for name in ("input_ids", "attention_mask", "token_type_ids")}
    out = {task: np.zeros((1, len(predictor.labels[task])), dtype=np.float32) for task in TASKS}
    call = predictor.scorer.submit(iter([(np.array([0]), too_long)]), out)  # past the tiny model's 128 positions
    with pytest.raises(RuntimeError):
        call.wait()


def test_openvino_graph_is_converted_once_and_keyed_by_the_weights(
    tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.model.folder import read_folder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    scores(tiny_model_copy, "openvino")
    graph = openvino_runtime.graph_file(read_folder(tiny_model_copy))
    assert graph.is_file() and graph.with_suffix(".bin").is_file()
    monkeypatch.setattr(openvino_runtime, "export", lambda loaded, target: pytest.fail("converted again"))
    scores(tiny_model_copy, "openvino")
    (tiny_model_copy / "model.safetensors").write_bytes((tiny_model_copy / "model.safetensors").read_bytes() + b"\0")
    assert openvino_runtime.graph_file(read_folder(tiny_model_copy)) != graph, "other weights, another graph"


def test_openvino_shipped_graph_is_used_without_converting_and_only_for_its_weights(
    tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.model.modeling import load_model

    exact = scores(tiny_model_copy, "torch")
    openvino_conversion.export(load_model(tiny_model_copy), tiny_model_copy / "openvino" / "model.xml", compress_to_fp16=True)
    openvino_conversion.stamp_shipped_graph(tiny_model_copy)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(openvino_runtime, "export", lambda loaded, target: pytest.fail("converted, not copied"))
    shipped = scores(tiny_model_copy, "openvino")
    for task in TASKS:
        assert np.abs(shipped[task] - exact[task]).max() < 1e-3
    from safetensors.torch import load_file, save_file

    tensors = load_file(tiny_model_copy / "model.safetensors")
    save_file({name: tensor * 1.01 for name, tensor in tensors.items()}, tiny_model_copy / "model.safetensors")
    with pytest.raises(pytest.fail.Exception, match="converted, not copied"):  # other weights: the graph is not theirs
        scores(tiny_model_copy, "openvino")


def test_openvino_damaged_cached_graph_is_converted_again(tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaframe.model.folder import read_folder

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    exact = scores(tiny_model_copy, "openvino")
    graph = openvino_runtime.graph_file(read_folder(tiny_model_copy))
    graph.write_text("<net>not a graph", encoding="utf-8")
    again = scores(tiny_model_copy, "openvino")
    assert np.array_equal(again["frame"], exact["frame"])
    assert "<layers>" in graph.read_text(encoding="utf-8"), "the damaged entry was replaced"


def test_openvino_unreadable_graph_is_one_clear_error(tmp_path: Path) -> None:
    graph = tmp_path / "model.xml"
    graph.write_text("<net>not a graph", encoding="utf-8")
    with pytest.raises(MediaframeError, match="OpenVINO could not load the converted model"):
        openvino_runtime.OpenVinoScorer(graph, "fp32", 1)
    with pytest.raises(MediaframeError, match="expected one of fp32, bf16, int8"):
        openvino_runtime.OpenVinoScorer(graph, "fp16", 1)


def test_openvino_needs_a_model_folder(tiny_model_dir: Path) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import load_model

    with pytest.raises(MediaframeError, match="a model held in memory has no folder to convert"):
        Predictor(load_model(tiny_model_dir), runtime="openvino")


def test_openvino_run_with_a_cached_choice_never_imports_torch(
    tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes `mediaframe predict` start in a second: once the graph is converted and the precision
    measured (the first run on a machine), later runs import neither torch nor transformers."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # nothing converted before this test
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps({"text": t, "target": "Netflix"}) + "\n" for t in SENTENCES), encoding="utf-8")
    script = (
        "import sys; from pathlib import Path; from mediaframe.config import load_config; "
        "from mediaframe.predict.run import predict; "
        f"report = predict(Path({str(tiny_model_copy)!r}), Path({str(source)!r}), Path({str(tmp_path / 'out.jsonl')!r}), "
        "unit='sentence', force=True, show_progress=False, cfg=load_config(None, ['predict.threads=1', 'predict.runtime=openvino'])); "
        "print(report.dtype, sorted(m for m in ('torch', 'transformers') if m in sys.modules))"
    )
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False)
            for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr[-2000:]
    first, second = (run.stdout.strip().splitlines()[-1] for run in runs)
    assert first.endswith("['torch', 'transformers']"), "the first run converts the model (and measures against torch fp32)"
    assert second.startswith("openvino:") and second.endswith(" []"), f"torch or transformers was imported: {second}"
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(SENTENCES) and {r["stance"] for r in rows} <= {"against", "neutral", "favor"}


def test_openvino_conversion_failure_is_one_clear_error_and_auto_leaves_it_out(
    tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openvino as ov

    from mediaframe.inference.predictor import Predictor

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def fail(*args, **kwargs):
        raise RuntimeError("Check 'shape' failed\nat frontend.cpp")

    monkeypatch.setattr(ov, "convert_model", fail)
    with pytest.raises(MediaframeError, match=r"could not be converted for OpenVINO \(Check 'shape' failed\); use --runtime torch"):
        Predictor(tiny_model_copy, dtype="fp32", runtime="openvino")
    assert Predictor(tiny_model_copy, dtype="fp32", runtime="auto").path == "torch:fp32", "auto goes on without OpenVINO"


def test_openvino_unwritable_cache_is_one_clear_error(tiny_model_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaframe.inference.predictor import Predictor

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    with pytest.raises(MediaframeError, match="set XDG_CACHE_HOME to a writable folder"):
        Predictor(tiny_model_copy, dtype="fp32", runtime="openvino")
    assert blocker.read_text(encoding="utf-8").startswith("a file"), "nothing overwritten"


def test_openvino_model_folder_without_fast_tokenizer_scores_on_torch(tiny_model_copy: Path) -> None:
    (tiny_model_copy / "tokenizer.json").unlink()
    probs = scores(tiny_model_copy, "torch")
    assert all(np.allclose(probs[task].sum(1), 1.0, atol=1e-5) for task in TASKS)


def test_openvino_int8_is_quantized_once_and_stays_near_fp32(tiny_model_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaframe.model.folder import read_folder

    exact, quantized = scores(tiny_model_copy, "torch"), scores(tiny_model_copy, "openvino", "int8")
    for task in TASKS:
        assert np.allclose(quantized[task].sum(1), 1.0, atol=1e-3)
        assert np.abs(quantized[task] - exact[task]).max() < 0.1
    for unquantized in (exact, scores(tiny_model_copy, "openvino", "bf16")):
        assert any(np.abs(quantized[task] - unquantized[task]).max() > 1e-4 for task in TASKS), "the int8 graph scores"
    graph = openvino_runtime.int8_file(openvino_runtime.graph_file(read_folder(tiny_model_copy)))
    assert "FakeQuantize" in graph.read_text(encoding="utf-8"), "int8 weights and activations in the graph"
    monkeypatch.setattr(openvino_runtime, "quantize", lambda *args: pytest.fail("quantized again"))
    again = scores(tiny_model_copy, "openvino", "int8")
    assert np.array_equal(again["stance"], quantized["stance"])


def test_openvino_int8_quantizes_the_sentences_as_scoring_pads_them(tiny_model_copy: Path) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.inference.runtime_choice import calibration_rows

    predictor = Predictor(tiny_model_copy, batch_size=16, dtype="fp32", runtime="openvino", threads=1)
    samples = predictor.quantization_samples()
    assert sum(len(batch["input_ids"]) for batch in samples) == len(openvino_conversion.quantization_rows()) == 256
    assert all(batch["input_ids"].shape[1] % 4 == 0 and batch["attention_mask"][:, 0].all() for batch in samples)
    assert predictor.truncated == 0
    calibration = {row["text"] for row in calibration_rows()}
    assert not calibration & {row["text"] for row in openvino_conversion.quantization_rows()}, "agreement is checked on other sentences"


def test_openvino_int8_without_nncf_is_one_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(openvino_conversion, "quantizer_installed", lambda: False)
    with pytest.raises(MediaframeError, match=r"needs the nncf package \(pip install nncf\); or use --dtype bf16"):
        openvino_conversion.quantize(tmp_path / "model.xml", [], tmp_path / "int8" / "model.xml")
    assert not (tmp_path / "int8").exists()
