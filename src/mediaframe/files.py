"""Data files: decoding text, writing atomically and staging folders.

Every stage reads and writes through these helpers; tables are read by `tables`, articles by `corpus.reading`.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from charset_normalizer import from_bytes

from mediaframe.errors import MediaframeError

logger = logging.getLogger(__name__)

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
    return raw.decode(text_encoding(raw, path), errors="replace").lstrip("\ufeff")


def text_encoding(head: bytes, path: Path) -> str:
    """The encoding of a text file from its first bytes (or all of them): a UTF-16/32 byte-order mark, UTF-8,
    else charset detection (with a warning). The one probe of every reader, whole files and streamed tables.

    Raises:
        MediaframeError: the bytes are empty, binary, or in no detectable text encoding.
    """
    if not head.strip():
        raise MediaframeError(f"{path}: file is empty; expected text; fill it or remove it")
    for bom, encoding in BOMS:
        if head.startswith(bom):
            return encoding
    if b"\x00" in head[:8192]:
        raise MediaframeError(f"{path}: file is binary (NUL bytes); expected UTF-8 text; remove it or export it as text")
    if is_utf8_start(head):
        return "utf-8-sig"
    detected = detect_encoding(head)
    if detected is None:
        raise MediaframeError(f"{path}: not UTF-8 and no text encoding could be detected; re-save it as UTF-8")
    logger.warning("%s: not UTF-8; decoded as %s (re-save it as UTF-8 to silence this)", path, detected)
    return detected


def is_utf8_start(head: bytes) -> bool:
    """Whether the bytes begin UTF-8 text (a character cut at the end of a probe allowed)."""
    for cut in range(4):
        try:
            head[: len(head) - cut].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


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


# ---------------------------------------------------------------- writing


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OS error while writing `path` (a full disk, no permission, a file where a folder should be)
    into one line that says what failed, where, and how to fix it."""
    try:
        yield
    except OSError as exc:
        raise MediaframeError(f"could not write {path}: {exc.strerror or type(exc).__name__}; free space on that "
                              "disk, check that its folder can be written, or choose another output path") from exc


@contextmanager
def atomic_output(path: Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Write to a temporary file beside `path` and rename it into place only on success.

    On any error the temporary file is removed and an existing `path` is left as it was; an OS error
    (a full disk, say) is a MediaframeError naming `path`.
    The finished file gets the usual permissions (0666 less the umask), not the 0600 of a temp file.
    """
    with writing(path):
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
    On failure the staging folder is removed and `out` is left as it was; an OS error (a full disk, say)
    is a MediaframeError naming `out`.
    """
    with writing(out):
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


def user_cache_dir() -> Path | None:
    """$XDG_CACHE_HOME/mediaframe (~/.cache/mediaframe by default); None where there is no home."""
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except RuntimeError:
        return None
    return Path(base) / "mediaframe"


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
