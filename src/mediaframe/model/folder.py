"""A model folder as scoring reads it, without torch or transformers: metadata, tokenizer, weights digest.

A folder written by `modeling.save_model` holds mediaframe.json (labels, input settings),
model.safetensors, the encoder's config.json and the tokenizer (tokenizer.json and
tokenizer_config.json). Scoring with a compiled runtime needs only what this module reads,
so `mediaframe predict` starts without importing torch where the compiled model is cached.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError
from mediaframe.records import TASKS

FORMAT = "mediaframe-model"
FORMAT_VERSION = 1
META_FILE = "mediaframe.json"
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
CONFIG_FILE = "config.json"  # the encoder's architecture
MARK_OPEN, MARK_CLOSE = "<<", ">>"
PAIR_MODES = ("pair", "marked_pair")


def reads_context(meta: dict[str, Any]) -> bool:
    """Whether a model reads each sentence's context as its second segment (model.context "before")."""
    return meta.get("context", "none") == "before"


@dataclass(frozen=True)
class ModelFolder:
    """What scoring needs of a model: its metadata, its fast tokenizer and the id of padding."""

    meta: dict[str, Any]
    tokenizer: Any  # a tokenizers.Tokenizer that truncates at max_length and does not pad; None: a slow tokenizer
    pad_id: int
    path: Path | None = None  # None for a model held in memory only

    def labels(self, task: str) -> list[str]:
        return list(self.meta["labels"][task])


def read_folder(path: Path) -> ModelFolder:
    """The metadata and fast tokenizer of a model folder (no weights are loaded; tokenizer None without tokenizer.json).

    Raises:
        MediaframeError: not a mediaframe model folder.
    """
    from tokenizers import Tokenizer

    meta = read_meta(path)
    settings = read_tokenizer_config(path)
    if not (path / TOKENIZER_FILE).is_file():
        return ModelFolder(meta, None, 0, path)
    tokenizer = scoring_tokenizer(Tokenizer.from_file(str(path / TOKENIZER_FILE)), meta, settings.get("truncation_side", "right"))
    pad = settings.get("pad_token")
    pad = pad.get("content") if isinstance(pad, dict) else pad
    pad_id = tokenizer.token_to_id(pad) if isinstance(pad, str) else None
    return ModelFolder(meta, tokenizer, pad_id or 0, path)


def loaded_folder(loaded: Any) -> ModelFolder:
    """The scoring view of a model held in memory (modeling.LoadedModel): its metadata and fast tokenizer."""
    backend = getattr(loaded.tokenizer, "backend_tokenizer", None)
    tokenizer = scoring_tokenizer(backend, loaded.meta, getattr(loaded.tokenizer, "truncation_side", "right")) if backend else None
    return ModelFolder(loaded.meta, tokenizer, loaded.tokenizer.pad_token_id or 0)


def read_tokenizer_config(path: Path) -> dict[str, Any]:
    try:
        settings = json.loads((path / TOKENIZER_CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return settings if isinstance(settings, dict) else {}


def scoring_tokenizer(backend: Any, meta: dict[str, Any], truncation_side: str = "right") -> Any:
    """A private copy of a fast tokenizer set to truncate as `modeling.encode` does, without padding."""
    backend = copy.deepcopy(backend)
    pair = meta["target_mode"] in PAIR_MODES
    backend.no_padding()
    backend.enable_truncation(meta["max_length"], strategy="only_first" if pair else "longest_first", direction=truncation_side)
    return backend


def read_meta(path: Path) -> dict[str, Any]:
    """Read and check mediaframe.json of a model folder.

    Raises:
        MediaframeError: the folder is missing or is not a mediaframe model folder.
    """
    meta_file = path / META_FILE
    if not path.is_dir():
        raise MediaframeError(f"model folder {path} not found; train one with `mediaframe train` or pass its path")
    if not meta_file.is_file() or not (path / WEIGHTS_FILE).is_file():
        raise MediaframeError(
            f"{path} is not a mediaframe model folder: expected {META_FILE} and {WEIGHTS_FILE}; "
            f"found {sorted(p.name for p in path.iterdir())[:8]}; pass a folder written by `mediaframe train`"
        )
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MediaframeError(f"{meta_file} is not valid JSON; the model folder is damaged: retrain or restore it") from None
    if meta.get("format") != FORMAT or set(meta.get("labels", {})) != set(TASKS):
        raise MediaframeError(f"{meta_file}: expected format {FORMAT!r} with labels for {', '.join(TASKS)}; found another file")
    return meta


def weights_digest(path: Path) -> str:
    """SHA-256 of the folder's weights file (the model's identity for caches), computed once per file version."""
    weights = path / WEIGHTS_FILE
    stat = weights.stat()
    return _digest(str(weights.resolve()), stat.st_size, stat.st_mtime_ns)


@cache
def _digest(weights: str, size: int, mtime_ns: int) -> str:
    with open(weights, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def mark_mentions(text: str, mentions: Sequence[Mapping[str, Any]]) -> str:
    """Wrap each mention span in << >> (spans are character offsets into `text`)."""
    for mention in sorted(mentions, key=lambda m: m["start"], reverse=True):
        start, end = int(mention["start"]), int(mention["end"])
        text = f"{text[:start]}{MARK_OPEN} {text[start:end]} {MARK_CLOSE}{text[end:]}"
    return text
