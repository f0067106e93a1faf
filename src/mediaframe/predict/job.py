"""One prediction job, as both engines take it: what to score, with which model, into what."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaframe.config import Config, load_config
from mediaframe.errors import MediaframeError
from mediaframe.hardware import CpuWatch

logger = logging.getLogger(__name__)

UNITS = ("article", "sentence")


@dataclass(frozen=True, slots=True)
class PredictJob:
    """Everything a prediction run depends on; the single-process and the Ray engine read the same fields.

    Attributes:
        model: the model folder.
        source: a folder of articles, or a table of articles or sentence rows (local path or URI for Ray).
        out: the output file (.jsonl/.csv/.parquet), or a folder of shards for Ray.
        targets: the entities, for records that name none: each such sentence is scored toward each of them.
        unit: "article" (split into sentences) or "sentence" (rows scored as given).
        articles_out: where to write the per-article summary, if anywhere.
        resume: go on with an interrupted run of the same job.
        force: replace an existing output.
        cfg: the settings (predict, data, targets, distributed sections).
        device: "cpu", "cuda" or "auto".
        show_progress: a progress bar (None: when attached to a terminal).
        cpu_watch: a watch of the CPUs begun when the command started (hardware.watch_cpus), for predict.threads = 0.
    """

    model: Path
    source: Path
    out: Path
    targets: tuple[str, ...] = ()
    unit: str = "article"
    articles_out: Path | None = None
    resume: bool = False
    force: bool = False
    cfg: Config = field(default_factory=load_config)
    device: str = "cpu"
    show_progress: bool | None = None
    cpu_watch: CpuWatch | None = None  # begun when the command started: threads = 0 counts the idle cores since

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", as_targets(self.targets))  # one target given as a str counts as one
        if self.unit not in UNITS:
            raise MediaframeError(f"--unit {self.unit!r}: expected 'article' (article text) or 'sentence' (rows of sentences)")

    def identity(self) -> dict[str, Any]:
        """What a resumed run must share with the run it continues (besides the input's fingerprint and the
        scoring path): the model folder and the digest of its weights, so that a model retrained in place is
        noticed, the unit and the target(s)."""
        from mediaframe.model.folder import weights_digest

        model = str(self.model) if "://" in str(self.model) else str(self.model.resolve())
        return {"model": model, "model_digest": weights_digest(self.model), "unit": self.unit,
                "target": self.targets[0] if len(self.targets) == 1 else list(self.targets) or ""}


def resume_action(*, finished: bool, unfinished: bool, resume: bool, force: bool, where: str) -> str:
    """What to do with an output that may exist: "start" (afresh), "resume" (the unfinished run) or "skip"
    (--resume of a run that finished). One rule for both engines.

    Raises:
        MediaframeError: an output or unfinished run exists without --resume/--force, or --resume with nothing to resume.
    """
    if force:
        return "start"
    if resume:
        if finished:
            logger.info("%s is complete; nothing to resume", where)
            return "skip"
        if not unfinished:
            raise MediaframeError(f"--resume: no unfinished run found at {where}; run without --resume to start")
        return "resume"
    if unfinished:
        raise MediaframeError(f"an unfinished run exists ({where}); pass --resume to go on or --force to start over")
    if finished:
        raise MediaframeError(f"{where} exists; pass --force to overwrite it or choose another --out")
    return "start"


def check_same_run(saved: dict[str, Any], run: dict[str, Any], where: str) -> None:
    """Refuse to resume a run whose identity differs from the saved one, naming what differs.

    Raises:
        MediaframeError: the model (or its weights), input, target, unit or scoring path differ.
    """
    differ = sorted(key for key in saved.keys() | run.keys() if saved.get(key) != run.get(key))
    if not differ:
        return
    why = "the model's weights changed since (retrained or replaced in place)" if "model_digest" in differ else \
        f"{', '.join(differ)} differ"
    raise MediaframeError(f"--resume: {where} belongs to another run: {why}; repeat the same command with the same "
                          "model and settings, or pass --force to start over")


def job_of(model: Path, source: Path, out: Path, target: str | Sequence[str] = "", cfg: Config | None = None,
           **options: Any) -> PredictJob:
    """A job from keyword options (`target`: one or several, `unit`, `resume`, ...; see PredictJob); `cfg` defaults
    to the default file."""
    return PredictJob(model, source, out, as_targets(target), cfg=cfg or load_config(), **options)


def as_targets(target: str | Sequence[str]) -> tuple[str, ...]:
    """One target or several as a tuple without blanks or repeats."""
    given = [target] if isinstance(target, str) else list(target)
    return tuple(dict.fromkeys(t.strip() for t in given if t.strip()))
