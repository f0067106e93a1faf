"""One typed, frozen configuration object, read from TOML and overridable with --set.

`Config` gathers the stage sections of `config_sections` (re-exported here, so that every stage
imports its section from this module); `load_config` reads a TOML file, applies the dotted
`--set` overrides and validates once; `config_toml` writes a resolved Config back as TOML.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mediaframe.config_sections import (
    CleaningConfig,
    ComparisonConfig,
    DataConfig,
    DatasetConfig,
    DistillConfig,
    DistributedConfig,
    EvaluationConfig,
    ImportConfig,
    LabelingConfig,
    ModelConfig,
    PredictConfig,
    ReportConfig,
    SegmentationConfig,
    SourcesConfig,
    TargetsConfig,
    TrainingConfig,
)
from mediaframe.errors import MediaframeError

__all__ = ["RESOURCES", "CleaningConfig", "ComparisonConfig", "Config", "DataConfig", "DatasetConfig",
           "DistillConfig", "DistributedConfig", "EvaluationConfig", "ImportConfig", "LabelingConfig", "ModelConfig", "PredictConfig",
           "ReportConfig", "SegmentationConfig", "SourcesConfig", "TargetsConfig", "TrainingConfig",
           "apply_overrides", "config_toml", "default_config_path", "load_config", "parse_override_value",
           "read_toml", "toml_value"]

RESOURCES = resources.files("mediaframe") / "resources"  # package data: default.toml, codebook.toml


class Config(BaseModel):
    """Every setting of mediaframe, one section per stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(13, description="Drives splitting, sampling and transformers.set_seed.")
    data: DataConfig = DataConfig()
    cleaning: CleaningConfig = CleaningConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    targets: TargetsConfig = TargetsConfig()
    sources: SourcesConfig = SourcesConfig()
    model: ModelConfig = ModelConfig()
    training: TrainingConfig = TrainingConfig()
    labeling: LabelingConfig = LabelingConfig()
    dataset: DatasetConfig = DatasetConfig()
    imports: ImportConfig = ImportConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    comparison: ComparisonConfig = ComparisonConfig()
    report: ReportConfig = ReportConfig()
    predict: PredictConfig = PredictConfig()
    distributed: DistributedConfig = DistributedConfig()
    distill: DistillConfig = DistillConfig()


def default_config_path() -> Path:
    """The packaged default.toml (configs/default.toml in the checkout links to it)."""
    return Path(str(RESOURCES / "default.toml"))


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


# Fields that name files or folders: in a config file given with --config, a relative one resolves against
# that file's folder; in the packaged default and in --set overrides, against the working folder.
UNLEARNED_TRAINING_KEYS = ("device", "show_progress", "transfer_cache", "checkpoints")  # where a run goes, not what it learns
PATH_FIELDS = (("sources", "benchmarks"), ("sources", "labels"), ("sources", "written"), ("labeling", "codebook"))


def load_config(path: Path | None = None, overrides: list[str] | None = None) -> Config:
    """Read a TOML config (default: configs/default.toml), apply dotted overrides, validate once.

    Relative paths in a config file given as `path` resolve against the file's folder (PATH_FIELDS).

    Raises:
        MediaframeError: the file is missing or invalid, or a field is unknown or of the wrong type.
    """
    data: dict[str, Any] = {}
    config_path = path or default_config_path()
    if path is not None or config_path.is_file():
        data = read_toml(config_path)
    if path is not None and path.resolve() != default_config_path().resolve():
        data = paths_beside(data, path.absolute().parent)
    data = apply_overrides(data, overrides or [])
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MediaframeError(f"config {config_path}: {where}: {first['msg']}") from None


def paths_beside(data: dict[str, Any], folder: Path) -> dict[str, Any]:
    """`data` with its relative PATH_FIELDS values made relative to `folder` (empty values and URIs stay)."""
    for section, key in PATH_FIELDS:
        value = data.get(section, {}).get(key) if isinstance(data.get(section), dict) else None
        if isinstance(value, str) and value and "://" not in value and not Path(value).is_absolute():
            data[section][key] = str(folder / value)
    return data


def toml_value(value: Any) -> str:
    """One value in TOML syntax (strings JSON-escaped, which TOML basic strings accept)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def config_toml(cfg: Config) -> str:
    """The resolved config as TOML text that `load_config` reads back to the same settings (None values left out);
    its paths (PATH_FIELDS) absolute, as they were resolved when it was written."""
    data = paths_beside(cfg.model_dump(mode="json", exclude_none=True), Path.cwd())
    top = [f"{key} = {toml_value(value)}" for key, value in data.items() if not isinstance(value, dict)]
    sections = [
        "\n".join([f"[{name}]", *(f"{key} = {toml_value(value)}" for key, value in body.items())])
        for name, body in data.items()
        if isinstance(body, dict)
    ]
    return "\n\n".join(["\n".join(top), *sections]) + "\n"
