"""Several targets for one run: `--target` given more than once, or a targets file with each target's other names.

A targets file is JSON lines (or a JSON array), one object per target:
`{"target": "SAG-AFTRA", "aliases": ["the actors' union", "the guild"], "descriptors": ["the union"]}`.
Aliases always count as mentions; descriptors count once the article has named the target
(`targets.aliases` and `targets.descriptors` of the config, which a file's entries extend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.records import cell_text
from mediaframe.tables import read_table

NAME_LISTS = ("aliases", "descriptors")


def read_target_list(path: Path) -> list[dict[str, Any]]:
    """The entries of a targets file, checked: each has a target, and its name lists are lists of text.

    Raises:
        MediaframeError: an unreadable file, a bad line, an entry without a target, a name list that is not a list.
    """
    entries = read_table(path)
    if not entries:
        raise MediaframeError(f"--targets {path}: no target in it; expected one JSON object per line with a 'target'")
    for number, entry in enumerate(entries, start=1):
        if not cell_text(entry.get("target")):
            raise MediaframeError(f"--targets {path} entry {number}: no 'target'; expected "
                                  '{"target": "SAG-AFTRA", "aliases": ["the actors\' union"]}')
        for key in NAME_LISTS:
            names = entry.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise MediaframeError(f"--targets {path} entry {number}: '{key}' must be a list of names; found {names!r}")
    return entries


def with_targets(cfg: Config, given: Sequence[str], path: Path | None) -> tuple[tuple[str, ...], Config]:
    """The run's targets (those given, then the file's, each once) and the config with the file's names added.

    Raises:
        MediaframeError: a bad targets file (see `read_target_list`).
    """
    entries = read_target_list(path) if path else []
    names = dict.fromkeys([t.strip() for t in given if t.strip()] + [cell_text(e["target"]) for e in entries])
    if not entries:
        return tuple(names), cfg
    tables = {key: {k: list(v) for k, v in getattr(cfg.targets, key).items()} for key in NAME_LISTS}
    for entry in entries:
        target = cell_text(entry["target"])
        tables["aliases"][target] = list(dict.fromkeys([target, *tables["aliases"].get(target, []), *entry.get("aliases", [])]))
        if entry.get("descriptors"):
            tables["descriptors"][target] = list(dict.fromkeys([*tables["descriptors"].get(target, []), *entry["descriptors"]]))
    return tuple(names), cfg.model_copy(update={"targets": cfg.targets.model_copy(update=tables)})
