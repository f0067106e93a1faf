"""Reading and writing data files: the only library module that opens them.

Articles come from a folder of `.txt` files (with a metadata.csv/.jsonl beside them, or
`key: value` header lines at their top), from JSONL/CSV with a text column, or from saved
HTML pages. Records go out as JSONL (CSV and Parquet for tables), written atomically.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from io import StringIO
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
HTML_FIELDS = {"title": "title", "author": "author", "date": "date", "url": "url", "outlet": "sitename"}
MIN_PROSE_WORDS = 6
DOCUMENT_SUFFIXES = frozenset({".pdf", ".doc", ".docx", ".rtf", ".odt", ".pages", ".epub"})
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


# ---------------------------------------------------------------- decoding


def decode_bytes(raw: bytes, path: Path) -> str:
    """Decode file bytes to text: UTF-8 (or a UTF-16/32 byte-order mark), then charset detection.

    Detection ties between Western code pages (a cp1252 file with curly quotes reads the same
    under cp1250) go to cp1252, the usual encoding of English text saved on Windows.

    Raises:
        MediaframeError: the file is empty, binary, or in no detectable text encoding.
    """
    if not raw.strip():
        raise MediaframeError(f"{path}: file is empty; expected text; fill it or remove it")
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace").lstrip("\ufeff")
    if b"\x00" in raw[:8192]:
        raise MediaframeError(
            f"{path}: file is binary (NUL bytes); expected UTF-8 text; remove it or export it as text"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    encoding = detect_encoding(raw)
    if encoding is None:
        raise MediaframeError(f"{path}: not UTF-8 and no text encoding could be detected; re-save it as UTF-8")
    logger.warning("%s: not UTF-8; decoded as %s (re-save it as UTF-8 to silence this)", path, encoding)
    return raw.decode(encoding, errors="replace")


def detect_encoding(raw: bytes) -> str | None:
    """The most likely encoding of non-UTF-8 bytes (cp1252 wins ties), or None."""
    results = from_bytes(raw)
    best = results.best()
    if best is None:
        return None
    tied = [m for m in results if m.chaos == best.chaos and m.coherence == best.coherence]
    if any("cp1252" in m.could_be_from_charset for m in tied):
        return "cp1252"
    return str(best.encoding)


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
    report_unreadable(folder)
    if not files:
        raise MediaframeError(
            f"corpus folder {folder} holds no .txt, .html or JSONL/CSV file; "
            "add article files to it or pass another folder"
        )
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


def report_unreadable(folder: Path) -> None:
    """Warn about documents mediaframe cannot read (PDF, Word), which would otherwise vanish silently."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES:
            logger.warning("skipped: %s: %s files are not read; save the article as .txt or .html", path, path.suffix)


def read_one(file: Path, meta: dict[str, str], cfg: DataConfig) -> list[Article]:
    suffix = file.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return articles_from_rows(read_table(file), file, cfg)
    if suffix in HTML_SUFFIXES:
        return [read_html_article(file, meta)]
    return [read_txt_article(file, meta)]


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
                Path(str(row[key]).strip()).name: {k: clean_value(v) for k, v in row.items()}
                for row in rows
                if key and clean_value(row.get(key))
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


