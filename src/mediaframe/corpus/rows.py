"""Rows of table files, streamed one at a time, and the one policy for bad records.

JSONL, a JSON array, CSV (`,` `;` or tab, sniffed from the header), TSV and Parquet. A file is
streamed in the encoding its first megabyte shows: UTF-8, a UTF-16/32 byte-order mark, or
what charset detection finds (with a warning), as a .txt article is decoded.

The policy, chosen by the caller: without a `skipped` counter a malformed record (a line
that is not a JSON object, a file with no text column) is refused with one line; with one,
it is skipped, counted and the first few logged.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mediaframe.errors import MediaframeError
from mediaframe.files import (
    csv_rows,
    read_json_array,
    sniff_delimiter,
    starts_json_array,
    text_encoding,
)

logger = logging.getLogger(__name__)

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


# ---------------------------------------------------------------- table rows


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
    """The file opened as text, streamed: UTF-8, or the encoding its first megabyte shows (as `files.read_text`
    decodes a .txt article: a UTF-16/32 byte-order mark, else charset detection, with a warning).

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


def parse_line(line: str, path: Path, number: int, skipped: Skipped) -> dict[str, Any] | None:
    """One JSONL line as an object with its `_line`; None for a blank line (or a bad one, when skipping)."""
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
    row.setdefault("_line", number)
    return row


def parquet_rows(path: Path) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        raise MediaframeError(f"{path}: not a readable Parquet file ({exc}); re-export it or use JSONL/CSV") from None
    for batch in parquet.iter_batches(batch_size=1024):
        yield from batch.to_pylist()
