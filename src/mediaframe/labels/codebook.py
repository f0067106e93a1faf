"""The codebook: the label sets of the three tasks and the weak labeler's lexicons, from a TOML file under configs/.

Besides the labels, a codebook carries what the labeling functions read: stance cue words per
direction, negation, sarcasm and critic markers, news-specific valence entries for VADER, and
per frame a description, examples and keywords. A user replaces the file to bring their own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaframe.config import RESOURCES, LabelingConfig
from mediaframe.errors import MediaframeError
from mediaframe.records import TASKS

DEFAULT_CODEBOOK = Path(str(RESOURCES / "codebook.toml"))  # package data; configs/codebook.toml links to it


@dataclass(frozen=True, slots=True)
class FrameSpec:
    key: str
    description: str
    examples: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Lexicons:
    """Word lists of the labeling functions (all lower case; phrases allowed; a trailing '*' matches a prefix)."""

    stance_cues: dict[str, tuple[str, ...]]  # stance label -> cue words/phrases pointing that way
    negation: tuple[str, ...] = ()
    sarcasm: tuple[str, ...] = ()
    critics: tuple[str, ...] = ()
    valence: dict[str, float] = field(default_factory=dict)  # news term -> VADER valence (-4..4)


@dataclass(frozen=True, slots=True)
class Codebook:
    """Label names per task, in a fixed order (the order of the model's output units)."""

    name: str
    stance: tuple[str, ...]
    sentiment: tuple[str, ...]
    frames: tuple[FrameSpec, ...]
    raw: dict[str, Any]

    @property
    def lexicons(self) -> Lexicons:
        """The weak labeler's word lists (empty where the codebook has none)."""
        return lexicons_from_dict(self.raw.get("lexicons") or {})

    @property
    def frame(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.frames)

    def labels(self, task: str) -> tuple[str, ...]:
        """The label names of one task ('stance', 'sentiment' or 'frame')."""
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}")
        return getattr(self, task)

    def check_label(self, task: str, label: str, where: str) -> str:
        """Return the label if the codebook has it; otherwise raise naming the allowed ones."""
        allowed = self.labels(task)
        if label not in allowed:
            raise MediaframeError(
                f"{where}: {task} label {label!r} is not in the codebook {self.name!r}; expected one of {', '.join(allowed)}"
            )
        return label


def load_codebook(path: Path | None = None) -> Codebook:
    """Read a codebook TOML (default: configs/codebook.toml).

    Raises:
        MediaframeError: the file is missing, not TOML, or lacks a label set.
    """
    path = path or DEFAULT_CODEBOOK
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MediaframeError(f"codebook {path} not found; pass an existing codebook TOML") from None
    except tomllib.TOMLDecodeError as exc:
        raise MediaframeError(f"codebook {path} is not valid TOML: {exc}") from None
    return codebook_from_dict(raw, str(path))


def codebook_from_dict(raw: dict[str, Any], where: str) -> Codebook:
    """Build a Codebook from its parsed TOML (also used for the copy saved in model folders)."""
    frames = raw.get("frames")
    if not isinstance(frames, dict) or not frames:
        raise MediaframeError(f"codebook {where}: expected a [frames.<key>] table per frame; found none")
    for task in ("stance", "sentiment"):
        if len(raw.get(task) or []) < 2:
            raise MediaframeError(f"codebook {where}: expected a list of at least two {task} labels")
    return Codebook(
        name=str(raw.get("name", Path(where).stem)),
        stance=tuple(raw["stance"]),
        sentiment=tuple(raw["sentiment"]),
        frames=tuple(
            FrameSpec(
                key,
                str(spec.get("description", "")),
                tuple(spec.get("examples", ())),
                tuple(str(k).lower() for k in spec.get("keywords", ())),
            )
            for key, spec in frames.items()
        ),
        raw=raw,
    )


def lexicons_from_dict(raw: dict[str, Any]) -> Lexicons:
    """Build the Lexicons from a codebook's [lexicons] table."""
    stance = raw.get("stance") or {}
    markers = raw.get("markers") or {}

    def words(values: Any) -> tuple[str, ...]:
        return tuple(str(v).lower() for v in values or ())

    return Lexicons(
        stance_cues={label: words(cues) for label, cues in stance.items()},
        negation=words(markers.get("negation")),
        sarcasm=words(markers.get("sarcasm")),
        critics=words(markers.get("critics")),
        valence={str(k).lower(): float(v) for k, v in (raw.get("valence") or {}).items()},
    )


def resolve_codebook_path(name: str) -> Path:
    """A codebook path from the config: '' is the packaged default; other paths are taken as given."""
    if not name:
        return DEFAULT_CODEBOOK
    return Path(name)


def codebook_for(cfg: LabelingConfig) -> Codebook:
    """The codebook named by `labeling.codebook` (default: configs/codebook.toml)."""
    return load_codebook(resolve_codebook_path(cfg.codebook))
