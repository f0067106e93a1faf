"""distill(): a student with fewer layers that learns the teacher's predictions and loads like any model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mediaframe.config import load_config
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.errors import MediaframeError
from mediaframe.training import distillation, distillation_loop

ROWS = [
    {"text": "Netflix raised prices again and subscribers are furious.", "target": "Netflix", "stance": "against"},
    {"text": "Netflix won praise for its new documentary series.", "target": "Netflix", "sentiment": "positive"},
    {"text": "The streamer will report earnings on Tuesday.", "target": "Netflix"},
    {"text": "Critics said Netflix handled the strike badly.", "target": "Netflix", "frame": "public_opinion"},
] * 6


def settings(*overrides: str):
    return load_config(None, ["distill.sources=[]", "distill.epochs=3", "distill.batch_size=8", "predict.threads=1",
                              *overrides])


def test_distillation_keeps_evenly_spaced_layers_with_the_last() -> None:
    assert distillation.kept_layers(6, 2) == [0, 5]
    assert distillation.kept_layers(6, 3) == [0, 2, 5]
    assert distillation.kept_layers(6, 1) == [5]
    with pytest.raises(MediaframeError, match="expected 1 to 5"):
        distillation.kept_layers(6, 6)
    assert distillation.kept_layers(3, 3, keep_all=True) == [0, 1, 2]  # a student cut from another model than its teacher


def test_distillation_soften_matches_a_tempered_softmax() -> None:
    logits = np.array([[2.0, 0.5, -1.0]])
    probs = np.exp(logits) / np.exp(logits).sum()
    tempered = np.exp(logits / 2.0) / np.exp(logits / 2.0).sum()
    np.testing.assert_allclose(distillation_loop.soften(probs, 2.0), tempered, rtol=1e-5)


def test_distillation_student_is_smaller_loads_and_follows_the_teacher(confident_teacher: Path, tmp_path: Path) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import load_model

    teacher = load_model(confident_teacher)
    cfg = settings("distill.layers=1", "distill.label_weight=0", "distill.epochs=20", "distill.learning_rate=0.001")
    out = distillation.distill(confident_teacher, tmp_path / "student", cfg, extra_rows=ROWS)
    student = load_model(out)
    assert len(student.model.encoder.encoder.layer) == 1 < len(teacher.model.encoder.encoder.layer)
    meta = json.loads((out / "mediaframe.json").read_text())
    assert meta["distilled_from"]["layers_kept"] == [len(teacher.model.encoder.encoder.layer) - 1]
    assert meta["distilled_from"]["sentences"] == len(ROWS)
    assert meta["labels"] == teacher.meta["labels"]
    texts, targets = [r["text"] for r in ROWS[:4]], ["Netflix"] * 4
    mentions = MentionFinder().rows(ROWS[:4], targets)
    taught = Predictor(out, dtype="fp32").predict_proba(texts, targets, mentions)
    fresh = Predictor(distillation.shrink(teacher, 1)[0], dtype="fp32").predict_proba(texts, targets, mentions)
    exact = Predictor(teacher, dtype="fp32").predict_proba(texts, targets, mentions)
    gap = {name: sum(float(np.abs(p[t] - exact[t]).mean()) for t in exact) for name, p in (("taught", taught), ("fresh", fresh))}
    assert gap["taught"] < gap["fresh"], f"training moved the student toward the teacher: {gap}"


def test_distillation_refuses_a_test_set(tiny_model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match="a test set is never trained on"):
        distillation.distill(tiny_model_dir, tmp_path / "s", settings('distill.sources=["narrative_frames_test"]'))
    assert not (tmp_path / "s").exists()


def test_distillation_cli_scores_a_corpus_into_a_student(tiny_model_dir: Path, tmp_path: Path) -> None:
    from mediaframe.cli import app

    seed = Path(__file__).resolve().parents[1] / "data" / "seed"
    out = tmp_path / "student"
    result = CliRunner().invoke(app, ["distill", str(tiny_model_dir), "--out", str(out), "--corpus", str(seed),
                                      "--target", "Netflix", "--set", "distill.sources=[]", "--set", "distill.epochs=1",
                                      "--set", "distill.layers=1"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "mediaframe.json").read_text())["distilled_from"]["sentences"] == 94
    again = CliRunner().invoke(app, ["distill", str(tiny_model_dir), "--out", str(out), "--set", "distill.sources=[]"])
    assert again.exit_code == 1 and "exists; pass --force" in again.output


def test_distillation_narrows_the_feed_forward_layers_into_a_model_every_path_scores(
    confident_teacher: Path, tmp_path: Path
) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import load_model

    out = distillation.distill(confident_teacher, tmp_path / "student", settings("distill.layers=1", "distill.ffn_width=24"),
                               extra_rows=ROWS)
    student = load_model(out)
    assert student.model.encoder.config.intermediate_size == 24
    assert student.model.encoder.encoder.layer[0].intermediate.dense.out_features == 24
    assert json.loads((out / "mediaframe.json").read_text())["distilled_from"]["ffn_width"] == 24
    assert "24 feed-forward units" in (out / "README.md").read_text()
    texts, targets = [r["text"] for r in ROWS[:4]], ["Netflix"] * 4
    exact = Predictor(out, dtype="fp32").predict_proba(texts, targets)
    compiled = Predictor(out, dtype="fp32", runtime="openvino").predict_proba(texts, targets)
    for task in exact:
        np.testing.assert_allclose(compiled[task], exact[task], atol=1e-4)


def test_distillation_keeps_layers_whole_that_are_no_wider_than_the_width(confident_teacher: Path, tmp_path: Path) -> None:
    from mediaframe.model.modeling import load_model

    out = distillation.distill(confident_teacher, tmp_path / "s", settings("distill.layers=1", "distill.ffn_width=64",
                                                                           "distill.epochs=1"), extra_rows=ROWS)
    assert load_model(out).model.encoder.config.intermediate_size == 64
    assert json.loads((out / "mediaframe.json").read_text())["distilled_from"]["ffn_width"] is None


def other_encoder_model(base: Path, folder: Path, labels: dict | None = None) -> Path:
    """A mediaframe model on another, wider encoder than the tiny teacher's (48 dimensions, 3 layers, marked targets)."""
    import torch
    from transformers import BertConfig, BertModel

    from mediaframe.config import ModelConfig
    from mediaframe.labels.codebook import load_codebook
    from mediaframe.model.modeling import build_model, save_model
    from mediaframe.records import TASKS

    encoder = folder.parent / f"{folder.name}-encoder"
    torch.manual_seed(1)
    BertModel(BertConfig(vocab_size=len((base / "vocab.txt").read_text().split()), hidden_size=48, num_hidden_layers=3,
                         num_attention_heads=2, intermediate_size=96, max_position_embeddings=128)).save_pretrained(encoder)
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        if (base / name).exists():
            (encoder / name).write_bytes((base / name).read_bytes())
    codebook = load_codebook()
    save_model(build_model(str(encoder), labels or {t: codebook.labels(t) for t in TASKS},
                           ModelConfig(max_length=48, target_mode="marked")), folder)
    return folder


