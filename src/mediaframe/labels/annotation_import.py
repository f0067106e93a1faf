"""The import half of the annotation round trip: labeled annotation files back in as gold.

It reads our annotation CSV or a Label Studio JSON export, validates every label against the
codebook and writes gold JSONL rows (id, text, target, stance, sentiment, frame,
mentions_target, note). With two annotators' files it merges them (disagreements noted) and
reports Cohen's kappa per task, which an agreement file keeps per labeled set.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output, read_text, write_jsonl
from mediaframe.labels.codebook import Codebook, codebook_for
from mediaframe.labels.sources import read_agreement_file
from mediaframe.records import TASKS, cell_text
from mediaframe.tables import read_table

logger = logging.getLogger(__name__)

GOLD_FIELDS = ("id", "text", "target", *TASKS, "mentions_target", "note")


def read_annotations(path: Path, codebook: Codebook) -> list[dict[str, Any]]:
    """Read a labeled annotation file (our CSV, or a Label Studio JSON export) into gold rows.

    Rows with no label at all are skipped (not annotated yet).

    Raises:
        MediaframeError: a label outside the codebook, a duplicate id, a row without id or text.
    """
    if path.suffix.lower() == ".json":
        raw = label_studio_rows(path)
    else:
        raw = [(f"{path} row {n}", row) for n, row in enumerate(read_table(path), start=1)]
    rows, seen = [], set()
    for where, row in raw:
        gold = gold_row(row, codebook, where)
        if gold is None:
            continue
        if gold["id"] in seen:
            raise MediaframeError(f"{where}: sentence id {gold['id']!r} appears twice; expected one row per sentence")
        seen.add(gold["id"])
        rows.append(gold)
    logger.info("%s: %d labeled sentences (%d rows without a label skipped)", path, len(rows), len(raw) - len(rows))
    return rows


def label_studio_rows(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Flatten a Label Studio export: each task's data with the first kept annotation's choices."""
    try:
        tasks = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise MediaframeError(f"{path}: not valid JSON ({exc.msg}); expected a Label Studio JSON export") from None
    if not isinstance(tasks, list):
        raise MediaframeError(f"{path}: expected a JSON list of Label Studio tasks; found {type(tasks).__name__}")
    out = []
    for n, task in enumerate(tasks, start=1):
        row = dict(task.get("data") or {})
        annotations = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        for item in annotations[0].get("result", []) if annotations else []:
            value = item.get("value") or {}
            if value.get("choices"):
                row[item.get("from_name")] = value["choices"][0]
            elif value.get("text"):
                row[item.get("from_name")] = " ".join(value["text"])
        out.append((f"{path} task {n}", row))
    return out


def gold_row(row: dict[str, Any], codebook: Codebook, where: str) -> dict[str, Any] | None:
    """Validate one labeled row into a gold row; None when it carries no label."""
    labels = {task: cell_text(row.get(task)) or None for task in TASKS}
    if not any(labels.values()):
        return None
    for task, label in labels.items():
        if label is not None:
            codebook.check_label(task, label, where)
    sentence_id, text = cell_text(row.get("id")), cell_text(row.get("text"))
    if not sentence_id or not text:
        raise MediaframeError(f"{where}: expected 'id' and 'text' in every labeled row; found id={sentence_id!r}")
    mentions = cell_text(row.get("mentions_target")).lower()
    return {"id": sentence_id, "text": text, "target": cell_text(row.get("target")), **labels,
            "mentions_target": {"true": True, "false": False}.get(mentions), "note": cell_text(row.get("note"))}


def agreement(first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Cohen's kappa and raw agreement per task over the sentences both annotators labeled for it."""
    by_id = {row["id"]: row for row in second}
    out = {}
    for task in TASKS:
        pairs = [(a[task], by_id[a["id"]][task]) for a in first
                 if a["id"] in by_id and a[task] is not None and by_id[a["id"]][task] is not None]
        varied = len({label for pair in pairs for label in pair}) > 1  # kappa needs two labels at least
        kappa = cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs]) if varied else None
        out[task] = {
            "n": len(pairs),
            "agreement": round(sum(a == b for a, b in pairs) / len(pairs), 4) if pairs else None,
            "kappa": None if kappa is None or math.isnan(kappa) else round(float(kappa), 4),
        }
    return out


def read_agreement(path: Path) -> dict[str, Any]:
    """An agreement file of labeled sets ({} when it does not exist yet).

    Raises:
        MediaframeError: the file is not a JSON object.
    """
    return read_agreement_file(path, f"--agreement {path}", "fix it or pass a new file")


def record_agreement(path: Path, name: str, kappa: dict[str, dict[str, Any]]) -> None:
    """Keep one labeled set's agreement in a JSON file of all sets: {name: {"n": .., "kappa": {task: ..}, ..}}."""
    table = read_agreement(path)
    table[name] = {
        "n": max(k["n"] for k in kappa.values()),
        "kappa": {task: k["kappa"] for task, k in kappa.items() if k["kappa"] is not None},
        "agreement": {task: k["agreement"] for task, k in kappa.items() if k["agreement"] is not None},
    }
    with atomic_output(path) as handle:
        json.dump(dict(sorted(table.items())), handle, indent=2)
        handle.write("\n")


def merge_annotators(first: Sequence[dict[str, Any]], second: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gold from the first annotator, filled from the second where the first left a task empty;
    each disagreement is written into the row's note."""
    by_id = {row["id"]: row for row in second}
    merged = []
    for row in first:
        other = by_id.get(row["id"], {})
        out = dict(row)
        notes = [row["note"]] if row["note"] else []
        for task in TASKS:
            theirs = other.get(task)
            if out[task] is None:
                out[task] = theirs
            elif theirs is not None and theirs != out[task]:
                notes.append(f"annotators disagree on {task}: {out[task]} (1) vs {theirs} (2)")
        out["note"] = "; ".join(notes)
        merged.append(out)
    known = {row["id"] for row in first}
    merged += [dict(row) for row in second if row["id"] not in known]
    return merged


def import_annotation(files: Sequence[Path], out: Path, cfg: Config) -> tuple[int, dict[str, dict[str, Any]]]:
    """`mediaframe annotate import`: validate one or two annotators' files, write gold JSONL.

    Returns:
        The number of gold rows written, and the agreement per task (empty for one file).

    Raises:
        MediaframeError: more than two files, or a file with bad labels or duplicate ids.
    """
    if not 1 <= len(files) <= 2:
        raise MediaframeError(f"expected one labeled file, or two annotators' files; found {len(files)}")
    codebook = codebook_for(cfg.labeling)
    annotated = [read_annotations(path, codebook) for path in files]
    kappa = agreement(annotated[0], annotated[1]) if len(annotated) == 2 else {}
    rows = merge_annotators(annotated[0], annotated[1]) if len(annotated) == 2 else annotated[0]
    if not rows:
        names = ", ".join(map(str, files))
        raise MediaframeError(f"{names}: no labeled row found; fill the stance/sentiment/frame columns")
    written = write_jsonl(({k: row[k] for k in GOLD_FIELDS} for row in rows), out)
    return written, kappa
