"""Labeled tables and NewsMTSC JSONL -> rows of the built-dataset shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediaframe.config import load_config
from mediaframe.dataset.splits import COLUMNS
from mediaframe.errors import MediaframeError
from mediaframe.labels.importers import newsmtsc_ids, read_labeled, read_newsmtsc

NEWSMTSC = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "newsmtsc"


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_importers_labeled_csv_with_column_and_label_maps(tmp_path: Path) -> None:
    table = tmp_path / "labeled.csv"
    table.write_text("sentence,company,polarity,frame\nAcme cut prices.,Acme,-1,economic\nAcme won.,Acme,1,\n")
    cfg = load_config(overrides=[
        'imports.column_map={"sentence": "text", "company": "target", "polarity": "stance"}',
        'imports.label_map={"stance": {"-1": "against", "1": "favor"}}',
    ])
    rows = read_labeled(table, cfg)
    assert [r["stance"] for r in rows] == ["against", "favor"]
    assert rows[0]["frame"] == "economic" and rows[0]["frame_source"] == "import"
    assert rows[1]["frame"] is None and rows[1]["frame_source"] is None and rows[1]["frame_confidence"] is None
    assert rows[0]["mentions"] == [{"start": 0, "end": 4, "text": "Acme"}]
    assert rows[0]["id"] == "labeled:1" and rows[0]["article_id"] == "labeled:1"
    assert set(rows[0]) == set(COLUMNS)


def test_importers_labeled_jsonl_keeps_ids_articles_and_only_given_labels(tmp_path: Path) -> None:
    table = write_jsonl(tmp_path / "t.jsonl", [
        {"id": "x1", "article_id": "art", "text": "Acme is fine.", "target": "Acme", "sentiment": "Positive"},
        {"id": "x2", "article_id": "art", "text": "Acme is here.", "target": "Acme", "sentiment": None},
    ])
    rows = read_labeled(table, load_config())
    assert [r["index"] for r in rows] == [0, 1]
    assert rows[0]["sentiment"] == "positive" and rows[0]["stance"] is None and rows[1]["sentiment"] is None


def test_importers_labeled_table_keeps_each_rows_context_given_or_made_from_title_and_previous(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame({"text": ["Acme is fine.", "Acme is here.", "Acme left.", "Acme won."], "target": "Acme",
                          "stance": "favor", "context": ["Shares rose.", "", None, None],
                          "title": [None, "Acme day", "Acme day", None], "previous": [None, None, "Rain fell.", None]})
    frame.to_parquet(tmp_path / "t.parquet")
    rows = read_labeled(tmp_path / "t.parquet", load_config())
    assert [r["context"] for r in rows] == ["Shares rose.", "", "Acme day. Rain fell.", ""]  # "" given stays ""


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("body,stance\nAcme.,against\n", "expected a 'text' column; found body, stance"),
        ("text,target\nAcme.,Acme\n", "expected a label column \\(stance, sentiment or frame\\); found target, text"),
    ],
)
def test_importers_labeled_table_missing_columns_is_refused(tmp_path: Path, header: str, message: str) -> None:
    table = tmp_path / "bad.csv"
    table.write_text(header)
    with pytest.raises(MediaframeError, match=message):
        read_labeled(table, load_config())


def test_importers_label_outside_the_codebook_is_refused(tmp_path: Path) -> None:
    table = tmp_path / "bad.csv"
    table.write_text("text,target,stance\nAcme.,Acme,hostile\n")
    message = r"row 1: stance label 'hostile' is not in the codebook .*imports.label_map"
    with pytest.raises(MediaframeError, match=message):
        read_labeled(table, load_config())


def test_importers_row_without_target_needs_a_default(tmp_path: Path) -> None:
    table = tmp_path / "t.csv"
    table.write_text("text,stance\nAcme rose.,favor\n")
    with pytest.raises(MediaframeError, match="no target; add a 'target' column or pass --set imports.target"):
        read_labeled(table, load_config())
    assert read_labeled(table, load_config(), target="Acme")[0]["target"] == "Acme"


def test_importers_duplicate_ids_are_refused(tmp_path: Path) -> None:
    table = write_jsonl(tmp_path / "t.jsonl", [{"id": "1", "text": "A.", "target": "A", "stance": "favor"}] * 2)
    with pytest.raises(MediaframeError, match="id '1' appears more than once"):
        read_labeled(table, load_config())


def test_importers_newsmtsc_flat_maps_polarity_to_stance(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "flat.jsonl", [
        {"mention": "Smith", "polarity": -1, "from": 0, "to": 5, "sentence": "Smith lied again.",
         "id": "allsides_12_34_7_John Smith_0_5"},
        {"mention": "Jones", "polarity": 1, "from": 9, "to": 14, "sentence": "Praise to Jones today.",
         "id": "polusa_v1_555_-1_3_Jones_9_14"},
    ])
    rows = read_newsmtsc(path)
    assert [r["stance"] for r in rows] == ["against", "favor"]
    assert [(r["article_id"], r["index"]) for r in rows] == [("allsides_12_34", 7), ("polusa_v1_555", 3)]
    assert rows[0]["mentions"] == [{"start": 0, "end": 5, "text": "Smith"}] and rows[0]["target"] == "Smith"
    assert rows[0]["sentiment"] is None and rows[0]["frame"] is None and rows[0]["stance_source"] == "import"
    assert set(rows[0]) == set(COLUMNS)


def test_importers_newsmtsc_nested_reads_every_target(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "nested.jsonl", [{
        "primary_gid": "allsides_1_2_3_Ann_0_3", "sentence_normalized": "Ann met Bob and she smiled.",
        "targets": [
            {"Input.gid": "allsides_1_2_3_Ann_0_3", "from": 0, "to": 3, "mention": "Ann", "polarity": 6.0,
             "further_mentions": [{"from": 16, "to": 19, "mention": "she"}]},
            {"Input.gid": "allsides_1_2_3_Bob_8_11", "from": 8, "to": 11, "mention": "Bob", "polarity": 4.0},
        ],
    }])
    rows = read_newsmtsc(path)
    assert [(r["target"], r["stance"]) for r in rows] == [("Ann", "favor"), ("Bob", "neutral")]
    assert [m["text"] for m in rows[0]["mentions"]] == ["Ann", "she"]


def test_importers_newsmtsc_unknown_shape_and_polarity_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match="expected the flat fields"):
        read_newsmtsc(write_jsonl(tmp_path / "x.jsonl", [{"text": "a"}]))
    bad = {"mention": "A", "polarity": 5, "from": 0, "to": 1, "sentence": "A.", "id": "q"}
    with pytest.raises(MediaframeError, match="line 1: polarity 5 is not one of -1, 0, 1"):
        read_newsmtsc(write_jsonl(tmp_path / "y.jsonl", [bad]))


def test_importers_newsmtsc_id_of_another_shape_is_its_own_article() -> None:
    assert newsmtsc_ids("something_else") == ("something_else", 0)


@pytest.mark.skipif(not NEWSMTSC.is_dir(), reason="NewsMTSC is not in ../shared/benchmarks on this machine")
def test_importers_newsmtsc_real_files_flat_and_nested_agree() -> None:
    flat = read_newsmtsc(NEWSMTSC / "split_flat" / "rw_test.jsonl")
    nested = read_newsmtsc(NEWSMTSC / "split_nested" / "rw_test.jsonl")
    assert len(flat) == len(nested) == 803
    assert {(r["id"], r["stance"]) for r in flat} == {(r["id"], r["stance"]) for r in nested}
    assert all(r["text"][m["start"]:m["end"]] == m["text"] for r in flat for m in r["mentions"])
