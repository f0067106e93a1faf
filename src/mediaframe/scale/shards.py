"""Shards of a prediction input for the Ray engine: a deterministic plan, and the records of one shard.

Before any work starts, the driver splits the input into shards: runs of article files of
a folder, row ranges of JSONL files (byte ranges found by one scan) and of Parquet files
(by row groups), and whole CSV files and JSON arrays. Shard ids follow input order, so a retried or resumed
shard keeps its id and the merged output keeps the single-process order. Records are numbered
within their file exactly as `corpus.reading` numbers them, so rows without an id get the same
default id on both engines.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mediaframe.config import Config, DataConfig
from mediaframe.corpus.reading import (
    articles_from_rows,
    is_article_file,
    read_metadata,
    readable_file_articles,
    rename_columns,
)
from mediaframe.errors import MediaframeError
from mediaframe.files import text_encoding
from mediaframe.records import Article
from mediaframe.scale.storage import filesystem, is_local, uri_like
from mediaframe.tables import TABLE_SUFFIXES, UTF8_PROBE, parse_line, starts_json_array, text_rows

MAX_SLICES_PER_ROW_GROUP = 64  # a Parquet row group is read once per shard cut from it: bound that re-reading


@dataclass(frozen=True)
class Shard:
    """One unit of work: some records of one file (or some article files of one folder)."""

    id: int
    kind: str  # "files" (.txt/.html articles), "jsonl", "parquet" or "whole" (a CSV/TSV file or JSON array)
    path: str  # the file, or the folder of kind "files"
    start: int = 0  # jsonl: first byte; parquet: first row
    stop: int = -1  # jsonl: end byte; parquet: end row; -1: the end of the file
    first: int = 1  # number of the shard's first record in its file (default ids)
    line: int = 1  # jsonl: line number of the first line (for warnings)
    files: tuple[str, ...] = ()  # kind "files": file names in the folder
    meta: dict[str, dict[str, str]] = field(default_factory=dict)  # kind "files": metadata.csv rows by file name

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Shard:
        data = json.loads(text)
        return cls(**{**data, "files": tuple(data["files"])})


# ---------------------------------------------------------------- planning (driver)


def plan_shards(uri: str, unit: str, cfg: Config) -> list[Shard]:
    """Every shard of the input at `uri` (a file or a folder, local or in object storage), in input order.

    Raises:
        MediaframeError: the input is missing, empty, of an unsupported kind, or not UTF-8.
    """
    fs, path = filesystem(uri)
    size = cfg.distributed.sentences_per_shard if unit == "sentence" else cfg.distributed.articles_per_shard
    files, folder = input_files(fs, path, uri, unit)
    metadata = read_metadata(Path(path)) if folder and is_local(uri) else {}
    pieces: list[Shard] = []
    run: list[str] = []
    for file in files:
        if Path(file).suffix.lower() in TABLE_SUFFIXES:
            pieces += article_file_shards(run, path, size, metadata) + table_shards(fs, file, uri_like(file, uri), size)
            run = []
        else:
            run.append(Path(file).name)
    pieces += article_file_shards(run, path if folder else str(Path(path).parent), size, metadata)
    return [replace(piece, id=number) for number, piece in enumerate(pieces)]


def input_files(fs: Any, path: str, uri: str, unit: str) -> tuple[list[str], bool]:
    """The input files in reading order (a folder's article/table files sorted by name), and whether it is a folder."""
    from pyarrow.fs import FileSelector, FileType

    info = fs.get_file_info(path)
    if info.type == FileType.NotFound:
        raise MediaframeError(f"input {uri} not found; pass a folder of articles, or a JSONL/CSV/Parquet file or folder")
    if info.type == FileType.File:
        check_kind(path, uri, unit)
        return [path], False
    found = sorted((i.path for i in fs.get_file_info(FileSelector(path)) if i.type == FileType.File), key=lambda p: Path(p).name)
    files = [p for p in found if is_article_file(Path(p)) and (unit == "article" or Path(p).suffix.lower() in TABLE_SUFFIXES)]
    if not files:
        wanted = ".txt, .html or JSONL/CSV/Parquet" if unit == "article" else "JSONL/CSV/Parquet"
        raise MediaframeError(f"input folder {uri} holds no {wanted} file; add some, or point at another folder")
    for file in files:
        check_kind(file, uri, unit)
    return files, True


def check_kind(file: str, uri: str, unit: str) -> None:
    suffix = Path(file).suffix.lower()
    if unit == "sentence" and suffix not in TABLE_SUFFIXES:
        raise MediaframeError(f"--unit sentence expects JSONL/CSV/Parquet sentence rows; found {file}; use --unit article")
    if suffix not in TABLE_SUFFIXES and not is_local(uri):
        raise MediaframeError(
            f"{file}: .txt/.html articles are read from local or shared folders only; for object storage "
            "convert them to JSONL or Parquet (one article per row, a 'text' column)"
        )


def article_file_shards(names: list[str], folder: str, size: int, metadata: dict[str, dict[str, str]]) -> list[Shard]:
    """Runs of .txt/.html article files, `size` files a shard, with their metadata.csv rows."""
    groups = [tuple(names[i : i + size]) for i in range(0, len(names), size)]
    return [Shard(0, "files", folder, files=g, meta={n: metadata[n] for n in g if n in metadata}) for g in groups]


def table_shards(fs: Any, file: str, uri: str, size: int) -> list[Shard]:
    """Shards of one table file (`file` on `fs`, known to the shards by its URI)."""
    suffix = Path(file).suffix.lower()
    if suffix == ".parquet":
        return parquet_shards(fs, file, uri, size)
    if suffix in (".csv", ".tsv") or is_json_array(fs, file):
        return [Shard(0, "whole", uri)]  # CSV and a JSON array cannot be cut without parsing them: one shard per file
    return jsonl_shards(fs, file, uri, size)


def is_json_array(fs: Any, file: str) -> bool:
    if Path(file).suffix.lower() != ".json":
        return False
    with fs.open_input_stream(file) as handle:
        return starts_json_array(handle.read(4096))


def jsonl_shards(fs: Any, file: str, uri: str, size: int) -> list[Shard]:
    """Byte ranges of `size` valid JSON rows each, found by one pass over the file."""
    shards: list[Shard] = []
    start = offset = rows = 0
    first = line_of_start = 1
    with io.BufferedReader(fs.open_input_stream(file), 1 << 20) as handle:
        for number, raw in enumerate(handle, start=1):
            rows += is_row(raw, file, number)
            offset += len(raw)
            if rows == size:
                shards.append(Shard(0, "jsonl", uri, start, offset, first, line_of_start))
                start, first, line_of_start, rows = offset, first + rows, number + 1, 0
    if rows or not shards:
        shards.append(Shard(0, "jsonl", uri, start, -1, first, line_of_start))
    return shards


def is_row(raw: bytes, file: str, number: int) -> bool:
    """Whether a JSONL line is a record (a JSON object), as `tables.parse_line` decides."""
    try:
        text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError:
        raise MediaframeError(f"{file}: not UTF-8 (line {number}); re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8") from None
    if not text.strip():
        return False
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def parquet_shards(fs: Any, file: str, uri: str, size: int) -> list[Shard]:
    """Row ranges along row groups: small groups joined up to `size` rows, large ones cut (at most 64 cuts)."""
    import pyarrow.parquet as pq

    with fs.open_input_file(file) as handle:
        meta = pq.ParquetFile(handle).metadata
    shards: list[Shard] = []
    start = row = 0
    for group in range(meta.num_row_groups):
        rows = meta.row_group(group).num_rows
        step = max(size, -(-rows // MAX_SLICES_PER_ROW_GROUP))
        if rows > size and row > start:  # close the run of small groups before a large one
            shards.append(Shard(0, "parquet", uri, start, row, start + 1))
            start = row
        for cut in range(row + step, row + rows, step) if rows > size else ():
            shards.append(Shard(0, "parquet", uri, start, cut, start + 1))
            start = cut
        row += rows
        if row - start >= size:
            shards.append(Shard(0, "parquet", uri, start, row, start + 1))
            start = row
    if row > start or not shards:
        shards.append(Shard(0, "parquet", uri, start, row, start + 1))
    return shards


# ---------------------------------------------------------------- reading one shard (Ray tasks)


def shard_records(shard: Shard, unit: str, cfg: DataConfig, stats: Counter[str]) -> Iterator[Article | dict[str, Any]]:
    """The shard's records, read by `corpus.reading` as the single-process engine reads them: articles
    (unit article) or sentence rows with their `_number` (unit sentence)."""
    if shard.kind == "files":
        for name in shard.files:
            yield from readable_file_articles(Path(shard.path) / name, shard.meta.get(name, {}), cfg, stats)
        return
    numbered = enumerate(table_rows(shard, stats), start=shard.first)
    if unit == "sentence":
        for number, row in numbered:
            yield {**rename_columns(row, cfg.column_map), "_number": number}
        return
    yield from articles_from_rows(numbered, shard.path, cfg, stats)


def table_rows(shard: Shard, stats: Counter[str]) -> Iterator[dict[str, Any]]:
    fs, path = filesystem(shard.path)
    if shard.kind == "parquet":
        yield from parquet_rows(fs, path, shard)
    elif shard.kind == "jsonl":
        yield from jsonl_rows(fs, path, shard, stats)
    else:  # a whole CSV/TSV file or JSON array
        yield from whole_file_rows(fs, path, shard, stats)


def jsonl_rows(fs: Any, path: str, shard: Shard, stats: Counter[str]) -> Iterator[dict[str, Any]]:
    """The shard's byte range, split into lines and parsed as `corpus.reading` does."""
    with fs.open_input_file(path) as handle:
        handle.seek(shard.start)
        data = handle.read() if shard.stop < 0 else handle.read(shard.stop - shard.start)
    text = data.decode("utf-8-sig" if shard.start == 0 else "utf-8")
    for number, line in enumerate(io.StringIO(text, newline=""), start=shard.line):
        row = parse_line(line, Path(shard.path), number, stats)
        if row is not None:
            yield row


def whole_file_rows(fs: Any, path: str, shard: Shard, stats: Counter[str]) -> Iterator[dict[str, Any]]:
    with fs.open_input_file(path) as handle:
        raw = handle.read()
    encoding = text_encoding(raw[:UTF8_PROBE], Path(shard.path))  # as the single-process reader decides it
    try:
        text = raw.decode(encoding, errors="strict" if encoding == "utf-8-sig" else "replace")
    except UnicodeDecodeError as exc:
        raise MediaframeError(f"{path}: not UTF-8 past its first megabyte (byte {exc.start:,}); re-save it as UTF-8") from None
    yield from text_rows(io.StringIO(text, newline=""), Path(shard.path), stats)


def parquet_rows(fs: Any, path: str, shard: Shard) -> Iterator[dict[str, Any]]:
    """The shard's rows: the row groups it overlaps, sliced to its range."""
    import pyarrow.parquet as pq

    with fs.open_input_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        row = 0
        for group in range(parquet.metadata.num_row_groups):
            rows = parquet.metadata.row_group(group).num_rows
            if row + rows > shard.start and row < shard.stop:
                table = parquet.read_row_group(group)
                lo, hi = max(shard.start - row, 0), min(shard.stop - row, rows)
                yield from table.slice(lo, hi - lo).to_pylist()
            row += rows
