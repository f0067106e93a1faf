"""Evaluation end to end with the tiny random model: tasks, baselines, label checks, the CLI and its files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.config import Config, EvaluationConfig
from mediaframe.errors import MediaframeError
from mediaframe.evaluation.scoring import (
    evaluate,
    evaluate_fold_paths,
    evaluate_folds,
    evaluate_path,
)
from mediaframe.model.modeling import load_model

pytestmark = pytest.mark.usefixtures("no_embedder")  # every test here: no sentence-embedding model is loaded

FAST = Config(evaluation=EvaluationConfig(bootstrap_samples=100))
SENTENCES = [
    ("netflix is good and praised.", "favor", "positive", "economic"),
    ("netflix slammed the writers.", "against", "negative", "political"),
    ("the strike was terrible for netflix.", "against", "negative", "economic"),
    ("netflix said a new year.", "neutral", "neutral", None),
    ("netflix profits record.", "favor", None, "economic"),
    ("actors strike netflix pay.", "against", None, None),
]


def rows_for(prefix: str, copies: int = 2) -> list[dict[str, Any]]:
    """Labeled rows with built-dataset columns (mentions of 'netflix' included), two articles."""
    rows = []
    for i, (text, stance, sentiment, frame) in enumerate(SENTENCES * copies):
        start = text.index("netflix")
        rows.append({
            "id": f"{prefix}{i}", "article_id": f"{prefix}art{i % 2}", "index": i, "text": text, "target": "Netflix",
            "mentions": [{"start": start, "end": start + 7, "text": "netflix"}], "outlet": "", "date": "",
            "stance": stance, "sentiment": sentiment, "frame": frame,
            **{f"{t}_source": "gold" if v is not None else None for t, v in
               (("stance", stance), ("sentiment", sentiment), ("frame", frame))},
        })
    return rows


def test_evaluation_scores_each_task_on_its_own_labeled_rows(tiny_model_dir: Path) -> None:
    rows = rows_for("t")
    result = evaluate(load_model(tiny_model_dir), rows, FAST, rows_for("tr"))
    figures = result.to_dict()
    assert set(figures) == {"stance", "sentiment", "frame"}
    assert figures["stance"]["n"] == 12
    assert figures["sentiment"]["n"] == 8, "rows without a sentiment label are skipped for sentiment only"
    assert figures["frame"]["n"] == 8
    assert set(figures["stance"]["baselines"]) == {"majority", "vader", "weak", "tfidf_lr"}
    assert set(figures["frame"]["baselines"]) == {"majority", "weak", "tfidf_lr"}, "VADER has no frame"
    assert figures["stance"]["baselines"]["majority"]["accuracy"] == pytest.approx(0.5)  # 'against' is 6 of 12


def test_evaluation_ignores_weak_labels_unless_asked(tiny_model_dir: Path) -> None:
    rows = rows_for("t")
    for row in rows:
        row["frame_source"] = "weak" if row["frame"] else None
    loaded = load_model(tiny_model_dir)
    assert "frame" not in evaluate(loaded, rows, FAST, None).tasks
    weak_too = Config(evaluation=EvaluationConfig(bootstrap_samples=100, label_sources=["gold", "weak"]))
    assert evaluate(loaded, rows, weak_too, None).tasks["frame"]["n"] == 8


def test_evaluation_refuses_a_label_the_model_lacks(tiny_model_dir: Path) -> None:
    rows = rows_for("t")
    rows[0]["frame"] = "space_travel"
    with pytest.raises(MediaframeError, match=r"frame labels \['space_travel'\] that the model lacks"):
        evaluate(load_model(tiny_model_dir), rows, FAST, None)


def test_evaluation_refuses_rows_without_any_label(tiny_model_dir: Path) -> None:
    rows = [{**row, "stance": None, "sentiment": None, "frame": None} for row in rows_for("t")]
    with pytest.raises(MediaframeError, match="carries a stance, sentiment or frame label"):
        evaluate(load_model(tiny_model_dir), rows, FAST, None)


def test_evaluation_leaves_out_baselines_without_training_rows(tiny_model_dir: Path) -> None:
    figures = evaluate(load_model(tiny_model_dir), rows_for("t"), FAST, None).tasks["stance"]
    assert set(figures["baselines"]) == {"vader", "weak"}, "the untrained baselines still run"
    assert figures["baselines_left_out"]["tfidf_lr"] == "no training rows given"


def test_evaluation_folds_pool_predictions_then_score_once(tiny_model_dir: Path) -> None:
    loaded = load_model(tiny_model_dir)
    folds = [(loaded, rows_for("a", 1), rows_for("b")), (loaded, rows_for("b", 1), rows_for("a"))]
    pooled = evaluate_folds(folds, FAST)
    assert pooled.tasks["stance"]["n"] == 12
    assert pooled.tasks["stance"]["bootstrap"]["unit"] == "rows (only 4 articles)"
    assert pooled.info["folds"] == 2


def save_dataset(rows_by_split: dict[str, list[dict[str, Any]]], folder: Path) -> Path:
    from datasets import Dataset, DatasetDict

    DatasetDict({name: Dataset.from_list(rows) for name, rows in rows_by_split.items()}).save_to_disk(str(folder))
    return folder


def test_evaluation_dataset_folder_uses_test_split_and_trains_baselines_on_train(
    tiny_model_dir: Path, tmp_path: Path
) -> None:
    folder = save_dataset({"train": rows_for("tr", 3), "test": rows_for("te")}, tmp_path / "dataset")
    result = evaluate_path(tiny_model_dir, folder, FAST)
    assert result.tasks["stance"]["n"] == 12
    assert "tfidf_lr" in result.tasks["stance"]["baselines"]
    assert result.info["train"] == str(folder) and result.info["split"] == "test"
    with pytest.raises(MediaframeError, match="expected a split 'validation'; found train, test"):
        evaluate_path(tiny_model_dir, folder, FAST, split="validation")


def test_evaluation_fold_paths_score_each_fold_model_on_its_fold(tiny_model_dir: Path, tmp_path: Path) -> None:
    folds = [
        (tiny_model_dir, save_dataset({"train": rows_for("b", 3), "test": rows_for("a", 1)}, tmp_path / "fold0")),
        (tiny_model_dir, save_dataset({"train": rows_for("a", 3), "test": rows_for("b", 1)}, tmp_path / "fold1")),
    ]
    pooled = evaluate_fold_paths(folds, FAST)
    assert pooled.tasks["stance"]["n"] == 12
    assert {"majority", "tfidf_lr", "weak"} <= set(pooled.tasks["stance"]["baselines"])
    assert pooled.info["folds"] == 2


def write_jsonl(rows: list[dict[str, Any]], path: Path) -> Path:
    keep = ("id", "article_id", "text", "target", "stance", "sentiment", "frame")
    path.write_text("".join(json.dumps({k: r[k] for k in keep}) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluation_newsmtsc_rows_score_stance_with_their_own_targets(tiny_model_dir: Path, tmp_path: Path) -> None:
    text = "Netflix praised the actors while the company slammed the writers."
    lines = [
        {"id": f"allsides_1_2_{i}_t{i}_0_7", "sentence": text, "mention": text[s:e], "from": s, "to": e,
         "polarity": polarity}
        for i, (s, e, polarity) in enumerate([(0, 7, 1), (20, 26, 0), (38, 45, -1), (56, 63, -1)])
    ]
    data = tmp_path / "newsmtsc.jsonl"
    data.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    result = evaluate_path(tiny_model_dir, data, FAST, train=data)
    assert set(result.tasks) == {"stance"}, "NewsMTSC carries stance only"
    assert result.tasks["stance"]["n"] == 4
    assert result.tasks["stance"]["per_class"]["against"]["support"] == 2


def test_evaluation_cli_writes_json_and_confusion_pngs(tiny_model_dir: Path, tmp_path: Path) -> None:
    data = write_jsonl(rows_for("te"), tmp_path / "test.jsonl")
    train = write_jsonl(rows_for("tr"), tmp_path / "train.jsonl")
    out_json, out_dir = tmp_path / "eval.json", tmp_path / "eval"
    args = ["evaluate", str(tiny_model_dir), str(data), "--train", str(train), "--json", str(out_json),
            "--out", str(out_dir), "--set", "evaluation.bootstrap_samples=100"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "TF-IDF" in result.output and "confusion" in result.output
    figures = json.loads(out_json.read_text())
    stance = figures["stance"]
    for key in ("macro_f1", "accuracy", "ece", "n"):
        assert isinstance(stance[key], float | int)
    assert len(stance["macro_f1_ci"]) == 2 and stance["macro_f1_ci"][0] <= stance["macro_f1"] <= stance["macro_f1_ci"][1]
    assert set(stance["per_class"]) == {"against", "neutral", "favor"}
    assert len(stance["confusion"]) == 3 and sum(map(sum, stance["confusion"])) == stance["n"]
    assert {"majority", "weak", "tfidf_lr"} <= set(stance["baselines"])
    assert {"macro_f1", "accuracy"} <= set(stance["baselines"]["majority"])
    assert (out_dir / "confusion_stance.png").read_bytes()[:4] == b"\x89PNG"
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1 and "pass --force" in again.output


def test_evaluation_cli_bad_model_folder_is_one_clear_error(tmp_path: Path) -> None:
    data = write_jsonl(rows_for("te"), tmp_path / "test.jsonl")
    (tmp_path / "not_a_model").mkdir()
    result = CliRunner().invoke(app, ["evaluate", str(tmp_path / "not_a_model"), str(data)])
    assert result.exit_code == 1
    assert "not a mediaframe model folder" in result.output and "Traceback" not in result.output
