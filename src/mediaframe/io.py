"""Reading and writing data files: the only library module that opens them.

Articles come from a folder of `.txt` files (with a metadata.csv/.jsonl beside them, or
`key: value` header lines at their top), from JSONL/CSV with a text column, or from saved
HTML pages. Records go out as JSONL (CSV and Parquet for tables), written atomically.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes

from mediaframe.config import DataConfig
from mediaframe.errors import MediaframeError
from mediaframe.records import Article, Sentence

logger = logging.getLogger(__name__)

ARTICLE_FIELDS = ("id", "text", "outlet", "title", "author", "date", "url", "target")
HEADER_KEYS = frozenset({"outlet", "title", "author", "date", "url", "target", "id"})
TABLE_SUFFIXES = frozenset({".jsonl", ".json", ".csv", ".tsv", ".parquet"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
METADATA_NAMES = ("metadata.csv", "metadata.jsonl")


# ---------------------------------------------------------------- decoding


def decode_bytes(raw: bytes, path: Path) -> str:
    """Decode file bytes to text: UTF-8 first, then charset detection; refuse binary files.

    Raises:
        MediaframeError: the file is empty, binary, or in no detectable text encoding.
    """
    if not raw.strip():
        raise MediaframeError(f"{path}: file is empty; expected article text; remove it or fill it")
    if b"\x00" in raw[:8192]:
        raise MediaframeError(f"{path}: file is binary (NUL bytes); expected UTF-8 text; remove it from the corpus")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    if best is None:
        raise MediaframeError(f"{path}: not UTF-8 and no text encoding could be detected; re-save it as UTF-8")
    logger.warning("%s: not UTF-8; decoded as %s", path, best.encoding)
    return str(best)


def read_text(path: Path) -> str:
    try:
        return decode_bytes(path.read_bytes(), path)
    except OSError as exc:
        raise MediaframeError(f"{path}: cannot be read ({exc.strerror}); check the path and its permissions") from None


# ---------------------------------------------------------------- articles


def read_articles(path: Path, cfg: DataConfig | None = None) -> list[Article]:
    """Read articles from a folder, a .txt/.html file, or a JSONL/CSV/Parquet table.

    Files that cannot be used are skipped with one warning each; an input that yields no
    article at all is an error.

    Raises:
        MediaframeError: the path is missing, or no usable article was found in it.
    """
    cfg = cfg or DataConfig()
    if not path.exists():
        raise MediaframeError(f"corpus {path} not found; pass a folder of .txt/.html files or a JSONL/CSV file")
    articles = read_folder(path, cfg) if path.is_dir() else read_file(path, cfg)
    if not articles:
        raise MediaframeError(
            f"corpus {path}: no usable article found; expected .txt/.html files or a JSONL/CSV with a "
            f"'{cfg.text_field}' column"
        )
    check_unique_ids(articles, path)
    return articles


def read_file(path: Path, cfg: DataConfig) -> list[Article]:
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return articles_from_rows(read_table(path), path, cfg)
    if suffix in HTML_SUFFIXES:
        return [read_html_article(path, {})]
    return [read_txt_article(path, {})]


def read_folder(folder: Path, cfg: DataConfig) -> list[Article]:
    metadata = read_metadata(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and is_article_file(p))
    if not files:
        raise MediaframeError(f"corpus folder {folder} holds no .txt, .html or JSONL/CSV file; add articles to it")
    report_missing_files(folder, metadata, files)
    articles: list[Article] = []
    for file in files:
        try:
            articles.extend(read_one(file, metadata.get(file.name, {}), cfg))
        except MediaframeError as exc:
            logger.warning("skipped: %s", exc)
    return articles


def is_article_file(path: Path) -> bool:
    if path.name in METADATA_NAMES or path.name.startswith("."):
        return False
    suffix = path.suffix.lower()
    return suffix == ".txt" or suffix in HTML_SUFFIXES | TABLE_SUFFIXES


def read_one(file: Path, meta: dict[str, str], cfg: DataConfig) -> list[Article]:
    suffix = file.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return articles_from_rows(read_table(file), file, cfg)
    if suffix in HTML_SUFFIXES:
        return [read_html_article(file, meta)]
    return [read_txt_article(file, meta)]


def read_metadata(folder: Path) -> dict[str, dict[str, str]]:
    """metadata.csv or metadata.jsonl beside the articles, keyed by file name."""
    for name in METADATA_NAMES:
        path = folder / name
        if path.is_file():
            rows = read_table(path)
            key = "file" if rows and "file" in rows[0] else "filename"
            if rows and key not in rows[0]:
                raise MediaframeError(
                    f"{path}: expected a 'file' column naming each article file; found {sorted(rows[0])}"
                )
            return {str(row[key]): {k: str(v or "") for k, v in row.items()} for row in rows}
    return {}


def report_missing_files(folder: Path, metadata: dict[str, dict[str, str]], files: list[Path]) -> None:
    present = {f.name for f in files}
    for name in sorted(set(metadata) - present):
        logger.warning("%s: metadata names %s, which is not in the folder; add the file or drop its row", folder, name)


def read_txt_article(path: Path, meta: dict[str, str]) -> Article:
    text = read_text(path)
    header, body = split_header(text)
    fields = {**header, **{k: v for k, v in meta.items() if v}}
    if not body.strip():
        raise MediaframeError(f"{path}: the article body is empty; expected text after the header lines")
    return make_article(fields, body, default_id=path.stem, source=str(path))


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Split leading `key: value` lines (known keys only) and a blank line from the body."""
    lines = text.splitlines(keepends=True)
    header: dict[str, str] = {}
    for index, line in enumerate(lines):
        if not line.strip():
            return (header, "".join(lines[index + 1 :])) if header else ({}, text)
        key, sep, value = line.partition(":")
        if not sep or key.strip().lower() not in HEADER_KEYS:
            return {}, text
        header[key.strip().lower()] = value.strip()
    return {}, text


