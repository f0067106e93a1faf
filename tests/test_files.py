"""Ingestion (every input form, every bad input) and atomic output: mediaframe.files."""

from __future__ import annotations

import json
import logging
import os
import shutil
import stat
from pathlib import Path

import pytest

from mediaframe.config import DataConfig
from mediaframe.corpus.reading import read_articles
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output, write_jsonl
from mediaframe.records import Mention, Sentence, sentence_row
from mediaframe.tables import read_table, table_rows

FEED_COLUMNS = {"uid": "id", "source": "outlet", "headline": "title", "byline": "author", "published": "date",
                "link": "url", "body": "text"}


def by_id(articles: list) -> dict:
    return {article.id: article for article in articles}


# ---------------------------------------------------------------- input forms


def test_io_txt_folder_takes_metadata_csv_by_file_name(txt_corpus: Path) -> None:
    articles = by_id(read_articles(txt_corpus))
    assert sorted(articles) == ["boilerplate", "headers", "no_target"]
    article = articles["boilerplate"]
    assert (article.outlet, article.author, article.date) == ("Screen Slate", "Jordan Pike", "2024-07-03")
    assert article.title == "Netflix raises prices again as subscriber growth slows"
    assert article.url == "https://screenslate.example/netflix-prices"
    assert article.source == str(txt_corpus / "boilerplate.txt")
    assert articles["no_target"].author == ""  # an empty cell stays unknown


