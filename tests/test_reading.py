"""The one corpus reader: every input form gives the same sentences to `sentences`, `build`, `predict` and Ray."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from conftest import key, sentences_cli  # shared with the `reference` fixture

from mediaframe.config import load_config
from mediaframe.corpus.reading import iter_articles, read_articles
from mediaframe.errors import MediaframeError

REPO_ROOT = Path(__file__).resolve().parents[1]
SEED = REPO_ROOT / "data" / "seed"
FIELDS = ("id", "outlet", "title", "author", "date", "url", "text")


def seed_rows() -> list[dict[str, str]]:
    return [{name: getattr(a, name) for name in FIELDS} for a in read_articles(SEED)]


def headed_txt(folder: Path, rows: list[dict[str, str]]) -> Path:
    """One .txt per article, its metadata as `key: value` header lines."""
    folder.mkdir()
    for row in rows:
        header = "".join(f"{k}: {row[k]}\n" for k in ("outlet", "title", "author", "date", "url") if row[k])
        (folder / f"{row['id']}.txt").write_text(f"{header}\n{row['text']}", encoding="utf-8")
    return folder


def delimited(path: Path, rows: list[dict[str, str]], delimiter: str) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


FORMS: dict[str, Callable[[Path, list[dict[str, str]]], Path]] = {
    "txt folder + metadata.csv": lambda tmp, rows: SEED,
    "header-line txt": lambda tmp, rows: headed_txt(tmp / "headed", rows),
    "jsonl": lambda tmp, rows: write_text(tmp / "a.jsonl", "".join(json.dumps(r) + "\n" for r in rows)),
    "json array": lambda tmp, rows: write_text(tmp / "a.json", json.dumps(rows, indent=1)),
    "json array, byte-order mark": lambda tmp, rows: write_bom(tmp / "bom.json", json.dumps(rows)),
    "csv ,": lambda tmp, rows: delimited(tmp / "comma.csv", rows, ","),
    "csv ;": lambda tmp, rows: delimited(tmp / "semicolon.csv", rows, ";"),
    "csv tab": lambda tmp, rows: delimited(tmp / "tab.csv", rows, "\t"),
    "parquet": lambda tmp, rows: parquet(tmp / "a.parquet", rows),
}


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_bom(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8-sig")
    return path


def parquet(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows).to_parquet(path)
    return path


def predicted(out: Path) -> list[tuple]:
    return [key(json.loads(line)) for line in out.read_text(encoding="utf-8").splitlines()]


def without_spans(keys: list[tuple]) -> list[tuple]:
    return [k[:-1] + (None,) for k in keys]


def predict_settings():
    return load_config(None, ["predict.threads=1", 'predict.dtype="fp32"', "distributed.cpus_per_worker=1"])


@pytest.mark.parametrize("form", list(FORMS))
def test_reading_every_form_gives_the_seed_sentences_to_sentences_build_and_predict(
    form: str, tmp_path: Path, reference: list[tuple], tiny_model_dir: Path
) -> None:
    from mediaframe.dataset.builder import build
    from mediaframe.predict.run import predict

    corpus = FORMS[form](tmp_path, seed_rows())
    assert sentences_cli(corpus, tmp_path / "s.jsonl") == reference

    result = build(corpus, "Netflix", tmp_path / "dataset", load_config())
    built = [key(json.loads(line)) for line in (result.out / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    assert built == reference

    predict(tiny_model_dir, corpus, tmp_path / "p.jsonl", "Netflix", cfg=predict_settings(), show_progress=False)
    assert predicted(tmp_path / "p.jsonl") == without_spans(reference)


@pytest.mark.parametrize("form", ["csv ;", "json array", "json array, byte-order mark", "jsonl"])
@pytest.mark.ray
def test_reading_ray_engine_reads_the_same_sentences(
    form: str, tmp_path: Path, reference: list[tuple], tiny_model_dir: Path
) -> None:
    ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'mediaframe[ray]'")
    from mediaframe.scale.engine import predict_ray

    corpus = FORMS[form](tmp_path, seed_rows())
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.ERROR)
    predict_ray(tiny_model_dir, corpus, tmp_path / "r.jsonl", "Netflix", cfg=predict_settings(), workers=1,
                show_progress=False)
    assert predicted(tmp_path / "r.jsonl") == without_spans(reference)


def test_reading_html_page_gives_the_same_sentences_to_every_command(
    tmp_path: Path, html_pages: Path, tiny_model_dir: Path
) -> None:
    from mediaframe.dataset.builder import build
    from mediaframe.predict.run import predict

    expected = sentences_cli(html_pages, tmp_path / "s.jsonl")
    assert expected
    result = build(html_pages, "Netflix", tmp_path / "dataset", load_config())
    built = [key(json.loads(line)) for line in (result.out / "sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    predict(tiny_model_dir, html_pages, tmp_path / "p.jsonl", "Netflix", cfg=predict_settings(), show_progress=False)
    assert built == expected
    assert predicted(tmp_path / "p.jsonl") == without_spans(expected)


# ---------------------------------------------------------------- one policy for bad records


def broken_jsonl(tmp_path: Path) -> Path:
    lines = [json.dumps({"id": "a", "text": "Netflix hired a manager."}), "{not json", "[1, 2]",
             json.dumps({"id": "b", "text": "  "}), json.dumps({"id": "c", "text": "Netflix paid well."})]
    return write_text(tmp_path / "broken.jsonl", "\n".join(lines) + "\n")


def test_reading_refuses_a_malformed_line_by_default(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match=r"broken.jsonl line 2: not valid JSON"):
        list(iter_articles(broken_jsonl(tmp_path), load_config().data))


def test_reading_with_a_counter_skips_and_counts_bad_records(tmp_path: Path) -> None:
    from collections import Counter

    skipped: Counter[str] = Counter()
    articles = list(iter_articles(broken_jsonl(tmp_path), load_config().data, skipped))
    assert [a.id for a in articles] == ["a", "c"]
    assert skipped == Counter({"bad_line": 2, "no_text": 1})


def test_reading_streams_a_cp1252_table_decoded_as_a_txt_article_is(tmp_path: Path, cp1252_text: str) -> None:
    (tmp_path / "win.csv").write_bytes(f"id,text\nw1,\"{cp1252_text}\"\n".encode("cp1252"))
    (tmp_path / "win.txt").write_bytes(cp1252_text.encode("cp1252"))
    table = list(iter_articles(tmp_path / "win.csv", load_config().data))
    txt = list(iter_articles(tmp_path / "win.txt", load_config().data))
    assert table[0].text == txt[0].text == cp1252_text


def test_reading_a_folder_skips_a_table_it_cannot_use_and_reads_the_rest(tmp_path: Path) -> None:
    from collections import Counter

    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "a", "text": "Netflix hired a manager."}) + "\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,body\nb,Netflix paid well.\n", encoding="utf-8")  # no text column
    (tmp_path / "c.jsonl").write_bytes(b"")
    skipped: Counter[str] = Counter()
    assert [a.id for a in iter_articles(tmp_path, load_config().data, skipped)] == ["a"]
    assert skipped == Counter({"unreadable_file": 1, "no_text": 1}), "the empty file, and the table with no text column"
    assert [a.id for a in read_articles(tmp_path)] == ["a"], "build and sentences skip such files as well"
