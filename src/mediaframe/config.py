"""One typed, frozen configuration object, read from TOML and overridable with --set."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mediaframe.errors import MediaframeError

PACKAGE_ROOT = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_ROOT.parent.parent


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(Section):
    text_field: str = Field("text", description="Column holding the article or sentence text in JSONL/CSV input.")
    column_map: dict[str, str] = Field(
        default_factory=dict,
        description="Input column -> mediaframe field, e.g. {body = 'text', source = 'outlet'}.",
    )
    max_article_chars: int = Field(2_000_000, description="Articles longer than this are refused (one clear line).")


class CleaningConfig(Section):
    enabled: bool = Field(True, description="Strip boilerplate (banners, captions, bylines, share lines, tag lists).")
    max_caption_words: int = Field(8, description="A short line without final punctuation next to a credit is a caption.")


class SegmentationConfig(Section):
    language: str = Field("en", description="Language code for the sentence segmenter (pysbd).")
    max_sentence_chars: int = Field(2000, description="Longer sentences are cut at this many characters.")


class TargetsConfig(Section):
    aliases: dict[str, list[str]] = Field(
        default_factory=dict, description="Target name -> its names (matched with possessives, case-insensitive)."
    )
    descriptors: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Target name -> descriptions ('the streamer') that count once the article has named it.",
    )
    case_sensitive_max_len: int = Field(
        5, description="All-caps aliases this short or shorter (tickers such as NFLX) match case-sensitively."
    )
    descriptor_window: int = Field(
        3, description="A descriptor counts when the article named the target this many sentences before, or fewer."
    )


class Config(BaseModel):
    """Every setting of mediaframe, one section per stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(13, description="Drives splitting, sampling and transformers.set_seed.")
    data: DataConfig = DataConfig()
    cleaning: CleaningConfig = CleaningConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    targets: TargetsConfig = TargetsConfig()


def default_config_path() -> Path:
    """configs/default.toml of the project checkout."""
    return REPO_ROOT / "configs" / "default.toml"


def parse_override_value(raw: str) -> Any:
    """Parse a --set value as JSON, falling back to the plain string."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply `section.key=value` overrides to a nested dict (a new dict is returned)."""
    merged = json.loads(json.dumps(data))
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise MediaframeError(f"expected --set section.key=value; found {item!r}; write e.g. --set training.epochs=3")
        node = merged
        *parents, leaf = key.strip().split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise MediaframeError(f"--set {key}: {part!r} is a value, not a section")
        node[leaf] = parse_override_value(raw)
    return merged


def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise MediaframeError(f"config file {path} not found; pass an existing TOML file with --config")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MediaframeError(f"config file {path} is not valid TOML: {exc}") from None


def load_config(path: Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a TOML config (default: configs/default.toml), apply dotted overrides, validate once.

    Raises:
        MediaframeError: the file is missing or invalid, or a field is unknown or of the wrong type.
    """
    data: dict[str, Any] = {}
    config_path = path or default_config_path()
    if path is not None or config_path.is_file():
        data = read_toml(config_path)
    data = apply_overrides(data, overrides or [])
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MediaframeError(f"config {config_path}: {where}: {first['msg']}") from None
