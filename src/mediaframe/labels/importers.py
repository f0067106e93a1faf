"""Labeled data from other forms -> rows of the built-dataset shape (docs/FORMATS.md, "The built dataset").

Two readers: `read_labeled` for a CSV/JSONL/Parquet table with text, target and label columns
(mapped with `imports.column_map`), and `read_newsmtsc` for the NewsMTSC JSONL files (flat:
one target per row, polarity -1/0/1; nested: a sentence with its targets, polarity 2/4/6).
NewsMTSC polarity is target-dependent sentiment, so it becomes the stance label
(negative -> against, neutral -> neutral, positive -> favor); sentiment and frame stay None.
A label a row does not carry stays None, never invented.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

from mediaframe.config import Config
from mediaframe.corpus.targets import find_mentions, resolve_target
from mediaframe.errors import MediaframeError
from mediaframe.labels.codebook import Codebook, codebook_for
from mediaframe.records import TASKS, cell_text, given_context
from mediaframe.tables import read_table, table_rows

logger = logging.getLogger(__name__)

IMPORT_FIELDS = frozenset(
    {"id", "article_id", "index", "text", "target", "outlet", "date", "mention_start", "mention_end", *TASKS}
)
NEWSMTSC_FLAT_STANCE = {-1: "against", 0: "neutral", 1: "favor"}
NEWSMTSC_NESTED_STANCE = {2: "against", 4: "neutral", 6: "favor"}
# allsides_<a>_<b>_<sentence>_<target>_<from>_<to>; polusa_v1_<article>_-1_<sentence>_<target>_<from>_<to>
NEWSMTSC_ID = re.compile(r"^(?:(?P<allsides>allsides_\d+_\d+)|(?P<polusa>polusa_v1_\d+)_-?\d+)_(?P<index>\d+)_")


def empty_labels() -> dict[str, Any]:
    """The label, source and confidence columns of a row with no label at all."""
    row: dict[str, Any] = {}
    for task in TASKS:
        row.update({task: None, f"{task}_source": None, f"{task}_confidence": None})
    return row


def set_label(row: dict[str, Any], task: str, label: str | None, source: str = "import") -> None:
    """Put an imported label (or None) into a row with its source and confidence."""
    row[task] = label
    row[f"{task}_source"] = source if label is not None else None
    row[f"{task}_confidence"] = 1.0 if label is not None else None


def make_row(fields: dict[str, Any]) -> dict[str, Any]:
    """A dataset row with every contract column, labels empty."""
    return {
        "id": fields["id"],
        "article_id": fields.get("article_id") or fields["id"],
        "index": int(fields.get("index") or 0),
        "text": fields["text"],
        "target": fields.get("target") or "",
        "mentions": fields.get("mentions") or [],
        "outlet": fields.get("outlet") or "",
        "date": fields.get("date") or "",
        "context": fields.get("context") or "",
        **empty_labels(),
    }


# ---------------------------------------------------------------- labeled tables


def read_labeled(path: Path, cfg: Config, target: str | None = None) -> list[dict[str, Any]]:
    """Read a labeled CSV/TSV/JSONL/Parquet table into dataset rows.

    Columns are renamed with `cfg.imports.column_map`; a row needs `text` and at least one
    of the label columns stance/sentiment/frame (empty cells stay None). Raw label values
    are mapped with `cfg.imports.label_map` and then checked against the codebook.

    Args:
        path: the table.
        cfg: the configuration (imports, labeling.codebook, targets).
        target: the target of rows without a target column (default: cfg.imports.target).

    Returns:
        One dict per row with the built-dataset columns, sources "import".

    Raises:
        MediaframeError: a missing text or label column, a label outside the codebook,
            a duplicate id, or a row without a target when no default target is given.
    """
    raw_rows = read_table(path)
    if not raw_rows:
        raise MediaframeError(f"labeled table {path}: no rows; expected a header and labeled rows")
    rows = [{cfg.imports.column_map.get(k, k): v for k, v in row.items()} for row in raw_rows]
    check_columns(rows[0], path)
    codebook = codebook_for(cfg.labeling)
    default_target = target or cfg.imports.target
    out = [labeled_row(row, number, path, cfg, codebook, default_target) for number, row in enumerate(rows, start=1)]
    out = [row for row in out if row is not None]
    check_unique(out, path)
    fill_indexes(out, rows)
    logger.info("%s: %d labeled rows imported", path, len(out))
    return out


def check_columns(first: dict[str, Any], path: Path) -> None:
    """Refuse a table without a text column or without any label column."""
    found = ", ".join(sorted(first))
    hint = "map them with --set imports.column_map='{\"<column>\": \"text\"}'"
    if "text" not in first:
        raise MediaframeError(f"labeled table {path}: expected a 'text' column; found {found}; {hint}")
    if not any(task in first for task in TASKS):
        raise MediaframeError(
            f"labeled table {path}: expected a label column (stance, sentiment or frame); found {found}; {hint}"
        )


def labeled_row(
    row: dict[str, Any], number: int, path: Path, cfg: Config, codebook: Codebook, default_target: str
) -> dict[str, Any] | None:
    """One table row -> a dataset row (None for a row with empty text, skipped with a warning)."""
    text = cell_text(row.get("text"))
    if not text:
        logger.warning("%s row %d: empty text; skipped", path, number)
        return None
    target = cell_text(row.get("target")) or default_target
    if not target:
        raise MediaframeError(
            f"labeled table {path} row {number}: no target; add a 'target' column or pass --set imports.target=NAME"
        )
    row_id = cell_text(row.get("id")) or f"{path.stem}:{number}"
    fields = {**{k: cell_text(row.get(k)) for k in ("article_id", "outlet", "date")}, "id": row_id, "text": text}
    out = make_row({**fields, "target": target, "mentions": row_mentions(row, text, target, cfg),
                    "context": given_context(row, text)})
    for task in TASKS:
        set_label(out, task, map_label(row.get(task), task, cfg, codebook, f"{path} row {number}"))
    return out


def map_label(value: Any, task: str, cfg: Config, codebook: Codebook, where: str) -> str | None:
    """A raw label cell -> a codebook label name, or None when the cell is empty."""
    raw = cell_text(value)
    if isinstance(value, float) and value.is_integer():
        raw = str(int(value))
    if not raw:
        return None
    mapping = cfg.imports.label_map.get(task, {})
    label = mapping.get(raw, raw)
    if label not in codebook.labels(task) and label.lower() in codebook.labels(task):
        label = label.lower()
    if label not in codebook.labels(task):
        raise MediaframeError(
            f"{where}: {task} label {raw!r} is not in the codebook {codebook.name!r}; expected one of "
            f"{', '.join(codebook.labels(task))}; "
            f"map it with --set imports.label_map='{{\"{task}\": {{\"{raw}\": \"...\"}}}}'"
        )
    return label


def row_mentions(row: dict[str, Any], text: str, target: str, cfg: Config) -> list[dict[str, Any]]:
    """Mention offsets from mention_start/mention_end columns, else found from the target's aliases."""
    start, end = cell_text(row.get("mention_start")), cell_text(row.get("mention_end"))
    if start and end:
        s, e = int(float(start)), int(float(end))
        return [{"start": s, "end": e, "text": text[s:e]}]
    spec = resolve_target(target, cfg.targets)
    return [{"start": m.start, "end": m.end, "text": m.text} for m in find_mentions(text, spec, named_recently=False)]


