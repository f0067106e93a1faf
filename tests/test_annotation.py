"""The annotation round trip: export for labeling (CSV, Label Studio), import back as gold, agreement."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mediaframe.cli import app
from mediaframe.config import load_config
from mediaframe.errors import MediaframeError
from mediaframe.labels.annotation import (
    export_annotation,
    export_rows,
    label_studio_config,
)
from mediaframe.labels.annotation_import import (
    agreement,
    import_annotation,
    merge_annotators,
    read_annotations,
)
from mediaframe.labels.codebook import load_codebook
from mediaframe.labels.gold import read_gold


def sentence_rows() -> list[dict]:
    rows = []
    for i, conf in enumerate([0.9, 0.2, 0.6, 0.4]):
        rows.append({"id": f"a:{i}", "article_id": "a", "index": i, "text": f"Acme sentence {i}.", "target": "Acme",
                     "mentions_target": True, "weak_stance": "neutral", "weak_stance_confidence": conf,
                     "weak_sentiment": "neutral", "weak_sentiment_confidence": 0.95, "weak_frame": "economic",
                     "weak_frame_confidence": 0.8, "stance_source": "weak"})
    rows[3]["stance_source"] = "gold"
    return rows


def write_sentences(tmp_path: Path) -> Path:
    path = tmp_path / "sentences.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in sentence_rows()), encoding="utf-8")
    return path


def test_annotation_uncertain_first_skips_gold_and_adds_context() -> None:
    rows = export_rows(sentence_rows(), "uncertain")
    assert [r["id"] for r in rows] == ["a:1", "a:2", "a:0"]
    assert rows[0]["context_before"] == "Acme sentence 0." and rows[0]["context_after"] == "Acme sentence 2."
    assert len(export_rows(sentence_rows(), "corpus", include_gold=True, limit=2)) == 2


def test_annotation_random_order_is_seeded() -> None:
    first = [r["id"] for r in export_rows(sentence_rows(), "random", seed=3)]
    assert first == [r["id"] for r in export_rows(sentence_rows(), "random", seed=3)]
    assert sorted(first) == ["a:0", "a:1", "a:2"]
    with pytest.raises(MediaframeError, match="strategy 'loudest' is unknown"):
        export_rows(sentence_rows(), "loudest")


def test_annotation_csv_round_trip_gives_a_valid_gold_file(tmp_path: Path) -> None:
    cfg = load_config()
    sheet = tmp_path / "label.csv"
    assert export_annotation(write_sentences(tmp_path), sheet, cfg) == 3
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    assert rows[0]["stance"] == "" and rows[0]["weak_stance"] == "neutral"
    rows[0].update(stance="against", sentiment="negative", frame="economic", note="sarcasm")
    rows[1].update(stance="neutral")  # only one task labeled: the others stay empty
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    written, kappa = import_annotation([sheet], tmp_path / "gold.jsonl", cfg)
    assert written == 2 and kappa == {}
    gold = read_gold(tmp_path / "gold.jsonl", load_codebook())
    assert (gold[0].stance, gold[0].note, gold[0].mentions_target) == ("against", "sarcasm", True)
    assert gold[1].sentiment is None and gold[1].stance == "neutral"


def test_annotation_label_studio_tasks_config_and_export_import(tmp_path: Path) -> None:
    cfg = load_config()
    tasks_path = tmp_path / "tasks.json"
    export_annotation(write_sentences(tmp_path), tasks_path, cfg, strategy="corpus")
    tasks = json.loads(tasks_path.read_text())
    assert tasks[0]["data"]["text"] == "Acme sentence 0."
    assert tasks[0]["predictions"][0]["result"][0]["from_name"] == "stance"
    xml = (tmp_path / "tasks.label_config.xml").read_text()
    assert '<Choices name="frame"' in xml and '<Choice value="fairness_equality"/>' in xml
    exported = [dict(tasks[0], annotations=[{"result": [
        {"from_name": "stance", "type": "choices", "value": {"choices": ["favor"]}},
        {"from_name": "note", "type": "textarea", "value": {"text": ["praise"]}},
    ]}])]
    (tmp_path / "export.json").write_text(json.dumps(exported))
    gold = read_annotations(tmp_path / "export.json", load_codebook())
    assert gold == [{"id": "a:0", "text": "Acme sentence 0.", "target": "Acme", "stance": "favor", "sentiment": None,
                     "frame": None, "mentions_target": None, "note": "praise"}]


def test_annotation_import_rejects_a_label_outside_the_codebook(tmp_path: Path) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text("id,text,stance\na:0,Acme.,hostile\n")
    with pytest.raises(MediaframeError, match=r"bad.csv row 1: stance label 'hostile' is not in the codebook"):
        import_annotation([sheet], tmp_path / "gold.jsonl", load_config())
    assert not (tmp_path / "gold.jsonl").exists()


def test_annotation_kappa_and_merge_of_two_annotators() -> None:
    def rows(stances: list[str]) -> list[dict]:
        return [{"id": f"s{i}", "text": "t", "target": "", "stance": s, "sentiment": None, "frame": "economic",
                 "mentions_target": None, "note": ""} for i, s in enumerate(stances)]

    first, second = rows(["against", "neutral", "favor", "neutral"]), rows(["against", "neutral", "neutral", "neutral"])
    scores = agreement(first, second)
    assert scores["stance"]["n"] == 4 and scores["stance"]["agreement"] == 0.75
    assert 0 < scores["stance"]["kappa"] < 1 and scores["sentiment"]["n"] == 0
    assert scores["frame"]["kappa"] is None  # one label only: kappa undefined
    merged = merge_annotators(first, second)
    assert merged[2]["stance"] == "favor" and "disagree on stance: favor (1) vs neutral (2)" in merged[2]["note"]


def test_annotation_label_studio_config_lists_every_label() -> None:
    xml = label_studio_config(load_codebook())
    assert xml.count("<Choice ") == 3 + 3 + 15


def test_annotation_cli_export_and_import_with_two_annotators(tmp_path: Path) -> None:
    runner = CliRunner()
    sheet = tmp_path / "sheet.csv"
    result = runner.invoke(app, ["annotate", "export", str(write_sentences(tmp_path)), "--out", str(sheet)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    for name, stance in (("alice.csv", "against"), ("bob.csv", "neutral")):
        with (tmp_path / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows([dict(rows[0], stance=stance), dict(rows[1], stance="neutral")])
    result = runner.invoke(app, ["annotate", "import", str(tmp_path / "alice.csv"), str(tmp_path / "bob.csv"),
                                 "--out", str(tmp_path / "gold.jsonl")])
    assert result.exit_code == 0, result.output
    assert "stance: Cohen's kappa" in result.output and "2 gold rows" in result.output
    agreement = tmp_path / "agreement.json"
    result = runner.invoke(app, ["annotate", "import", str(tmp_path / "alice.csv"), str(tmp_path / "bob.csv"),
                                 "--out", str(tmp_path / "gold2.jsonl"), "--agreement", str(agreement), "--name", "pilot"])
    assert result.exit_code == 0, result.output
    assert json.loads(agreement.read_text())["pilot"]["n"] == 2
    agreement.write_text("{broken")
    result = runner.invoke(app, ["annotate", "import", str(tmp_path / "alice.csv"), str(tmp_path / "bob.csv"),
                                 "--out", str(tmp_path / "gold3.jsonl"), "--agreement", str(agreement), "--name", "pilot"])
    assert result.exit_code == 1 and "expected a JSON object of labeled sets" in result.output
    assert not (tmp_path / "gold3.jsonl").exists(), "nothing written when the agreement file is broken"