def test_distillation_cuts_the_student_from_another_model_and_teaches_it_the_teachers_labels(
    confident_teacher: Path, tiny_base_model: Path, tmp_path: Path
) -> None:
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import load_model

    start = other_encoder_model(tiny_base_model, tmp_path / "start")
    cfg = settings(f"distill.student={json.dumps(str(start))}", "distill.layers=3", "distill.ffn_width=0",
                   "distill.label_weight=0", "distill.epochs=20", "distill.learning_rate=0.001")
    out = distillation.distill(confident_teacher, tmp_path / "student", cfg, extra_rows=ROWS)
    student = load_model(out)
    assert student.model.encoder.config.hidden_size == 48 and len(student.model.encoder.encoder.layer) == 3
    meta = json.loads((out / "mediaframe.json").read_text())
    assert meta["target_mode"] == "marked" and meta["max_length"] == 48  # it reads its input as the model it was cut from
    assert meta["base_model"] == load_model(start).meta["base_model"]
    assert meta["distilled_from"]["cut_from"] == str(start) and f"`{start}`" in (out / "README.md").read_text()
    texts, targets = [r["text"] for r in ROWS[:4]], ["Netflix"] * 4
    mentions = MentionFinder().rows(ROWS[:4], targets)
    taught = Predictor(out, dtype="fp32").predict_proba(texts, targets, mentions)
    fresh = Predictor(start, dtype="fp32").predict_proba(texts, targets, mentions)
    exact = Predictor(confident_teacher, dtype="fp32").predict_proba(texts, targets, mentions)
    gap = {name: sum(float(np.abs(p[t] - exact[t]).mean()) for t in exact) for name, p in (("taught", taught), ("fresh", fresh))}
    assert gap["taught"] < gap["fresh"], f"training moved the student toward the teacher: {gap}"


