"""The news model that ships with mediaframe, found by name.

`pip install mediaframe` installs a trained model folder as package data
(mediaframe/resources/models/news: half-precision safetensors, tokenizer, metadata, card and
SHIPPED.json with its digest and the recipe that made it). Every command and the Python API take
its name, `news`, wherever they take a model folder; `scripts/ship_model.py` (run by `make model`)
writes it from a trained student.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError

SHIPPED_NAME = "news"
SHIPPED_FILE = "SHIPPED.json"  # name, weights digest, size, recipe (commit and command), held-out figures


def shipped_folder() -> Path:
    """The installed news model's folder (it may be missing in a checkout that has not run `make model`)."""
    return Path(str(resources.files("mediaframe") / "resources" / "models" / SHIPPED_NAME))


def model_path(model: str | Path) -> Path:
    """A model folder from what a user typed: `news` (the shipped model) unless a folder of that name exists here.

    Raises:
        MediaframeError: `news` asked for where this installation has no shipped model.
    """
    path = Path(model)
    if str(model) != SHIPPED_NAME or path.exists():
        return path
    folder = shipped_folder()
    if not (folder / SHIPPED_FILE).is_file():
        raise MediaframeError(f"no shipped model in this installation (expected {folder}); build it with `make model` "
                              "in a checkout, or pass a model folder")
    return folder


def shipped_record(folder: Path | None = None) -> dict[str, Any]:
    """The shipped model's SHIPPED.json."""
    return json.loads(((folder or shipped_folder()) / SHIPPED_FILE).read_text(encoding="utf-8"))


def weights_sha256(folder: Path) -> str:
    """SHA-256 of a model folder's weights file, as SHIPPED.json records it."""
    with open(folder / "model.safetensors", "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
