"""Reading a corpus: the one reader of articles and sentence rows behind every command.

Articles come from a folder of `.txt` files (with a metadata.csv/.jsonl beside them, or
`key: value` header lines at their top), from saved HTML pages, or from a table with a text
column: JSONL, a JSON array, CSV (`,` `;` or tab, sniffed from the header), TSV or Parquet.
Every form is streamed record by record in a fixed order (the order a resumed run relies on).

One policy for bad records (`tables`): refuse them, or skip and count them. Either way
an empty text and an unreadable article file are skipped with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from mediaframe.config import DataConfig
from mediaframe.errors import MediaframeError
from mediaframe.files import read_text
from mediaframe.records import Article, cell_text
from mediaframe.tables import TABLE_SUFFIXES, Skipped, bad_record, read_table, skip, table_rows

logger = logging.getLogger(__name__)

ARTICLE_FIELDS = ("id", "text", "outlet", "title", "author", "date", "url", "target")
HEADER_KEYS = frozenset({"outlet", "title", "author", "date", "url", "target", "id"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
METADATA_NAMES = ("metadata.csv", "metadata.jsonl")
HTML_FIELDS = {"title": "title", "author": "author", "date": "date", "url": "url", "outlet": "sitename"}
MIN_PROSE_WORDS = 6
DOCUMENT_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".rtf", ".odt", ".pages", ".epub"})


# ---------------------------------------------------------------- articles


def read_articles(path: Path, cfg: DataConfig | None = None) -> list[Article]:
    """Every article of a folder or file (see `iter_articles`), refusing bad records; ids must be unique.

    Raises:
        MediaframeError: the path is missing, a record is malformed, no usable article was found, or an id repeats.
    """
    cfg = cfg or DataConfig()
    articles = list(iter_articles(path, cfg))
    if not articles:
        raise MediaframeError(
            f"corpus {path}: no usable article found; expected .txt/.html files or a JSONL/CSV with a "
            f"'{cfg.text_field}' column"
        )
    check_unique_ids(articles, path)
    return articles


def iter_articles(path: Path, cfg: DataConfig, skipped: Skipped = None) -> Iterator[Article]:
    """Articles of a folder or file, streamed in a fixed order.

    Raises:
        MediaframeError: the path is missing, or (without `skipped`) a record is malformed.
    """
    if not path.exists():
        raise MediaframeError(f"corpus {path} not found; pass a folder of .txt/.html files or a JSONL/CSV/Parquet file")
    if path.is_dir():
        yield from folder_articles(path, cfg, skipped)
    elif path.suffix.lower() in TABLE_SUFFIXES:
        yield from articles_from_rows(enumerate(table_rows(path, skipped), start=1), str(path), cfg, skipped)
    else:
        yield from file_articles(path, {}, cfg)


def folder_articles(folder: Path, cfg: DataConfig, skipped: Skipped) -> Iterator[Article]:
    metadata = read_metadata(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and is_article_file(p))
    report_unreadable(folder)
    if not files:
        raise MediaframeError(
            f"corpus folder {folder} holds no .txt, .html or JSONL/CSV file; add article files to it or pass another folder"
        )
    report_missing_files(folder, metadata, files)
    for file in files:
        yield from readable_file_articles(file, metadata.get(file.name, {}), cfg, skipped)


def readable_file_articles(file: Path, meta: dict[str, str], cfg: DataConfig, skipped: Skipped) -> Iterator[Article]:
    """The articles of one file of a folder; a file that cannot be used (empty, binary, no article body, no text
    column) is skipped with a warning, as a whole when it fails before its first article."""
    try:
        if file.suffix.lower() in TABLE_SUFFIXES:
            yield from articles_from_rows(enumerate(table_rows(file, skipped), start=1), str(file), cfg, skipped)
        else:
            yield from file_articles(file, meta, cfg)
    except MediaframeError as exc:
        skip(skipped, "unreadable_file", str(exc))


def file_articles(file: Path, meta: dict[str, str], cfg: DataConfig) -> list[Article]:
    suffix = file.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return [read_html_article(file, meta)]
    return [read_txt_article(file, meta)]


def is_article_file(path: Path) -> bool:
    if path.name in METADATA_NAMES or path.name.startswith("."):
        return False
    suffix = path.suffix.lower()
    return suffix == ".txt" or suffix in HTML_SUFFIXES or suffix in TABLE_SUFFIXES


def report_unreadable(folder: Path) -> None:
    """Warn about documents mediaframe cannot read (PDF, Word), which would otherwise vanish silently."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES:
            logger.warning("skipped: %s: %s files are not read; save the article as .txt or .html", path, path.suffix)