def test_distillation_refuses_a_student_start_with_other_labels_before_the_teacher_labels(
    confident_teacher: Path, tiny_base_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediaframe.labels.codebook import load_codebook

    codebook = load_codebook()
    labels = {"stance": ["against", "favor"], "sentiment": codebook.labels("sentiment"), "frame": codebook.labels("frame")}
    start = other_encoder_model(tiny_base_model, tmp_path / "start", labels)
    monkeypatch.setattr(distillation, "teacher_probabilities", lambda *a, **k: pytest.fail("the teacher labeled first"))
    with pytest.raises(MediaframeError, match=r"distill.student .*stance labels"):
        distillation.distill(confident_teacher, tmp_path / "s", settings(f"distill.student={json.dumps(str(start))}"),
                             extra_rows=ROWS)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("choice", "native", "expected"), [("fp32", True, "fp32"), ("auto", True, "bf16"), ("auto", False, "fp32")])
def test_distillation_teacher_labels_in_bf16_only_where_asked_and_native(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch, choice: str, native: bool, expected: str
) -> None:
    from mediaframe.model.modeling import load_model

    monkeypatch.setattr(distillation, "bf16_pays", lambda device: native)
    dtypes = []
    real = distillation.Predictor
    monkeypatch.setattr(distillation, "Predictor", lambda model, batch, dtype, *a, **k: dtypes.append(dtype) or real(model, batch, "fp32", *a, **k))
    soft, _ = distillation.teacher_probabilities(load_model(tiny_model_dir), ROWS[:2], settings(f"distill.teacher_dtype={choice}"))
    assert dtypes == [expected] and len(soft["stance"]) == 2


def test_distillation_teacher_representations_are_each_rows_pooled_output_in_row_order(tiny_model_dir: Path) -> None:
    import torch

    from mediaframe.model.modeling import encode, load_model

    teacher = load_model(tiny_model_dir)
    rows = ROWS[:4]  # of different lengths: scored in batches sorted by length, returned in row order
    mentions = MentionFinder().rows(rows, ["Netflix"] * 4)
    pooled = distillation.teacher_representations(teacher, rows, mentions, settings("predict.batch_size=2"))
    assert pooled.shape == (4, teacher.model.config.hidden_size)
    for i, row in enumerate(rows):
        one = encode(teacher.tokenizer, [row["text"]], ["Netflix"], [mentions[i]], teacher.meta["max_length"],
                     teacher.meta["target_mode"], padding=True)
        with torch.inference_mode():
            expected = teacher.model(**{k: torch.tensor(v) for k, v in one.items()}, return_pooled=True)["pooled"][0]
        np.testing.assert_allclose(pooled[i], expected.numpy(), atol=1e-5)


def test_distillation_matches_the_teachers_representation_through_a_projection_it_does_not_save(
    confident_teacher: Path, tiny_base_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safetensors.torch import load_file

    start = other_encoder_model(tiny_base_model, tmp_path / "start")  # wider than the teacher: the projection maps widths
    losses: list[float] = []
    real = distillation_loop.representation_loss
    monkeypatch.setattr(distillation_loop, "representation_loss",
                        lambda projected, teacher: losses.append(float(real(projected, teacher).detach())) or real(projected, teacher))
    cfg = settings(f"distill.student={json.dumps(str(start))}", "distill.layers=3", "distill.ffn_width=0",
                   "distill.representation_weight=1", "distill.epochs=10", "distill.learning_rate=0.001")
    out = distillation.distill(confident_teacher, tmp_path / "student", cfg, extra_rows=ROWS)
    steps_per_epoch = len(losses) // 10
    assert np.mean(losses[-steps_per_epoch:]) < 0.5 * np.mean(losses[:steps_per_epoch]), losses
    weights = load_file(str(next(out.glob("*.safetensors"))))
    assert not [key for key in weights if "projection" in key]
    assert json.loads((out / "mediaframe.json").read_text())["distilled_from"]["settings"]["representation_weight"] == 1
