"""Table files, the one reader of them: JSONL, a JSON array, CSV (`,` `;` or tab, sniffed from the
header), TSV and Parquet, streamed one row at a time, with one policy for bad records.

A file is streamed in the encoding its first megabyte shows (`files.text_encoding`: UTF-8, a
UTF-16/32 byte-order mark, or what charset detection finds, with a warning). Missing values
arrive as the file holds them (None from Parquet and JSON, "" from CSV); `records.cell_text`
reads every one of them alike.

The policy, chosen by the caller: without a `skipped` counter a malformed record (a line that
is not a JSON object, a file with no text column) is refused with one line; with one, it is
skipped, counted and the first few logged.
"""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mediaframe.errors import MediaframeError
from mediaframe.files import text_encoding

logger = logging.getLogger(__name__)

TABLE_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv", ".parquet")
WARN_LIMIT = 10  # per kind of skipped record, then only counted
UTF8_PROBE = 1 << 20  # bytes that decide a table's encoding before it is streamed

Skipped = Counter[str] | None  # None: refuse bad records; a Counter: skip and count them


# ---------------------------------------------------------------- the policy


def skip(skipped: Skipped, kind: str, message: str) -> None:
    """Skip a record or file under either policy: count it (when counting) and log the first few of each kind."""
    counts = skipped if skipped is not None else Counter()
    counts[kind] += 1
    if counts[kind] <= WARN_LIMIT or skipped is None:
        logger.warning("skipped: %s", message)
    elif counts[kind] == WARN_LIMIT + 1:
        logger.warning("more records skipped for %s; only counting them from now on", kind.replace("_", " "))


def bad_record(skipped: Skipped, kind: str, message: str) -> None:
    """A malformed record: refused with `message` (no counter), or skipped and counted."""
    if skipped is None:
        raise MediaframeError(message)
    skip(skipped, kind, message)


# ---------------------------------------------------------------- reading


def read_table(path: Path) -> list[dict[str, Any]]:
    """Every row of a table file (small files: labels, metadata, gold, predictions), refusing bad records.

    Raises:
        MediaframeError: the file is missing, empty, not decodable, or a record is malformed.
    """
    return list(table_rows(path, None))


def table_rows(path: Path, skipped: Skipped) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL, JSON-array, CSV/TSV or Parquet file, one at a time.

    Raises:
        MediaframeError: the file is not UTF-8 past the part probed, not valid CSV or JSON, or
            (without `skipped`) a JSON line is not an object.
    """
    if path.suffix.lower() == ".parquet":
        yield from parquet_rows(path)
        return
    with table_text(path) as handle:
        yield from text_rows(handle, path, skipped)


def text_rows(handle: IO[str], path: Path, skipped: Skipped) -> Iterator[dict[str, Any]]:
    """Rows of a table held as text: the suffix and the first character tell its form."""
    suffix = path.suffix.lower()
    number = 0
    try:
        if suffix in (".csv", ".tsv"):
            header = handle.readline()
            handle.seek(0)
            yield from csv_rows(handle, path, "\t" if suffix == ".tsv" else sniff_delimiter(header))
        elif suffix == ".json" and starts_json_array(handle.read(4096)):
            handle.seek(0)
            yield from read_json_array(handle.read(), path)
        else:
            handle.seek(0)
            for number, line in enumerate(handle, start=1):
                row = parse_line(line, path, number, skipped)
                if row is not None:
                    yield row
    except UnicodeDecodeError:
        raise MediaframeError(
            f"{path}: not UTF-8 (near line {number + 1}); expected UTF-8 text; re-save it as UTF-8, e.g. "
            "iconv -f latin1 -t utf-8"
        ) from None


def table_text(path: Path) -> IO[str]:
    """The file opened as text, streamed, in the encoding its first megabyte shows.

    Raises:
        MediaframeError: the file cannot be read, is empty or binary, or is in no detectable encoding.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(UTF8_PROBE)
        encoding = text_encoding(head, path)
        return open(path, encoding=encoding, newline="", errors="strict" if encoding == "utf-8-sig" else "replace")
    except OSError as exc:
        raise MediaframeError(f"{path}: cannot be read ({exc.strerror}); check the path and its permissions") from None


def starts_json_array(head: str | bytes) -> bool:
    """Whether a .json file's first characters (or bytes) open a JSON array, not JSON lines; a byte-order mark
    allowed. The one test of every reader."""
    text = head.decode("utf-8", "ignore") if isinstance(head, bytes) else head
    return text.lstrip("\ufeff \t\r\n").startswith("[")


def parse_line(line: str, path: Path, number: int, skipped: Skipped) -> dict[str, Any] | None:
    """One JSONL line as an object; None for a blank line (or a bad one, when skipping)."""
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        bad_record(skipped, "bad_line", f"{path} line {number}: not valid JSON ({exc.msg}); fix or remove the line")
        return None
    if not isinstance(row, dict):
        bad_record(skipped, "bad_line", f"{path} line {number}: expected a JSON object; found {type(row).__name__}")
        return None
    return row


def sniff_delimiter(header: str) -> str:
    """',' unless the header row is split by ';' or tabs instead (spreadsheet exports)."""
    header = header.split("\n", 1)[0]
    return max(",;\t", key=header.count) if header.count(",") == 0 else ","


def csv_rows(handle: IO[str], path: Path, delimiter: str) -> Iterator[dict[str, Any]]:
    """Rows of CSV text, streamed; quoted fields keep their line breaks (paragraphs stay paragraphs).

    Raises:
        MediaframeError: no header row, or the text is not valid CSV.
    """
    csv.field_size_limit(1 << 30)
    try:
        reader = csv.DictReader(handle, delimiter=delimiter)
        if not reader.fieldnames:
            raise MediaframeError(f"{path}: expected a CSV header row; found none; add a header such as id,text")
        for row in reader:
            yield {str(k).strip(): v for k, v in row.items() if k is not None}
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


def parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise MediaframeError(f"{path}: not a readable Parquet file ({exc}); re-export it or use JSONL/CSV") from None
    for batch in parquet.iter_batches(batch_size=1024):
        yield from batch.to_pylist()