def read_metadata(folder: Path) -> dict[str, dict[str, str]]:
    """metadata.csv or metadata.jsonl beside the articles, keyed by file name (a 'file' or 'filename' column).

    Raises:
        MediaframeError: the metadata file cannot be read or has no file-name column.
    """
    for name in METADATA_NAMES:
        path = folder / name
        if path.is_file():
            rows = read_table(path)
            key = next((k for k in ("file", "filename", "file_name", "path") if rows and k in rows[0]), None)
            if rows and key is None:
                raise MediaframeError(
                    f"{path}: expected a 'file' column naming each article file; found {sorted(rows[0])}; "
                    "add or rename it"
                )
            return {
                Path(str(row[key]).strip()).name: {k: cell_text(v) for k, v in row.items()}
                for row in rows
                if key and cell_text(row.get(key))
            }
    return {}


def report_missing_files(folder: Path, metadata: dict[str, dict[str, str]], files: list[Path]) -> None:
    present = {f.name for f in files}
    source = next((folder / n for n in METADATA_NAMES if (folder / n).is_file()), folder)
    for name in sorted(set(metadata) - present):
        logger.warning("%s: a row names %s, which is not in %s; add the file or drop its row", source, name, folder)


def read_txt_article(path: Path, meta: dict[str, str]) -> Article:
    text = read_text(path)
    header, body = split_header(text)
    fields = {**header, **{k: v for k, v in meta.items() if v}}
    if not body.strip():
        raise MediaframeError(
            f"{path}: the article body is empty; write the text below the header lines and a blank line"
        )
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
    return header, ""  # nothing but header lines


def read_html_article(path: Path, meta: dict[str, str]) -> Article:
    """One saved HTML page: trafilatura extracts the article body and its metadata.

    Raises:
        MediaframeError: the page holds no article body (a menu, a form, a list of links).
    """
    import trafilatura  # imported here: it is slow to import and only HTML needs it

    html = read_text(path)
    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = getattr(extracted, "text", None) or ""
    if not has_prose(body):
        raise MediaframeError(
            f"{path}: no article body found in the HTML page (only menus, links or forms); save the article page itself"
        )
    found = {name: getattr(extracted, attr, None) or "" for name, attr in HTML_FIELDS.items()}
    fields = {**{k: v for k, v in found.items() if v}, **{k: v for k, v in meta.items() if v}}
    title = str(fields.get("title", ""))
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    return make_article(fields, text, default_id=path.stem, source=str(path))


def has_prose(text: str) -> bool:
    """At least one line reads like a sentence (MIN_PROSE_WORDS words or more), not a menu item."""
    return any(len(line.split()) >= MIN_PROSE_WORDS for line in text.splitlines())


def articles_from_rows(
    numbered: Iterable[tuple[int, dict[str, Any]]], path: str, cfg: DataConfig, skipped: Skipped
) -> Iterator[Article]:
    """Articles of numbered table rows; a row's number (its place in its file) makes the default id."""
    for number, row in numbered:
        row = rename_columns(row, cfg.column_map)
        text = row.get(cfg.text_field)
        if number == 1 and cfg.text_field not in row:
            found = sorted(k for k in row if not k.startswith("_"))
            bad_record(skipped, "no_text", f"{path}: expected a '{cfg.text_field}' column; found {found}; rename the "
                       f"text column to '{cfg.text_field}' or pass --set data.text_field=<column> (data.column_map "
                       "renames other columns)")
        elif not isinstance(text, str) or not text.strip():
            skip(skipped, "no_text", f"{path} row {number}: no '{cfg.text_field}'")
        else:
            yield make_article(row, text, default_id=f"{Path(path).stem}-{number}", source=path)


def rename_columns(row: dict[str, Any], column_map: dict[str, str]) -> dict[str, Any]:
    return {column_map.get(key, key): value for key, value in row.items()}


def make_article(fields: dict[str, Any], text: str, default_id: str, source: str) -> Article:
    values = {name: cell_text(fields.get(name)) for name in ARTICLE_FIELDS if name not in ("id", "text")}
    article_id = cell_text(fields.get("id")) or default_id
    return Article(id=article_id, text=text, source=source, **values)


def check_unique_ids(articles: list[Article], path: Path) -> None:
    seen: set[str] = set()
    for article in articles:
        if article.id in seen:
            raise MediaframeError(
                f"corpus {path}: article id {article.id!r} appears twice; ids must be unique: rename one of the files "
                "or give each row its own id"
            )
        seen.add(article.id)


# ---------------------------------------------------------------- sentence rows


def iter_sentence_rows(path: Path, cfg: DataConfig, skipped: Skipped = None) -> Iterator[dict[str, Any]]:
    """Sentence rows (`text`, optional id/target/outlet/date/...) of a table file, each with its `_number`."""
    if path.is_dir() or path.suffix.lower() not in TABLE_SUFFIXES:
        raise MediaframeError(
            f"--unit sentence expects a JSONL/CSV/Parquet file of sentence rows; found {path}; "
            "pass such a file or use --unit article for article text"
        )
    for number, row in enumerate(table_rows(path, skipped), start=1):
        yield {**rename_columns(row, cfg.column_map), "_number": number}
