"""Files of the Ray engine: locations, shard files, the manifest, and the merge into one output.

Locations are local paths or URIs of any filesystem pyarrow opens (s3://, gs://, hdfs://,
file://). A shard file is named from its shard id and written whole or not at all: locally
to a temporary name that is then renamed over the final one, in object storage as one
upload that becomes visible when it completes. A retried or repeated shard therefore
replaces its file instead of adding rows. `_manifest.json` beside the shards lists them
with their row counts, the model and the input fingerprint.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError

MANIFEST = "_manifest.json"  # a leading _ keeps Parquet dataset readers (pandas, pyarrow, Spark) off it
SHARD_FILE = re.compile(r"^part-(\d{5,})\.(parquet|jsonl)$")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):/+")
COLLAPSED_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):/(?!/)")  # Path("s3://b/k") prints as "s3:/b/k"


# ---------------------------------------------------------------- locations


def uri_of(path: Path | str) -> str:
    """The location as text, with a URI scheme that `pathlib.Path` collapsed restored (s3:/b/k -> s3://b/k)."""
    text = str(path)
    match = COLLAPSED_SCHEME.match(text)
    if match is None:
        return text
    scheme, rest = match.group(1).lower(), text[match.end() :]
    return f"file:///{rest}" if scheme == "file" else f"{scheme}://{rest}"


def is_uri(location: str) -> bool:
    """Whether a location names its filesystem (s3://, gs://, file://, ...) rather than being a plain path."""
    return SCHEME.match(location) is not None


def is_local(uri: str) -> bool:
    match = SCHEME.match(uri)
    return match is None or match.group(1).lower() == "file"


def filesystem(uri: str) -> tuple[Any, str]:
    """The pyarrow filesystem of a location and the path on it.

    Raises:
        MediaframeError: a URI whose filesystem pyarrow cannot open (unknown scheme, missing credentials).
    """
    from pyarrow import fs

    if SCHEME.match(uri) is None:
        return fs.LocalFileSystem(), str(Path(uri).resolve())
    try:
        return fs.FileSystem.from_uri(uri)
    except (ValueError, OSError) as exc:
        raise MediaframeError(
            f"cannot open {uri} ({str(exc).splitlines()[0]}); use a local path or an s3://, gs://, hdfs:// URI "
            "with credentials set in the environment"
        ) from None


def uri_like(path: str, like: str) -> str:
    """A filesystem path as a location of the same kind as `like` (scheme put back for object storage)."""
    match = SCHEME.match(like)
    if match is None:
        return path
    scheme = match.group(1).lower()
    return f"file://{path}" if scheme == "file" else f"{scheme}://{path.lstrip('/')}"


def join(folder: str, name: str) -> str:
    return f"{folder.rstrip('/')}/{name}"


def fingerprint(uri: str) -> str:
    """Names, sizes and modification times of the input (every file of a folder): resume checks it is unchanged."""
    from pyarrow.fs import FileSelector, FileType

    from mediaframe.predict.files import fingerprint_of

    fs, path = filesystem(uri)
    info = fs.get_file_info(path)
    infos = fs.get_file_info(FileSelector(path)) if info.type == FileType.Directory else [info]
    files = sorted((i for i in infos if i.type == FileType.File), key=lambda i: i.path)
    return fingerprint_of((Path(item.path).name, item.size, item.mtime_ns) for item in files)


# ---------------------------------------------------------------- shard files


def shard_name(shard_id: int, fmt: str) -> str:
    return f"part-{shard_id:05d}.{fmt}"


def encode_rows(rows: list[dict[str, Any]], fmt: str) -> bytes:
    """Prediction rows as JSONL bytes (as the single-process engine writes them) or a Parquet file."""
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode("utf-8")
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buffer)
    return buffer.getvalue()


def write_file(uri: str, data: bytes) -> None:
    """Write a whole file so that readers see the old version or the new one, never a part."""
    fs, path = filesystem(uri)
    if not is_local(uri):
        with fs.open_output_stream(path) as out:  # an object appears only when its upload completes
            out.write(data)
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.{socket.gethostname()}-{os.getpid()}.tmp")
    with open(temp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, target)


