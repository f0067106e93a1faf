"""plan_shards / shard_records: shards cover the input once, in order, numbered as the single-process engine numbers it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from mediaframe.config import load_config
from mediaframe.errors import MediaframeError
from mediaframe.scale.shards import check_kind, plan_shards, shard_records


def cfg(size: int = 5):
    return load_config(None, [f"distributed.articles_per_shard={size}", f"distributed.sentences_per_shard={size}"])


def all_records(shards, unit: str = "article") -> list:
    stats: Counter[str] = Counter()
    return [record for shard in shards for record in shard_records(shard, unit, cfg().data, stats)]


def single_process_articles(path: Path) -> list:
    from mediaframe.corpus.reading import iter_articles

    return list(iter_articles(path, cfg().data, Counter()))


def jsonl_corpus(path: Path, n: int = 23) -> Path:
    lines = [json.dumps({"text": f"Netflix story {i}.", "outlet": f"O{i % 2}"} | ({"id": f"a{i}"} if i % 4 else {})) for i in range(n)]
    lines[3:3] = ["", "{broken", "[1, 2]"]  # blank, bad JSON, not an object: skipped, not counted
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_shards_jsonl_shards_cover_every_row_once_with_single_process_ids(tmp_path: Path) -> None:
    source = jsonl_corpus(tmp_path / "news.jsonl")
    shards = plan_shards(str(source), "article", cfg(5))
    assert [s.id for s in shards] == list(range(5)) and [s.first for s in shards] == [1, 6, 11, 16, 21]
    assert shards[0].start == 0 and shards[-1].stop == -1
    assert all(a.stop == b.start for a, b in zip(shards, shards[1:], strict=False))
    assert all_records(shards) == single_process_articles(source)  # ids such as news-4 included
    assert "news-1" in [a.id for a in all_records(shards)]


def test_shards_sentence_rows_keep_their_numbers(tmp_path: Path) -> None:
    from mediaframe.corpus.reading import iter_sentence_rows

    source = jsonl_corpus(tmp_path / "rows.jsonl", 12)
    rows = all_records(plan_shards(str(source), "sentence", cfg(5)), "sentence")
    expected = list(iter_sentence_rows(source, cfg().data, Counter()))
    assert [(r.get("id"), r["_number"]) for r in rows] == [(r.get("id"), r["_number"]) for r in expected]


def test_shards_parquet_follows_row_groups_and_cuts_large_ones(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": f"p{i}", "text": f"Netflix row {i}."} for i in range(107)]
    pq.write_table(pa.Table.from_pylist(rows[:7]), tmp_path / "small.parquet")
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "groups.parquet", row_group_size=30)
    small = plan_shards(str(tmp_path / "small.parquet"), "sentence", cfg(10))
    assert [(s.start, s.stop) for s in small] == [(0, 7)]
    shards = plan_shards(str(tmp_path / "groups.parquet"), "sentence", cfg(10))
    assert [(s.start, s.stop) for s in shards][:4] == [(0, 10), (10, 20), (20, 30), (30, 40)]
    assert shards[-1].stop == 107 and all(a.stop == b.start for a, b in zip(shards, shards[1:], strict=False))
    got = all_records(shards, "sentence")
    assert [r["id"] for r in got] == [r["id"] for r in rows] and [r["_number"] for r in got] == list(range(1, 108))


def test_shards_folder_keeps_file_order_and_metadata(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("c.txt", "a.txt", "e.txt", "d.txt"):
        (folder / name).write_text(f"Netflix news from {name}.\n\nSecond paragraph.", encoding="utf-8")
    (folder / "b.jsonl").write_text(json.dumps({"id": "row", "text": "Netflix table row."}) + "\n", encoding="utf-8")
    (folder / "metadata.csv").write_text("file,outlet\na.txt,Alpha\nd.txt,Delta\n", encoding="utf-8")
    shards = plan_shards(str(folder), "article", cfg(2))
    assert [(s.kind, s.files) for s in shards] == [("files", ("a.txt",)), ("jsonl", ()), ("files", ("c.txt", "d.txt")),
                                                   ("files", ("e.txt",))]
    assert all_records(shards) == single_process_articles(folder)
    assert [a.outlet for a in all_records(shards)] == ["Alpha", "", "", "Delta", ""]


def test_shards_file_uri_reads_through_pyarrow(tmp_path: Path) -> None:
    source = jsonl_corpus(tmp_path / "news.jsonl", 8)
    shards = plan_shards(f"file://{source}", "article", cfg(5))
    assert [s.path for s in shards] == [f"file://{source}"] * 2
    assert [(a.id, a.text) for a in all_records(shards)] == [(a.id, a.text) for a in single_process_articles(source)]


def test_shards_refusals_are_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match="not found"):
        plan_shards(str(tmp_path / "missing.jsonl"), "article", cfg())
    (tmp_path / "a.txt").write_text("Netflix.", encoding="utf-8")
    with pytest.raises(MediaframeError, match="--unit sentence expects JSONL/CSV/Parquet"):
        plan_shards(str(tmp_path / "a.txt"), "sentence", cfg())
    with pytest.raises(MediaframeError, match="convert them to JSONL or Parquet"):
        check_kind("bucket/news/a.txt", "s3://bucket/news", "article")
    (tmp_path / "latin.jsonl").write_bytes(b'{"text": "caf\xe9"}\n')
    with pytest.raises(MediaframeError, match="not UTF-8"):
        plan_shards(str(tmp_path / "latin.jsonl"), "article", cfg())
    (tmp_path / "empty").mkdir()
    with pytest.raises(MediaframeError, match="holds no"):
        plan_shards(str(tmp_path / "empty"), "article", cfg())
