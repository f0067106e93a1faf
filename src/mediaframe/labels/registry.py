"""Every labeled source by name: what `training.extra_sources`, `distill.sources` and `mediaframe evaluate` take."""

from __future__ import annotations

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.labels.finentity import finentity_source
from mediaframe.labels.sources import LabeledSource, narrative_frames_source, newsmtsc_source, written_source


def load_source(name: str, cfg: Config) -> LabeledSource:
    """A named source: newsmtsc, narrative_frames, written, finentity, or the test sets narrative_frames_test and
    finentity_test.

    Raises:
        MediaframeError: an unknown name, or a source whose texts or labels are missing.
    """
    if name not in SOURCE_LOADERS:
        raise MediaframeError(f"unknown labeled source {name!r}; expected one of {', '.join(SOURCE_LOADERS)}")
    return SOURCE_LOADERS[name](cfg)


SOURCE_LOADERS = {
    "newsmtsc": newsmtsc_source,
    "narrative_frames": lambda cfg: narrative_frames_source(cfg, test=False),
    "narrative_frames_test": lambda cfg: narrative_frames_source(cfg, test=True),
    "written": written_source,
    "finentity": lambda cfg: finentity_source(cfg, test=False),
    "finentity_test": lambda cfg: finentity_source(cfg, test=True),
}