def write_shard(rows: list[dict[str, Any]], folder: str, shard_id: int, fmt: str) -> str:
    """Write one shard's prediction rows; a repeated write of the same shard replaces the file. Returns its name."""
    name = shard_name(shard_id, fmt)
    write_file(join(folder, name), encode_rows(rows, fmt))
    return name


def finished_shards(folder: str) -> dict[int, str]:
    """Shard id -> file name of every complete shard file in the folder."""
    from pyarrow.fs import FileSelector, FileType

    fs, path = filesystem(folder)
    if fs.get_file_info(path).type != FileType.Directory:
        return {}
    names = (Path(i.path).name for i in fs.get_file_info(FileSelector(path)) if i.type == FileType.File)
    return {int(m.group(1)): m.group(0) for m in map(SHARD_FILE.match, names) if m}


def shard_rows(folder: str, name: str) -> int:
    """Rows in a shard file (from the Parquet footer, or the JSONL line count)."""
    fs, path = filesystem(join(folder, name))
    with fs.open_input_file(path) as handle:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            return pq.ParquetFile(handle).metadata.num_rows
        return handle.read().count(b"\n")


def read_shard(folder: str, name: str) -> list[dict[str, Any]]:
    fs, path = filesystem(join(folder, name))
    with fs.open_input_file(path) as handle:
        if name.endswith(".parquet"):
            import pyarrow.parquet as pq

            return pq.read_table(handle).to_pylist()
        return [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line]


def remove_temporaries(folder: str) -> None:
    """Delete temporary files left by workers killed while writing."""
    from pyarrow.fs import FileSelector, FileType

    fs, path = filesystem(folder)
    if fs.get_file_info(path).type == FileType.Directory:
        for info in fs.get_file_info(FileSelector(path)):
            if Path(info.path).name.endswith(".tmp") and info.type == FileType.File:
                fs.delete_file(info.path)


def remove_shards(folder: str) -> None:
    """Delete a run's shard files, temporaries and manifest (nothing else), then the folder itself if local and empty."""
    from pyarrow.fs import FileSelector, FileType

    fs, path = filesystem(folder)
    if fs.get_file_info(path).type != FileType.Directory:
        return
    for info in fs.get_file_info(FileSelector(path)):
        name = Path(info.path).name
        if info.type == FileType.File and (SHARD_FILE.match(name) or name == MANIFEST or name.endswith(".tmp")):
            fs.delete_file(info.path)
    if is_local(folder) and not any(Path(path).iterdir()):
        Path(path).rmdir()


# ---------------------------------------------------------------- manifest


def load_manifest(folder: str) -> dict[str, Any] | None:
    from pyarrow.fs import FileType

    fs, path = filesystem(join(folder, MANIFEST))
    if fs.get_file_info(path).type != FileType.File:
        return None
    with fs.open_input_file(path) as handle:
        return json.loads(handle.read().decode("utf-8"))


def save_manifest(folder: str, manifest: dict[str, Any]) -> None:
    write_file(join(folder, MANIFEST), json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))


# ---------------------------------------------------------------- merge


def shard_chunks(folder: str, names: Iterable[str]) -> Iterator[list[dict[str, Any]]]:
    """Rows of each non-empty shard, in the given order."""
    for name in names:
        rows = read_shard(folder, name)
        if rows:
            yield rows


def merge_shards(folder: str, names: list[str], out: Path) -> None:
    """Concatenate shard files, in order, into one JSONL/CSV/Parquet output (written atomically)."""
    from mediaframe.files import atomic_output
    from mediaframe.predict.files import output_format, write_table_chunks

    fmt = output_format(out)
    if fmt == "csv" or fmt == "parquet":
        write_table_chunks(shard_chunks(folder, names), out, fmt)
        return
    with atomic_output(out, "wb") as handle:
        for name in names:
            if name.endswith(".jsonl"):
                fs, path = filesystem(join(folder, name))
                with fs.open_input_file(path) as source:
                    handle.write(source.read())
            else:
                handle.write(encode_rows(read_shard(folder, name), "jsonl"))
