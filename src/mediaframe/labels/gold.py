"""Gold files: hand-written labels keyed by sentence id and text.

A gold file is JSONL or CSV with one row per sentence: `id` ("<article_id>:<index>") and
`text` (the sentence as segmented when it was labeled) are required; `stance`,
`sentiment`, `frame`, `mentions_target`, `target` and `note` are optional, so a row may
carry only some tasks. Rows are matched to the sentences of a corpus by id, and the text
is compared too: when cleaning or segmentation changes, a row whose sentence moved or
changed is reported (stale or orphan), never silently applied to another sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediaframe.errors import MediaframeError
from mediaframe.labels.codebook import Codebook
from mediaframe.records import TASKS, GoldLabel, Sentence, cell_text
from mediaframe.tables import read_table

logger = logging.getLogger(__name__)

HEADER_SUFFIXES = frozenset({".csv", ".tsv"})
BOOL_STRINGS = {"true": True, "false": False}
SHORT = 60


@dataclass(frozen=True, slots=True)
class GoldMatch:
    """Gold rows sorted against the sentences of a corpus.

    Attributes:
        matched: rows whose id and text (up to whitespace) match a sentence, keyed by sentence id.
        stale: rows whose id exists but whose text differs from that sentence now.
        orphans: rows whose id names no sentence of the corpus.
    """

    matched: dict[str, GoldLabel] = field(default_factory=dict)
    stale: list[GoldLabel] = field(default_factory=list)
    orphans: list[GoldLabel] = field(default_factory=list)

    def summary(self) -> str:
        """One line of counts, e.g. '94 gold rows: 92 matched, 1 stale (text changed), 1 orphan (id gone)'."""
        total = len(self.matched) + len(self.stale) + len(self.orphans)
        orphan_word = "orphan" if len(self.orphans) == 1 else "orphans"
        return (
            f"{total} gold rows: {len(self.matched)} matched, {len(self.stale)} stale (text changed), "
            f"{len(self.orphans)} {orphan_word} (id gone)"
        )

# ---------------------------------------------------------------- reading


def read_gold(path: Path, codebook: Codebook) -> list[GoldLabel]:
    """Read and validate a gold file (JSONL or CSV).

    Args:
        path: the gold file.
        codebook: the label sets every present label must belong to.

    Returns:
        The rows in file order; labels a row does not carry are None.

    Raises:
        MediaframeError: a row lacks `id` or `text`, has a label outside the codebook or a
            non-boolean `mentions_target`, or repeats an id.
    """
    first_line = 2 if path.suffix.lower() in HEADER_SUFFIXES else 1
    labels: list[GoldLabel] = []
    lines: dict[str, int] = {}
    for line, row in enumerate(read_table(path), start=first_line):
        where = f"{path} line {line}"
        label = gold_from_row(row, codebook, where)
        if label.sentence_id in lines:
            raise MediaframeError(
                f"{path}: sentence id {label.sentence_id!r} appears on line {lines[label.sentence_id]} and line "
                f"{line}; expected one row per sentence; merge or delete one of them"
            )
        lines[label.sentence_id] = line
        labels.append(label)
    logger.info("%s: %d gold rows", path, len(labels))
    return labels


def gold_from_row(row: dict[str, Any], codebook: Codebook, where: str) -> GoldLabel:
    """Validate one row and turn it into a GoldLabel."""
    task_labels = {task: task_label(row, task, codebook, where) for task in TASKS}
    return GoldLabel(
        sentence_id=required_text(row, "id", where).strip(),
        text=required_text(row, "text", where),
        mentions_target=optional_bool(row.get("mentions_target"), where),
        target=optional_text(row.get("target")),
        note=optional_text(row.get("note")),
        **task_labels,
    )


def required_text(row: dict[str, Any], name: str, where: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value.strip():
        found = "no such field" if name not in row else repr(value)
        raise MediaframeError(
            f"{where}: expected a non-empty string in field '{name}'; found {found}; "
            "every gold row needs 'id' and 'text'"
        )
    return value


def task_label(row: dict[str, Any], task: str, codebook: Codebook, where: str) -> str | None:
    """The row's label for one task: None when absent, else a label the codebook has."""
    value = row.get(task)
    if not cell_text(value):
        return None
    if not isinstance(value, str):
        raise MediaframeError(
            f"{where}: field '{task}' holds {value!r}; expected one of {', '.join(codebook.labels(task))} or null"
        )
    return codebook.check_label(task, value.strip(), f"{where} field '{task}'")


