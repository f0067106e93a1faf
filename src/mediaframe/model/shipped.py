"""The news model that ships with mediaframe, found by name.

`pip install mediaframe` installs two trained model folders as package data, each with half-precision
safetensors, tokenizer, metadata, card and SHIPPED.json (its digest and the recipe that made it):
- `news` (mediaframe/resources/models/news): the distilled three-layer student, the model that scores;
- `news-teacher`: the six-layer MiniLM model its layers are cut from, the base `mediaframe train` fine-tunes by
  default (with a few labels of a new domain it learns more than the student or plain MiniLM:
  docs/BENCHMARKS.md, the learning curve).
Every command and the Python API take these names wherever they take a model folder;
`scripts/ship_model.py` (run by `make model`) writes them from the trained MiniLM teacher and the
student (taught by a larger teacher that does not ship).
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError

SHIPPED_NAME = "news"  # the scoring model
TEACHER_NAME = "news-teacher"  # the fine-tuning base
SHIPPED_NAMES = (SHIPPED_NAME, TEACHER_NAME)
SHIPPED_FILE = "SHIPPED.json"  # name, weights digest, size, recipe (commit and command), held-out figures


def shipped_folder(name: str = SHIPPED_NAME) -> Path:
    """The installed folder of the shipped model `name` (it may be missing in a checkout that has not run `make model`)."""
    return Path(str(resources.files("mediaframe") / "resources" / "models" / name))


def model_path(model: str | Path) -> Path:
    """A model folder from what a user typed: `news` or `news-teacher` (the shipped models) unless a folder of that
    name exists here.

    Raises:
        MediaframeError: a shipped model asked for where this installation has none.
    """
    path = Path(model)
    if str(model) not in SHIPPED_NAMES or path.exists():
        return path
    folder = shipped_folder(str(model))
    if not (folder / SHIPPED_FILE).is_file():
        raise MediaframeError(f"no shipped model {model!r} in this installation (expected {folder}); build it with "
                              "`make model` in a checkout, or pass a model folder")
    return folder


def shipped_name(path: Path) -> str | None:
    """The name of the shipped model in `path`, or None for any other folder."""
    return next((name for name in SHIPPED_NAMES if path.resolve() == shipped_folder(name).resolve()), None)


def shipped_record(folder: Path | None = None) -> dict[str, Any]:
    """The shipped model's SHIPPED.json."""
    return json.loads(((folder or shipped_folder()) / SHIPPED_FILE).read_text(encoding="utf-8"))


def weights_sha256(folder: Path) -> str:
    """SHA-256 of a model folder's weights file, as SHIPPED.json records it."""
    with open(folder / "model.safetensors", "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