def check_unique(rows: list[dict[str, Any]], path: Path) -> None:
    """Refuse duplicate row ids."""
    dupes = [key for key, n in Counter(r["id"] for r in rows).items() if n > 1]
    if dupes:
        raise MediaframeError(f"labeled table {path}: id {dupes[0]!r} appears more than once; ids must be unique")


def fill_indexes(out: list[dict[str, Any]], rows: list[dict[str, Any]]) -> None:
    """Use an `index` column where given, else number the rows of each article in order."""
    by_id = {cell_text(r.get("id")): r for r in rows if cell_text(r.get("id"))}
    seen: Counter[str] = Counter()
    for row in out:
        given = cell_text(by_id.get(row["id"], {}).get("index"))
        row["index"] = int(float(given)) if given else seen[row["article_id"]]
        seen[row["article_id"]] += 1


# ---------------------------------------------------------------- NewsMTSC


def read_newsmtsc(path: Path) -> list[dict[str, Any]]:
    """Read a NewsMTSC JSONL file (flat or nested format) into dataset rows, one per target.

    The row id is the NewsMTSC target id; the article id and the sentence index come from
    its prefix ("allsides_1000_401_25_..." -> article "allsides_1000_401", index 25).
    `target` is the mention text; `mentions` holds the mention and, in the nested format,
    its coreferent further mentions.

    Raises:
        MediaframeError: the file is in neither format or a polarity is unknown.
    """
    rows = read_table(path)
    if not rows:
        raise MediaframeError(f"NewsMTSC file {path}: no rows; expected NewsMTSC JSONL lines")
    if "targets" in rows[0] and "sentence_normalized" in rows[0]:
        out = [r for number, row in enumerate(rows, 1) for r in nested_rows(row, number, path)]
    elif {"mention", "polarity", "from", "to", "sentence", "id"} <= set(rows[0]):
        out = [flat_row(row, number, path) for number, row in enumerate(rows, 1)]
    else:
        raise MediaframeError(
            f"NewsMTSC file {path}: expected the flat fields (mention, polarity, from, to, sentence, id) or the "
            f"nested ones (primary_gid, sentence_normalized, targets); found {', '.join(sorted(rows[0]))}"
        )
    logger.info("%s: %d NewsMTSC targets imported", path, len(out))
    return out


