"""One typed, frozen configuration object, read from TOML and overridable with --set."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Literal

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


class LabelingConfig(Section):
    codebook: str = Field(
        "", description="Codebook TOML (labels, frames, cue lexicons); empty: configs/codebook.toml of the package."
    )
    embedding_model: str = Field(
        "", description="Sentence-embedding model (path or id) for frame similarity; empty: the bundled all-MiniLM-L6-v2."
    )
    embedding_batch_size: int = Field(64, description="Sentences per batch when embedding for frame similarity.")
    similarity_threshold: float = Field(
        0.3, description="Frame similarity vote only when the best frame's cosine similarity is at least this."
    )
    similarity_margin: float = Field(
        0.02, description="... and beats the second-best frame by at least this margin (else it abstains)."
    )
    stance_window: int = Field(
        12, description="Words on each side of a target mention that count as its clause for stance cues."
    )
    valence_threshold: float = Field(
        0.3, description="VADER compound score beyond which the valence rules vote (else they abstain)."
    )
    fit_weights: bool = Field(True, description="Fit the vote weights of the labeling functions on gold where gold exists.")


class DatasetConfig(Section):
    validation_fraction: float = Field(0.2, description="Share of articles in the validation split (grouped by article).")
    test_fraction: float = Field(0.2, description="Share of articles in the test split (grouped by article).")
    min_confidence: float = Field(
        0.0, description="Weak labels with a confidence below this are left empty (None) in the dataset."
    )


class ImportConfig(Section):
    column_map: dict[str, str] = Field(
        default_factory=dict,
        description="Labeled-table column -> field (id, article_id, index, text, target, stance, sentiment, frame, "
        "outlet, date, mention_start, mention_end), e.g. {sentence = 'text', polarity = 'stance'}.",
    )
    label_map: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Task -> raw label value -> codebook label, e.g. {stance = {'-1' = 'against', '1' = 'favor'}}.",
    )
    target: str = Field("", description="Target of every row of a labeled table that has no target column.")


class ModelConfig(Section):
    base_model: str = Field(
        "default", description="'default' (the embedded all-MiniLM-L6-v2), a Hugging Face model id or a local folder."
    )
    max_length: int = Field(128, description="Tokens per input (sentence + target); longer inputs are truncated.")
    target_mode: Literal["pair", "marked", "marked_pair", "none"] = Field(
        "pair", description="How the target reaches the encoder: text pair, marked mentions, both, or not at all."
    )
    pooling: Literal["mean", "cls"] = Field("mean", description="Sentence representation fed to the heads.")
    dropout: float = Field(0.1, description="Dropout before the classification heads.")


class ComparisonConfig(Section):
    bootstrap_samples: int = Field(2000, ge=100, description="Article-level (cluster) bootstrap resamples per group.")
    permutations: int = Field(2000, ge=100, description="Article-label permutations per pairwise test.")
    confidence: float = Field(0.95, gt=0.5, lt=1.0, description="Confidence level of the bootstrap intervals.")
    min_articles: int = Field(3, ge=1, description="Groups with fewer articles are flagged (kept, not hidden).")
    correction: Literal["holm", "fdr_bh"] = Field(
        "holm", description="Multiple-comparison correction of the pairwise p-values: Holm or Benjamini-Hochberg."
    )
    alpha: float = Field(0.05, gt=0.0, lt=1.0, description="Adjusted p-value below which a difference is significant.")


class ReportConfig(Section):
    examples_per_group: int = Field(3, ge=0, description="Most confident against and favor sentences shown per group.")
    top_frames: int = Field(8, ge=1, description="Frames drawn in the stacked bars; the rest are pooled as 'others'.")
    dpi: int = Field(110, ge=50, le=400, description="Resolution of the PNG charts.")


class Config(BaseModel):
    """Every setting of mediaframe, one section per stage."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(13, description="Drives splitting, sampling and transformers.set_seed.")
    data: DataConfig = DataConfig()
    cleaning: CleaningConfig = CleaningConfig()
    segmentation: SegmentationConfig = SegmentationConfig()
    targets: TargetsConfig = TargetsConfig()
    model: ModelConfig = ModelConfig()
    labeling: LabelingConfig = LabelingConfig()
    dataset: DatasetConfig = DatasetConfig()
    imports: ImportConfig = ImportConfig()
    comparison: ComparisonConfig = ComparisonConfig()
    report: ReportConfig = ReportConfig()


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
