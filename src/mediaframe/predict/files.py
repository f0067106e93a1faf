"""Files of `mediaframe predict`: the input checked and counted, an appended output with a progress sidecar.

Input records are streamed by `corpus.reading`, never read whole. The output is written as JSONL to
`<out>.partial.jsonl` in appended chunks; after each
chunk is flushed and synced, `<out>.progress.json` records how many input records and
output bytes are done. A run killed at any moment (SIGINT, SIGKILL) resumes by cutting
the partial file back to the recorded byte count and skipping the recorded records, so
every sentence lands exactly once. At the end the partial file becomes the output
(JSONL), or is converted chunk by chunk (CSV, Parquet).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from mediaframe.corpus.reading import is_article_file
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output, writing
from mediaframe.predict.job import check_same_run
from mediaframe.tables import TABLE_SUFFIXES, starts_json_array

logger = logging.getLogger(__name__)

OUTPUT_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
JSON_COLUMNS = ("stance_probs", "sentiment_probs", "frame_probs")
JSONL_OPTIONS = orjson.OPT_APPEND_NEWLINE | orjson.OPT_SERIALIZE_NUMPY


# ---------------------------------------------------------------- input


def check_input(path: Path) -> None:
    """Refuse a missing or empty input with one clear line.

    Raises:
        MediaframeError: the path does not exist, or is an empty file.
    """
    if not path.exists():
        raise MediaframeError(f"input {path} not found; pass a folder of articles, or a JSONL/CSV/Parquet file")
    if path.is_file() and path.stat().st_size == 0:
        raise MediaframeError(f"input {path} is empty; expected articles or sentence rows with a 'text' field")


def count_records(path: Path, unit: str) -> int | None:
    """How many records the input holds, where that is cheap to know (for the progress bar's ETA)."""
    if path.is_dir():
        files = [p for p in path.iterdir() if p.is_file() and is_article_file(p)]
        return None if any(p.suffix.lower() in TABLE_SUFFIXES for p in files) else len(files) or None
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if suffix == ".jsonl" or (suffix == ".json" and not is_json_array(path)):
        with open(path, "rb") as handle:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")) or 1
    return None if suffix in TABLE_SUFFIXES else 1


def is_json_array(path: Path) -> bool:
    with open(path, "rb") as handle:
        return starts_json_array(handle.read(4096))


def input_fingerprint(path: Path) -> str:
    """Size and modification time of the input (of every file in a folder), to check a resume is the same run."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return fingerprint_of((file.name, file.stat().st_size, file.stat().st_mtime_ns) for file in files)


def fingerprint_of(files: Iterable[tuple[str, int, int]]) -> str:
    """The one fingerprint of an input, local or in object storage: its files' (name, size, mtime_ns), in order."""
    digest = hashlib.sha256()
    for name, size, mtime_ns in files:
        digest.update(f"{name}\0{size}\0{mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


# ---------------------------------------------------------------- output


def output_format(out: Path) -> str:
    fmt = OUTPUT_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise MediaframeError(f"--out {out}: expected a .jsonl, .csv or .parquet file name; found {out.suffix or 'none'}")
    return fmt


def partial_paths(out: Path) -> tuple[Path, Path]:
    """The appended JSONL being written and its progress sidecar."""
    return out.with_name(out.name + ".partial.jsonl"), out.with_name(out.name + ".progress.json")


@dataclass
class Progress:
    """What the partial output holds: input records done, rows and bytes written."""

    records: int = 0
    rows: int = 0
    bytes: int = 0


class PartialWriter:
    """Appends JSONL chunks to the partial file and records progress after each one."""

    def __init__(self, out: Path, run: dict[str, Any], resume: bool) -> None:
        self.partial, self.sidecar = partial_paths(out)
        self.run = run
        self.progress = self.resume_state() if resume else Progress()
        with writing(self.partial):
            if not resume:
                self.partial.parent.mkdir(parents=True, exist_ok=True)
                self.partial.write_bytes(b"")
                self.save()
            self.handle: IO[bytes] = open(self.partial, "r+b")  # noqa: SIM115 (closed in close())
            self.handle.truncate(self.progress.bytes)  # drops a chunk cut short by a kill or a full disk
            self.handle.seek(self.progress.bytes)

    def resume_state(self) -> Progress:
        if not self.partial.is_file() or not self.sidecar.is_file():
            raise MediaframeError(
                f"--resume: no unfinished run found ({self.partial.name} and {self.sidecar.name} beside the output); "
                "run without --resume to start"
            )
        saved = json.loads(self.sidecar.read_text(encoding="utf-8"))
        check_same_run(saved.get("run") or {}, self.run, str(self.sidecar))
        state = Progress(saved["records"], saved["rows"], saved["bytes"])
        if self.partial.stat().st_size < state.bytes:
            raise MediaframeError(f"--resume: {self.partial} is shorter than its progress file says; pass --force to start over")
        return state

    def write(self, rows: list[dict[str, Any]], records: int) -> None:
        """Append rows, make them durable, then record them as done. A failed write (a full disk) leaves the
        progress as it was: the bytes after it are cut off when the run is resumed.

        Raises:
            MediaframeError: the rows or the progress could not be written.
        """
        data = jsonl_bytes(rows)
        done = self.progress
        with writing(self.partial):
            self.handle.write(data)
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.save(Progress(done.records + records, done.rows + len(rows), done.bytes + len(data)))

    def save(self, progress: Progress | None = None) -> None:
        """Record `progress` (atomically) and make it the writer's."""
        progress = progress or self.progress
        state = {"run": self.run, "records": progress.records, "rows": progress.rows, "bytes": progress.bytes}
        tmp = self.sidecar.with_name(self.sidecar.name + ".tmp")
        try:
            tmp.write_text(json.dumps(state), encoding="utf-8")
            os.replace(tmp, self.sidecar)
        except OSError:  # a full disk: the last whole progress file stays, no stray temporary beside it
            tmp.unlink(missing_ok=True)
            raise
        self.progress = progress

    def close(self) -> None:
        try:
            self.handle.close()
        except OSError:  # the flush of a write that already failed: the progress file says what is whole
            logger.debug("closing %s after a failed write", self.partial)

    def discard(self) -> None:
        """Remove the partial output and its sidecar (a run that produced nothing)."""
        self.close()
        self.partial.unlink(missing_ok=True)
        self.sidecar.unlink(missing_ok=True)


def jsonl_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows as UTF-8 JSON lines (orjson: a fifth of the json module's time per row); NumPy numbers as numbers,
    NaN as null, and values JSON has no type for (a date from a table input) as their text."""
    return b"".join(orjson.dumps(row, default=str, option=JSONL_OPTIONS) for row in rows)


def iter_partial(partial: Path, chunk_size: int = 2048) -> Iterator[list[dict[str, Any]]]:
    """Rows of a partial output, a chunk at a time."""
    with open(partial, encoding="utf-8") as handle:
        chunk: list[dict[str, Any]] = []
        for line in handle:
            chunk.append(orjson.loads(line))
            if len(chunk) >= chunk_size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def finalize(out: Path) -> None:
    """Turn the partial JSONL into the output file (converting it for CSV/Parquet), then drop the sidecar."""
    partial, sidecar = partial_paths(out)
    fmt = output_format(out)
    if fmt == "jsonl":
        with writing(out):
            os.replace(partial, out)
    else:
        write_table_chunks(iter_partial(partial), out, fmt)
        partial.unlink()
    sidecar.unlink(missing_ok=True)


def write_table_chunks(chunks: Iterable[list[dict[str, Any]]], out: Path, fmt: str) -> None:
    """Write row chunks as CSV (probability dicts as JSON strings) or Parquet, atomically."""
    import pandas as pd

    if fmt == "csv":
        with atomic_output(out) as handle:
            for number, chunk in enumerate(chunks):
                frame = pd.DataFrame(chunk)
                for column in (c for c in JSON_COLUMNS if c in frame):
                    frame[column] = [json.dumps(v, ensure_ascii=False) for v in frame[column]]
                frame.to_csv(handle, index=False, header=number == 0, lineterminator="\n")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    with atomic_output(out, "wb") as handle:
        writer = None
        for chunk in chunks:
            table = pa.Table.from_pylist(chunk, schema=writer.schema if writer else None)
            writer = writer or pq.ParquetWriter(handle, table.schema)
            writer.write_table(table)
        if writer is not None:
            writer.close()


def write_rows(rows: list[dict[str, Any]], out: Path) -> None:
    """A small table (the per-article summary) as JSONL, CSV or Parquet by extension."""
    fmt = output_format(out)
    if fmt == "jsonl":
        with atomic_output(out) as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        return
    write_table_chunks([rows] if rows else [], out, fmt)