def looks_like_newsmtsc(path: Path) -> bool:
    """Whether a JSONL file's first row has the NewsMTSC flat or nested fields: the one NewsMTSC detector, for
    `import-labeled`, `build` and `train` alike (a flat file without `id` counts too)."""
    if path.suffix.lower() not in (".jsonl", ".json"):
        return False
    first = next(table_rows(path, None), {})
    return {"primary_gid", "targets"} <= set(first) or {"mention", "polarity", "from", "to", "sentence"} <= set(first)


def newsmtsc_ids(gid: str) -> tuple[str, int]:
    """(article id, sentence index) from a NewsMTSC target id; the id itself and 0 if it has another shape."""
    match = NEWSMTSC_ID.match(gid)
    if match is None:
        return gid, 0
    return match.group("allsides") or match.group("polusa"), int(match.group("index"))


def newsmtsc_row(gid: str, text: str, mentions: list[dict[str, Any]], stance: str) -> dict[str, Any]:
    article_id, index = newsmtsc_ids(gid)
    row = make_row({"id": gid, "article_id": article_id, "index": index, "text": text,
                    "target": mentions[0]["text"], "mentions": mentions})
    set_label(row, "stance", stance)
    return row


def polarity(value: Any, table: dict[int, str], where: str) -> str:
    try:
        return table[int(float(value))]
    except (KeyError, TypeError, ValueError):
        raise MediaframeError(
            f"{where}: polarity {value!r} is not one of {', '.join(map(str, table))}; fix the row"
        ) from None


def flat_row(row: dict[str, Any], number: int, path: Path) -> dict[str, Any]:
    where = f"{path} line {number}"
    mention = {"start": int(row["from"]), "end": int(row["to"]), "text": str(row["mention"])}
    return newsmtsc_row(str(row["id"]), str(row["sentence"]), [mention],
                        polarity(row["polarity"], NEWSMTSC_FLAT_STANCE, where))


def nested_rows(row: dict[str, Any], number: int, path: Path) -> list[dict[str, Any]]:
    where = f"{path} line {number}"
    out = []
    for target in row["targets"]:
        spans = [target, *(target.get("further_mentions") or [])]
        mentions = [{"start": int(m["from"]), "end": int(m["to"]), "text": str(m["mention"])} for m in spans]
        stance = polarity(target["polarity"], NEWSMTSC_NESTED_STANCE, where)
        out.append(newsmtsc_row(str(target["Input.gid"]), str(row["sentence_normalized"]), mentions, stance))
    return out
