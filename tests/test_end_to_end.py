"""The real base model end to end: train briefly, then `predict` the seed corpus and `compare` its outlets (slow)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import REAL_MODEL_ROWS
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.corpus.mentions import MentionFinder
from mediaframe.predict.prediction_rows import score_rows

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: data/seed and configs/tiny.toml
SEED = REPO_ROOT / "data" / "seed"

pytestmark = pytest.mark.slow


def test_end_to_end_predict_scores_every_seed_sentence_with_mentions_and_probabilities(real_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "predictions.jsonl"
    result = CliRunner().invoke(app, ["predict", str(real_model), str(SEED), "--target", "Netflix", "--out", str(out),
                                      "--articles", str(tmp_path / "articles.csv")])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    gold = {json.loads(line)["id"] for line in (REPO_ROOT / "data" / "gold" / "seed_gold.jsonl").open(encoding="utf-8")}
    assert {r["id"] for r in rows} == gold, "one prediction per sentence the gold labels"
    assert sum(r["mentions_target"] for r in rows) >= 40
    for row in rows:
        assert abs(sum(row["stance_probs"].values()) - 1) < 1e-3 and row["stance"] == max(row["stance_probs"], key=row["stance_probs"].get)
    with (tmp_path / "articles.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 5


def test_end_to_end_compare_reports_every_outlet_of_the_predictions(real_model: Path, tmp_path: Path) -> None:
    predictions = tmp_path / "predictions.jsonl"
    runner = CliRunner()
    assert runner.invoke(app, ["predict", str(real_model), str(SEED), "--target", "Netflix", "--out", str(predictions)]).exit_code == 0
    result = runner.invoke(app, ["compare", str(predictions), "--by", "outlet", "--out", str(tmp_path / "report")])
    assert result.exit_code == 0, result.output
    with (tmp_path / "report" / "summary.csv").open(encoding="utf-8") as handle:
        summary = list(csv.DictReader(handle))
    outlets = {json.loads(line)["outlet"] for line in predictions.read_text(encoding="utf-8").splitlines()}
    assert {row["outlet"] for row in summary} == outlets and len(outlets) == 5
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert all(outlet in html for outlet in outlets)


def test_end_to_end_distilled_student_is_a_model_every_command_takes(real_model: Path, tmp_path: Path) -> None:
    """Two of MiniLM's six layers, taught on the seed corpus: smaller, faster, and still a model folder."""
    from mediaframe.inference.predictor import Predictor
    from mediaframe.model.modeling import load_model

    student = tmp_path / "student"
    result = CliRunner().invoke(app, ["distill", str(real_model), "--out", str(student), "--corpus", str(SEED),
                                      "--target", "Netflix", "--set", "distill.sources=[]", "--set", "distill.epochs=2",
                                      "--set", "distill.layers=2"])
    assert result.exit_code == 0, result.output
    assert len(load_model(student).model.encoder.encoder.layer) == 2
    texts = [text for text, *_ in REAL_MODEL_ROWS]  # the rows real_model was trained on
    teacher_labels = score_rows(Predictor(real_model, dtype="fp32"), MentionFinder(), [{"text": t, "target": "Netflix"} for t in texts])
    student_labels = score_rows(Predictor(student, dtype="fp32"), MentionFinder(), [{"text": t, "target": "Netflix"} for t in texts])
    same = sum(a["stance"] == b["stance"] for a, b in zip(teacher_labels, student_labels, strict=True))
    assert same >= 3, "the student follows its teacher on most of the sentences the teacher was trained on"
    out = tmp_path / "predictions.jsonl"
    assert CliRunner().invoke(app, ["predict", str(student), str(SEED), "--target", "Netflix", "--out", str(out)]).exit_code == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 94