def read_html_article(path: Path, meta: dict[str, str]) -> Article:
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    html = read_text(path)
    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=False)
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not body or not body.strip():
        raise MediaframeError(f"{path}: no article body found in the HTML page; save the article page itself")
    found = {
        "title": getattr(extracted, "title", None) or "",
        "author": getattr(extracted, "author", None) or "",
        "date": getattr(extracted, "date", None) or "",
        "url": getattr(extracted, "url", None) or "",
        "outlet": getattr(extracted, "sitename", None) or "",
    }
    fields = {**{k: v for k, v in found.items() if v}, **{k: v for k, v in meta.items() if v}}
    text = f"{fields['title']}\n\n{body}" if fields.get("title") and not body.startswith(fields["title"]) else body
    return make_article(fields, text, default_id=path.stem, source=str(path))


def articles_from_rows(rows: list[dict[str, Any]], path: Path, cfg: DataConfig) -> list[Article]:
    rows = [rename_columns(row, cfg.column_map) for row in rows]
    if rows and cfg.text_field not in rows[0]:
        raise MediaframeError(
            f"{path}: expected a '{cfg.text_field}' column; found {sorted(rows[0])}; "
            f"rename it or map it with --set data.column_map='{{\"<column>\": \"text\"}}'"
        )
    articles = []
    for number, row in enumerate(rows, start=1):
        text = str(row.get(cfg.text_field) or "")
        if not text.strip():
            logger.warning("%s row %d: empty text; skipped", path, number)
            continue
        articles.append(make_article(row, text, default_id=f"{path.stem}-{number}", source=str(path)))
    return articles


def rename_columns(row: dict[str, Any], column_map: dict[str, str]) -> dict[str, Any]:
    return {column_map.get(key, key): value for key, value in row.items()}


def make_article(fields: dict[str, Any], text: str, default_id: str, source: str) -> Article:
    values = {name: clean_value(fields.get(name)) for name in ARTICLE_FIELDS if name not in ("id", "text")}
    article_id = clean_value(fields.get("id")) or default_id
    return Article(id=article_id, text=text, source=source, **values)


def clean_value(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def check_unique_ids(articles: list[Article], path: Path) -> None:
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise MediaframeError(f"corpus {path}: article id {article.id!r} appears twice; ids must be unique")
        seen.add(article.id)


# ---------------------------------------------------------------- tables


def read_table(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL, JSON-lines, CSV/TSV or Parquet file into a list of dicts.

    Raises:
        MediaframeError: the file is empty, not decodable, or a line is not a JSON object.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pandas as pd

        return pd.read_parquet(path).to_dict(orient="records")
    text = read_text(path)
    if suffix in {".csv", ".tsv"}:
        return read_csv_text(text, path, delimiter="\t" if suffix == ".tsv" else ",")
    return list(parse_jsonl(text, path))


def read_csv_text(text: str, path: Path, delimiter: str) -> list[dict[str, Any]]:
    csv.field_size_limit(1 << 30)
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    if not reader.fieldnames:
        raise MediaframeError(f"{path}: expected a CSV header row; found none")
    return [dict(row) for row in reader]


def parse_jsonl(text: str, path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MediaframeError(f"{path} line {number}: not valid JSON ({exc.msg}); fix or remove the line") from None
        if not isinstance(row, dict):
            raise MediaframeError(f"{path} line {number}: expected a JSON object; found {type(row).__name__}")
        yield row


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Stream a JSONL file line by line (for files too large to hold)."""
    with open(path, encoding="utf-8", errors="strict") as handle:
        try:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield from parse_jsonl(line, Path(f"{path} (line {number})"))
        except UnicodeDecodeError:
            raise MediaframeError(f"{path}: not UTF-8; re-save it as UTF-8") from None


# ---------------------------------------------------------------- writing


@contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path` and rename it into place only on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        mode, dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False,
        **({"encoding": "utf-8"} if "b" not in mode else {}),
    )
    try:
        with handle:
            yield handle
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def write_jsonl(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write dict rows as JSONL atomically; return the number of rows."""
    count = 0
    with atomic_output(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def sentence_row(sentence: Sentence) -> dict[str, Any]:
    """The JSON shape of a sentence: ids, text, offsets, metadata, mentions."""
    row = asdict(sentence)
    row = {"id": sentence.id, **row, "mentions_target": sentence.mentions_target}
    row["mentions"] = [asdict(m) for m in sentence.mentions]
    return row