def test_io_txt_folder_takes_metadata_jsonl(tmp_path: Path, txt_corpus: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(txt_corpus / "no_target.txt", folder)
    (folder / "metadata.jsonl").write_text(
        json.dumps({"file": "no_target.txt", "outlet": "Riverton Weekly", "date": "2024-06-11", "author": None}) + "\n",
        encoding="utf-8",
    )
    [article] = read_articles(folder)
    assert (article.outlet, article.date, article.author) == ("Riverton Weekly", "2024-06-11", "")


def test_io_header_lines_become_metadata_and_leave_the_body(txt_corpus: Path) -> None:
    article = by_id(read_articles(txt_corpus))["headers"]
    assert article.outlet == "Harbor Business Review"
    assert article.title == "Orbital Foods bets $1.2 billion on U.S. plants"
    assert (article.author, article.date) == ("Dana Whitfield", "2024-05-14")
    assert article.url == "https://harbor.example/orbital-foods-plants"
    assert article.target == "Orbital Foods"
    assert article.text.startswith("Orbital Foods bets $1.2 billion on U.S. plants\n")
    assert "outlet:" not in article.text and "target:" not in article.text


def test_io_metadata_row_overrides_header_lines(tmp_path: Path, txt_corpus: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(txt_corpus / "headers.txt", folder)
    (folder / "metadata.csv").write_text("file,outlet\nheaders.txt,Harbor Weekly\n", encoding="utf-8")
    [article] = read_articles(folder)
    assert article.outlet == "Harbor Weekly"
    assert article.author == "Dana Whitfield"  # fields the row leaves out still come from the header


def test_io_single_txt_file_with_header(txt_corpus: Path) -> None:
    [article] = read_articles(txt_corpus / "headers.txt")
    assert article.id == "headers" and article.target == "Orbital Foods"


def test_io_csv_with_text_column_keeps_paragraphs(article_tables: Path) -> None:
    articles = read_articles(article_tables / "articles.csv")
    assert [a.id for a in articles] == ["tide-1", "tide-2"]
    first = articles[0]
    assert (first.outlet, first.title, first.author, first.date) == (
        "Coastline Daily", "Orbital Foods opens a research kitchen", "Lee Marsh", "2024-02-20")
    # a quoted CSV field keeps its line breaks: paragraphs stay paragraphs
    assert "on Monday. The snack maker" in first.text
    assert "this year.\n\nLocal chefs will run tastings every Friday." in first.text


def test_io_jsonl_with_column_map(article_tables: Path) -> None:
    csv_articles = read_articles(article_tables / "articles.csv")
    jsonl_articles = read_articles(article_tables / "feed.jsonl", DataConfig(column_map=FEED_COLUMNS))
    fields = ("id", "text", "outlet", "title", "author", "date", "url")
    assert [[getattr(a, f) for f in fields] for a in jsonl_articles] == [[getattr(a, f) for f in fields] for a in csv_articles]


def test_io_jsonl_with_text_field(article_tables: Path) -> None:
    articles = read_articles(article_tables / "feed.jsonl", DataConfig(text_field="body"))
    assert [a.id for a in articles] == ["feed-1", "feed-2"]  # no 'id' column mapped: ids from the file name
    assert articles[1].text.startswith("Streaming prices keep climbing\n\nNetflix and two rivals")


def test_io_json_array_is_read(tmp_path: Path) -> None:
    path = tmp_path / "articles.json"
    path.write_text(json.dumps([{"id": "a", "text": "Orbital Foods hired 20 people."}], indent=2), encoding="utf-8")
    [article] = read_articles(path)
    assert (article.id, article.text) == ("a", "Orbital Foods hired 20 people.")


def test_io_semicolon_csv_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id;text;outlet\nx1;Orbital Foods hired 20 people.;Daily Ledger\n", encoding="utf-8")
    [article] = read_articles(path)
    assert (article.id, article.outlet) == ("x1", "Daily Ledger")


def test_io_html_page_gives_body_and_metadata(html_pages: Path) -> None:
    [article] = read_articles(html_pages / "page.html")
    assert article.title == "Orbital Foods recalls cereal over labeling error"
    assert (article.outlet, article.author, article.date) == ("Valley Post", "Cal Writer", "2024-04-02")
    assert article.url == "https://valleypost.example/business/orbital-foods-recall"
    assert "Orbital Foods is recalling about 40,000 boxes" in article.text
    assert "Orbital Foods shares were little changed in afternoon trading." in article.text
    for furniture in ("Privacy policy", "Most read", "Subscribe", "City council approves budget", "All rights reserved"):
        assert furniture not in article.text


def test_io_html_page_without_body_is_refused(html_pages: Path) -> None:
    with pytest.raises(MediaframeError, match=r"no_body\.html: no article body found.*save the article page itself"):
        read_articles(html_pages / "no_body.html")


def test_io_html_folder_skips_page_without_body_with_one_warning(html_pages: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        articles = read_articles(html_pages)
    assert [a.id for a in articles] == ["page"]
    [record] = [r for r in caplog.records if "no_body.html" in r.getMessage()]
    assert "no article body" in record.getMessage() and "\n" not in record.getMessage()


# ---------------------------------------------------------------- bad input


def test_io_missing_corpus_path(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match=r"nowhere not found; pass a folder"):
        read_articles(tmp_path / "nowhere")


def test_io_empty_folder(make_bad_input) -> None:
    folder = make_bad_input("empty_folder")
    with pytest.raises(MediaframeError, match=rf"{folder.name} holds no \.txt, \.html or JSONL/CSV file; add"):
        read_articles(folder)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("empty", r"empty\.txt: file is empty; expected text; fill it or remove it"),
        ("blank", r"blank\.txt: file is empty"),
        ("binary", r"image\.txt: file is binary \(NUL bytes\).*remove it"),
        ("header_only", r"header_only\.txt: the article body is empty; write the text below the header lines"),
        ("no_text_csv", r"articles\.csv: expected a 'text' column; found \['body', 'id', 'outlet'\].*data\.text_field"),
    ],
)
def test_io_bad_file_is_refused_naming_file_and_fix(make_bad_input, kind: str, message: str) -> None:
    with pytest.raises(MediaframeError, match=message):
        read_articles(make_bad_input(kind))


def test_io_bad_files_in_folder_are_skipped_one_warning_each(mixed_corpus: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING):
        articles = read_articles(mixed_corpus)
    assert sorted(a.id for a in articles) == ["boilerplate", "headers", "no_target"]
    messages = [r.getMessage() for r in caplog.records]
    for name in ("empty.txt", "image.txt", "no_body.html", "missing.txt"):
        assert sum(name in m for m in messages) == 1, name
    assert all("\n" not in m for m in messages)
    [missing] = [m for m in messages if "missing.txt" in m]
    assert "metadata.csv" in missing and "add the file or drop its row" in missing


def test_io_folder_of_only_bad_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.txt").write_bytes(b"\x00\x01\x02")
    with pytest.raises(MediaframeError, match="no usable article found"):
        read_articles(tmp_path)


def test_io_cp1252_file_is_decoded_with_detection(make_bad_input, cp1252_text: str, caplog) -> None:
    path = make_bad_input("cp1252")
    with caplog.at_level(logging.WARNING):
        [article] = read_articles(path)
    assert article.text == cp1252_text
    assert any("windows.txt: not UTF-8; decoded as cp1252" in r.getMessage() for r in caplog.records)


def test_io_undecodable_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes((i * 37 + 11) % 255 + 1 for i in range(3000)))  # no NUL, no encoding
    with pytest.raises(MediaframeError, match=r"noise\.txt: not UTF-8 and no text encoding could be detected; re-save"):
        read_articles(path)