def articles_from_rows(rows: list[dict[str, Any]], path: Path, cfg: DataConfig) -> list[Article]:
    rows = [rename_columns(row, cfg.column_map) for row in rows]
    if rows and cfg.text_field not in rows[0]:
        raise MediaframeError(
            f"{path}: expected a '{cfg.text_field}' column; found {sorted(rows[0])}; rename the text column to "
            f"'{cfg.text_field}' or pass --set data.text_field=<column> (data.column_map renames other columns)"
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
            raise MediaframeError(
                f"corpus {path}: article id {article.id!r} appears twice; ids must be unique: rename one of the files "
                "or give each row its own id"
            )
        seen.add(article.id)


# ---------------------------------------------------------------- tables


def read_table(path: Path) -> list[dict[str, Any]]:
    """Read a JSONL, JSON (an array of objects), CSV/TSV or Parquet file into a list of dicts.

    Raises:
        MediaframeError: the file is missing, empty, not decodable, or a line is not a JSON object.
    """
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return read_parquet(path)
    text = read_text(path)
    if suffix in {".csv", ".tsv"}:
        return read_csv_text(text, path, delimiter="\t" if suffix == ".tsv" else sniff_delimiter(text))
    if suffix == ".json" and text.lstrip().startswith("["):
        return read_json_array(text, path)
    return list(parse_jsonl(text, path))


def read_parquet(path: Path) -> list[dict[str, Any]]:
    import pandas as pd

    try:
        return pd.read_parquet(path).to_dict(orient="records")
    except (OSError, ValueError) as exc:
        raise MediaframeError(f"{path}: not a readable Parquet file ({exc}); re-export it or use JSONL/CSV") from None


def sniff_delimiter(text: str) -> str:
    """',' unless the header row is split by ';' or tabs instead (spreadsheet exports)."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=header.count) if header.count(",") == 0 else ","


def read_csv_text(text: str, path: Path, delimiter: str) -> list[dict[str, Any]]:
    """Rows of CSV text; quoted fields keep their line breaks (paragraphs stay paragraphs)."""
    csv.field_size_limit(1 << 30)
    try:
        reader = csv.DictReader(StringIO(text, newline=""), delimiter=delimiter)
        if not reader.fieldnames:
            raise MediaframeError(f"{path}: expected a CSV header row; found none; add a header such as id,text")
        return [{str(k).strip(): v for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:
        raise MediaframeError(f"{path}: not valid CSV ({exc}); check its quoting") from None


def read_json_array(text: str, path: Path) -> list[dict[str, Any]]:
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MediaframeError(f"{path} line {exc.lineno}: not valid JSON ({exc.msg}); fix the file") from None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise MediaframeError(f"{path}: expected a JSON array of objects or JSON lines; found another shape")
    return rows


def parse_jsonl(text: str, path: Path) -> Iterator[dict[str, Any]]:
    """Parse JSON-lines text, one object per non-empty line.

    Raises:
        MediaframeError: a line is not valid JSON or not an object (the message names the file and line).
    """
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield parse_json_line(line, path, number)


def parse_json_line(line: str, path: Path, number: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise MediaframeError(f"{path} line {number}: not valid JSON ({exc.msg}); fix or remove the line") from None
    if not isinstance(row, dict):
        raise MediaframeError(f"{path} line {number}: expected a JSON object; found {type(row).__name__}")
    return row


def iter_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Stream a JSONL file line by line (for files too large to hold).

    Raises:
        MediaframeError: the file cannot be read, is not UTF-8, or a line is not a JSON object.
    """
    try:
        with open(path, encoding="utf-8-sig", errors="strict") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield parse_json_line(line, path, number)
    except UnicodeDecodeError:
        raise MediaframeError(f"{path}: not UTF-8; re-save it as UTF-8") from None
    except OSError as exc:
        raise MediaframeError(f"{path}: cannot be read ({exc.strerror}); check the path and its permissions") from None


# ---------------------------------------------------------------- writing


@contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path` and rename it into place only on success.

    On any error the temporary file is removed and an existing `path` is left as it was.
    The finished file gets the usual permissions (0666 less the umask), not the 0600 of a temp file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        mode, dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False,
        **({"encoding": "utf-8"} if "b" not in mode else {}),
    )
    try:
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o666 & ~current_umask())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Write a folder under a hidden name beside `out`, then put it in place; nothing half-written is ever at `out`.

    On success an existing `out` is first moved aside, the new folder renamed into place, and only
    then the old one removed, so a crash at any point leaves either the old or the new folder whole.
    On failure the staging folder is removed and `out` is left as it was.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.tmp-"))
    os.chmod(stage, 0o777 & ~current_umask())  # a folder's usual permissions, not mkdtemp's 0700
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    aside = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))  # a fresh name: nothing stale in the way
    if out.exists() or out.is_symlink():
        os.replace(out, aside / out.name)
    os.replace(stage, out)
    shutil.rmtree(aside, ignore_errors=True)


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