def optional_bool(value: Any, where: str) -> bool | None:
    """`mentions_target`: a JSON bool, or true/false in a CSV cell; absent -> None."""
    if not cell_text(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in BOOL_STRINGS:
        return BOOL_STRINGS[value.strip().lower()]
    raise MediaframeError(f"{where}: field 'mentions_target' holds {value!r}; expected true, false or null")


def optional_text(value: Any) -> str:
    return cell_text(value)


def check_target(gold: Sequence[GoldLabel], target: str, path: Path) -> None:
    """Refuse a gold file whose rows were labeled for another target.

    Rows with an empty `target` are accepted for any target; names compare case-insensitively.

    Raises:
        MediaframeError: some row names a target other than `target`.
    """
    wanted = target.strip().casefold()
    others = sorted({g.target for g in gold if g.target and g.target.strip().casefold() != wanted})
    if others:
        count = sum(1 for g in gold if g.target and g.target.strip().casefold() != wanted)
        raise MediaframeError(
            f"{path}: gold labels are for target {', '.join(map(repr, others))} ({count} rows); expected "
            f"{target!r}; pass --target {others[0]!r} or use a gold file labeled for {target!r}"
        )

# ---------------------------------------------------------------- matching


def match_gold(sentences: Sequence[Sentence], gold: Sequence[GoldLabel]) -> GoldMatch:
    """Sort gold rows into matched, stale and orphan rows against the current sentences.

    Text is compared up to whitespace (runs collapsed, ends stripped). Each stale or orphan
    row is logged as one warning; the caller decides what to do with them.

    Args:
        sentences: the corpus's sentences as segmented now.
        gold: the gold rows (e.g. from read_gold).

    Returns:
        A GoldMatch; `matched` is keyed by sentence id.
    """
    by_id = {s.id: s for s in sentences}
    by_text = {normalize(s.text): s.id for s in sentences}
    matched: dict[str, GoldLabel] = {}
    stale: list[GoldLabel] = []
    orphans: list[GoldLabel] = []
    for row in gold:
        sentence = by_id.get(row.sentence_id)
        if sentence is None:
            orphans.append(row)
            warn_orphan(row, by_text.get(normalize(row.text)))
        elif normalize(sentence.text) != normalize(row.text):
            stale.append(row)
            warn_stale(row, sentence, by_text.get(normalize(row.text)))
        else:
            matched[row.sentence_id] = row
    result = GoldMatch(matched=matched, stale=stale, orphans=orphans)
    logger.info("%s", result.summary())
    return result


def normalize(text: str) -> str:
    """Collapse whitespace runs (newlines, tabs, no-break spaces) to one space and strip the ends."""
    return " ".join(text.split())


def shorten(text: str, limit: int = SHORT) -> str:
    text = normalize(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def moved_hint(now_at: str | None) -> str:
    return f"; its text is now sentence {now_at}" if now_at else ""


def warn_stale(row: GoldLabel, sentence: Sentence, now_at: str | None) -> None:
    logger.warning(
        "gold row %s is stale: labeled text %r, sentence now %r%s; re-check its labels and update its text",
        row.sentence_id, shorten(row.text), shorten(sentence.text), moved_hint(now_at),
    )


def warn_orphan(row: GoldLabel, now_at: str | None) -> None:
    logger.warning(
        "gold row %s is an orphan: no sentence has this id now (labeled text %r)%s; re-key or drop the row",
        row.sentence_id, shorten(row.text), moved_hint(now_at),
    )