def test_io_latin1_file_is_decoded(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Le café de Montréal a fermé; la société a dit non.\n".encode("latin-1"))
    [article] = read_articles(path)
    assert article.text == "Le café de Montréal a fermé; la société a dit non.\n"


def test_io_utf16_file_with_bom_is_decoded(make_bad_input, cp1252_text: str) -> None:
    [article] = read_articles(make_bad_input("utf16"))
    assert article.text == cp1252_text


def test_io_metadata_without_file_column(tmp_path: Path, txt_corpus: Path) -> None:
    shutil.copy(txt_corpus / "no_target.txt", tmp_path)
    (tmp_path / "metadata.csv").write_text("name,outlet\nno_target.txt,Riverton Weekly\n", encoding="utf-8")
    with pytest.raises(MediaframeError, match=r"metadata\.csv: expected a 'file' column.*found \['name', 'outlet'\]"):
        read_articles(tmp_path)


def test_io_duplicate_article_ids(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"id": "x", "text": "One."}\n{"id": "x", "text": "Two."}\n', encoding="utf-8")
    with pytest.raises(MediaframeError, match="article id 'x' appears twice"):
        read_articles(tmp_path / "a.jsonl")


def test_io_pdf_in_folder_gets_a_warning(tmp_path: Path, txt_corpus: Path, caplog) -> None:
    shutil.copy(txt_corpus / "no_target.txt", tmp_path)
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    with caplog.at_level(logging.WARNING):
        assert len(read_articles(tmp_path)) == 1
    assert any("scan.pdf" in r.getMessage() and "save the article as .txt" in r.getMessage() for r in caplog.records)


def test_io_read_table_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(MediaframeError, match=r"rows\.jsonl line 2: not valid JSON"):
        read_table(path)
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(MediaframeError, match=r"line 1: expected a JSON object; found list"):
        read_table(path)


def test_io_read_table_gives_missing_parquet_cells_as_none_like_json(tmp_path: Path) -> None:
    import pandas as pd

    pd.DataFrame({"text": ["a", None], "outlet": [None, "Tide"]}).to_parquet(tmp_path / "rows.parquet")
    (tmp_path / "rows.jsonl").write_text('{"text": "a", "outlet": null}\n{"text": null, "outlet": "Tide"}\n')
    assert read_table(tmp_path / "rows.parquet") == read_table(tmp_path / "rows.jsonl")


def test_io_table_rows_streams_rows_and_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2}\nnot json\n', encoding="utf-8")
    rows = table_rows(path, None)
    assert [next(rows), next(rows)] == [{"a": 1}, {"a": 2}]
    with pytest.raises(MediaframeError, match=r"rows\.jsonl line 4: not valid JSON"):
        next(rows)


def test_io_table_rows_missing_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MediaframeError, match=r"absent\.jsonl: cannot be read"):
        list(table_rows(tmp_path / "absent.jsonl", None))


def test_io_read_table_csv_rows(article_tables: Path) -> None:
    rows = read_table(article_tables / "articles.csv")
    assert [row["id"] for row in rows] == ["tide-1", "tide-2"]
    assert rows[1]["author"] == ""


# ---------------------------------------------------------------- writing


def test_io_write_jsonl_writes_rows_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "rows.jsonl"
    assert write_jsonl(({"n": i, "text": "café"} for i in range(3)), out) == 3
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == [
        {"n": 0, "text": "café"}, {"n": 1, "text": "café"}, {"n": 2, "text": "café"}]
    assert os.listdir(out.parent) == ["rows.jsonl"]  # no temp file left behind


def test_io_written_file_gets_normal_permissions(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    write_jsonl([{"a": 1}], out)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def failing_rows(good: int):
    for i in range(good):
        yield {"n": i}
    raise MediaframeError("the source broke halfway")


def test_io_failed_write_leaves_no_partial_output_and_no_temp_file(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    with pytest.raises(MediaframeError, match="halfway"):
        write_jsonl(failing_rows(5), out)
    assert list(tmp_path.iterdir()) == []


def test_io_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(MediaframeError):
        write_jsonl(failing_rows(5), out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rows.jsonl"]


def test_io_atomic_output_binary_mode(tmp_path: Path) -> None:
    out = tmp_path / "blob.bin"
    with atomic_output(out, "wb") as handle:
        handle.write(b"\x00\x01")
        assert not out.exists()  # nothing at the final path until the block succeeds
    assert out.read_bytes() == b"\x00\x01"


def test_io_sentence_row_shape() -> None:
    sentence = Sentence(article_id="a1", index=2, text="Netflix’s plan.", start=10, end=25, outlet="Daily Ledger",
                        date="2024-01-02", title="T", target="Netflix", mentions=(Mention(0, 7, "Netflix"),))
    row = sentence_row(sentence)
    assert row["id"] == "a1:2" and row["mentions_target"] is True
    assert row["mentions"] == [{"start": 0, "end": 7, "text": "Netflix"}]
    for field in ("article_id", "index", "text", "start", "end", "outlet", "date", "title", "target"):
        assert row[field] == getattr(sentence, field)
    json.dumps(row)  # serialisable as is


def test_io_staged_folder_replaces_only_on_success_and_leaves_nothing_beside(tmp_path: Path) -> None:
    from mediaframe.files import staged_folder

    out = tmp_path / "dataset"
    out.mkdir()
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), staged_folder(out) as stage:
        (stage / "new.txt").write_text("half")
        raise RuntimeError("crash while writing")
    assert [p.name for p in out.iterdir()] == ["old.txt"], "a failed write leaves the old folder whole"
    with staged_folder(out) as stage:
        (stage / "new.txt").write_text("new")
        assert (out / "old.txt").is_file(), "the old folder stays in place while the new one is written"
    assert [p.name for p in out.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["dataset"], "no staging or moved-aside folder left"
