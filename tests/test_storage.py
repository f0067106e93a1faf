"""Shard files: locations, idempotent writes, the merge into one output, cleanup, the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediaframe.scale.storage import (
    fingerprint,
    finished_shards,
    load_manifest,
    merge_shards,
    remove_shards,
    save_manifest,
    shard_rows,
    uri_of,
    write_shard,
)

ROWS = [{"id": f"a:{i}", "index": i, "text": f"Sentence {i}.", "stance": "neutral",
         "stance_probs": {"against": 0.1, "neutral": 0.8, "favor": 0.1}, "mentions_target": i % 2 == 0} for i in range(5)]


@pytest.mark.parametrize(("given", "expected"), [
    (Path("s3://bucket/news/2024"), "s3://bucket/news/2024"),
    (Path("gs://bucket/x.parquet"), "gs://bucket/x.parquet"),
    (Path("file:///tmp/x.jsonl"), "file:///tmp/x.jsonl"),
    (Path("out/predictions.jsonl"), "out/predictions.jsonl"),
    ("s3://bucket/k", "s3://bucket/k"),
])
def test_storage_uri_of_restores_collapsed_schemes(given: Path | str, expected: str) -> None:
    assert uri_of(given) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_storage_rewriting_a_shard_replaces_it(tmp_path: Path, fmt: str) -> None:
    folder = str(tmp_path / "shards")
    write_shard(ROWS, folder, 3, fmt)
    name = write_shard(ROWS[:2], folder, 3, fmt)  # a retried shard
    assert name == f"part-00003.{fmt}" and finished_shards(folder) == {3: name}
    assert shard_rows(folder, name) == 2
    assert sorted(p.name for p in (tmp_path / "shards").iterdir()) == [name]  # no temporary left


@pytest.mark.parametrize(("fmt", "suffix"), [("jsonl", ".jsonl"), ("parquet", ".parquet"), ("parquet", ".jsonl"), ("jsonl", ".csv")])
def test_storage_merge_keeps_shard_order_and_skips_empty_shards(tmp_path: Path, fmt: str, suffix: str) -> None:
    from mediaframe.tables import read_table

    folder = str(tmp_path / "shards")
    names = [write_shard(ROWS[3:], folder, 0, fmt), write_shard([], folder, 1, fmt), write_shard(ROWS[:3], folder, 2, fmt)]
    out = tmp_path / f"merged{suffix}"
    merge_shards(folder, names, out)
    rows = read_table(out)
    assert [r["id"] for r in rows] == ["a:3", "a:4", "a:0", "a:1", "a:2"]
    if suffix != ".csv":
        assert rows[0]["stance_probs"] == ROWS[3]["stance_probs"] and rows[0]["mentions_target"] is False


def test_storage_jsonl_merge_is_the_single_process_bytes(tmp_path: Path) -> None:
    folder = str(tmp_path / "shards")
    names = [write_shard(ROWS[:2], folder, 0, "jsonl"), write_shard(ROWS[2:], folder, 1, "jsonl")]
    merge_shards(folder, names, tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS)


def test_storage_remove_shards_leaves_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    write_shard(ROWS, str(folder), 0, "parquet")
    save_manifest(str(folder), {"complete": True})
    (folder / ".part-00001.parquet.host-1.tmp").write_bytes(b"half")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    remove_shards(str(folder))
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    (folder / "notes.txt").unlink()
    write_shard(ROWS, str(folder), 0, "jsonl")
    remove_shards(str(folder))
    assert not folder.exists()


def test_storage_manifest_round_trip_and_fingerprint(tmp_path: Path) -> None:
    folder = str(tmp_path / "run")
    assert load_manifest(folder) is None
    save_manifest(folder, {"run": {"unit": "article"}, "shards": {"0": {"rows": 3}}})
    assert load_manifest(folder) == {"run": {"unit": "article"}, "shards": {"0": {"rows": 3}}}
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n', encoding="utf-8")
    before = fingerprint(str(source))
    source.write_text('{"text": "ab"}\n', encoding="utf-8")
    assert fingerprint(str(source)) != before and len(before) == 16


def test_storage_fingerprint_is_the_local_engines(tmp_path: Path) -> None:
    from mediaframe.predict.files import input_fingerprint
    from mediaframe.scale.storage import fingerprint

    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in (("b.txt", "Second."), ("a.txt", "First article.")):
        (folder / name).write_text(text, encoding="utf-8")
    assert fingerprint(str(folder)) == input_fingerprint(folder)
    assert fingerprint(str(folder / "a.txt")) == input_fingerprint(folder / "a.txt")
