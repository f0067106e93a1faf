"""One prediction job, as both engines take it: what to score, with which model, into what."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaframe.config import Config, load_config
from mediaframe.errors import MediaframeError

UNITS = ("article", "sentence")


@dataclass(frozen=True, slots=True)
class PredictJob:
    """Everything a prediction run depends on; the single-process and the Ray engine read the same fields.

    Attributes:
        model: the model folder.
        source: a folder of articles, or a table of articles or sentence rows (local path or URI for Ray).
        out: the output file (.jsonl/.csv/.parquet), or a folder of shards for Ray.
        target: the entity, for records that name none.
        unit: "article" (split into sentences) or "sentence" (rows scored as given).
        articles_out: where to write the per-article summary, if anywhere.
        resume: go on with an interrupted run of the same job.
        force: replace an existing output.
        cfg: the settings (predict, data, targets, distributed sections).
        device: "cpu", "cuda" or "auto".
        show_progress: a progress bar (None: when attached to a terminal).
    """

    model: Path
    source: Path
    out: Path
    target: str = ""
    unit: str = "article"
    articles_out: Path | None = None
    resume: bool = False
    force: bool = False
    cfg: Config = field(default_factory=load_config)
    device: str = "cpu"
    show_progress: bool | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise MediaframeError(f"--unit {self.unit!r}: expected 'article' (article text) or 'sentence' (rows of sentences)")

    def identity(self) -> dict[str, Any]:
        """What a resumed run must share with the run it continues (besides the input's fingerprint)."""
        return {"model": str(self.model.resolve()), "unit": self.unit, "target": self.target}


def job_of(model: Path, source: Path, out: Path, cfg: Config | None = None, **options: Any) -> PredictJob:
    """A job from keyword options (`target`, `unit`, `resume`, ...; see PredictJob); `cfg` defaults to the default file."""
    return PredictJob(model, source, out, cfg=cfg or load_config(), **options)
