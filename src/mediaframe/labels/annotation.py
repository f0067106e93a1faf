"""The annotation round trip: sentences out for human labeling (CSV or Label Studio), labels back in as gold.

Export orders the sentences by a strategy (`random`, seeded; `uncertain`, lowest weak-label
confidence first; `corpus`, as they come) and gives each its article context (the sentences
before and after it). Import validates every label against the codebook and writes gold
JSONL rows (id, text, target, stance, sentiment, frame, mentions_target, note); with two
annotators' files it reports Cohen's kappa per task.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from sklearn.metrics import cohen_kappa_score

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output, read_table, read_text, write_jsonl
from mediaframe.labels.codebook import Codebook, codebook_for
from mediaframe.records import TASKS

logger = logging.getLogger(__name__)

STRATEGIES = ("random", "uncertain", "corpus")
CSV_COLUMNS = ("id", "article_id", "target", "context_before", "text", "context_after", "mentions_target",
               *(f"weak_{t}" for t in TASKS), *TASKS, "note")
GOLD_FIELDS = ("id", "text", "target", *TASKS, "mentions_target", "note")


# ---------------------------------------------------------------- export


def export_rows(
    rows: Sequence[dict[str, Any]], strategy: str = "uncertain", seed: int = 13,
    limit: int | None = None, include_gold: bool = False,
) -> list[dict[str, Any]]:
    """Sentences to label, with context and weak labels, in the order of the strategy.

    Args:
        rows: sentence rows (sentences.jsonl of a built dataset, or `mediaframe sentences` output).
        strategy: 'random' (seeded), 'uncertain' (lowest weak confidence first) or 'corpus'.
        seed: the seed of 'random' (and of ties).
        limit: keep at most this many.
        include_gold: also export sentences that already have a gold label.
    """
    if strategy not in STRATEGIES:
        raise MediaframeError(f"annotation strategy {strategy!r} is unknown; expected one of {', '.join(STRATEGIES)}")
    with_context = add_context(rows)
    todo = [r for r in with_context if include_gold or not any(r.get(f"{t}_source") == "gold" for t in TASKS)]
    if strategy == "random":
        random.Random(seed).shuffle(todo)
    elif strategy == "uncertain":
        todo.sort(key=weakest_confidence)
    return todo[:limit] if limit is not None else todo


def add_context(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row with the text of the sentences before and after it in its article."""
    out = []
    for i, row in enumerate(rows):
        before = rows[i - 1] if i > 0 and rows[i - 1].get("article_id") == row.get("article_id") else None
        after = rows[i + 1] if i + 1 < len(rows) and rows[i + 1].get("article_id") == row.get("article_id") else None
        out.append({**row, "context_before": before["text"] if before else "",
                    "context_after": after["text"] if after else ""})
    return out


def weakest_confidence(row: dict[str, Any]) -> float:
    """The lowest weak confidence over the tasks (0 where a task has none: nothing is known)."""
    values = [row.get(f"weak_{t}_confidence") for t in TASKS]
    return min(float(v) if isinstance(v, int | float) else 0.0 for v in values)


def csv_row(row: dict[str, Any]) -> dict[str, Any]:
    out = {column: row.get(column, "") for column in CSV_COLUMNS}
    out.update({task: "" for task in TASKS}, note="")
    out["mentions_target"] = json.dumps(bool(row.get("mentions_target") or row.get("mentions")))
    return {k: "" if v is None else v for k, v in out.items()}


def write_annotation_csv(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """A CSV with empty stance/sentiment/frame/note columns for the annotator to fill."""
    with atomic_output(path) as handle:
        writer = csv.DictWriter(handle, fieldnames=list(CSV_COLUMNS))
        writer.writeheader()
        writer.writerows(csv_row(r) for r in rows)


def label_studio_tasks(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label Studio tasks: the sentence, its target and context, and the weak labels as a pre-annotation."""
    tasks = []
    for row in rows:
        data = {k: row.get(k) or "" for k in ("id", "article_id", "target", "context_before", "text", "context_after")}
        result = [
            {"from_name": task, "to_name": "text", "type": "choices", "value": {"choices": [row[f"weak_{task}"]]}}
            for task in TASKS if row.get(f"weak_{task}")
        ]
        task: dict[str, Any] = {"data": data}
        if result:
            prediction = {"model_version": "mediaframe-weak", "score": weakest_confidence(row), "result": result}
            task["predictions"] = [prediction]
        tasks.append(task)
    return tasks


def label_studio_config(codebook: Codebook) -> str:
    """The Label Studio labeling interface: the context, the sentence and the three label sets as choices."""
    lines = ['<View>', '  <Header value="Target: $target"/>',
             '  <Text name="context_before" value="$context_before"/>',
             '  <Text name="text" value="$text" highlightColor="#ffe28a"/>',
             '  <Text name="context_after" value="$context_after"/>']
    for task in TASKS:
        lines.append(f'  <Header value="{task}"/>')
        lines.append(f'  <Choices name="{task}" toName="text" choice="single" showInline="true">')
        lines += [f"    <Choice value={quoteattr(label)}/>" for label in codebook.labels(task)]
        lines.append("  </Choices>")
    lines += ['  <TextArea name="note" toName="text" placeholder="note on a hard case"/>', "</View>"]
    return "\n".join(lines) + "\n"


def write_label_studio(rows: Sequence[dict[str, Any]], path: Path, codebook: Codebook) -> Path:
    """Write the tasks JSON and, beside it, <stem>.label_config.xml; return the config's path."""
    config_path = path.with_name(f"{path.stem}.label_config.xml")
    with atomic_output(path) as handle:
        json.dump(label_studio_tasks(rows), handle, ensure_ascii=False, indent=1)
    with atomic_output(config_path) as handle:
        handle.write(label_studio_config(codebook))
    return config_path


# ---------------------------------------------------------------- import


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
    labels = {task: clean(row.get(task)) or None for task in TASKS}
    if not any(labels.values()):
        return None
    for task, label in labels.items():
        if label is not None:
            codebook.check_label(task, label, where)
    sentence_id, text = clean(row.get("id")), clean(row.get("text"))
    if not sentence_id or not text:
        raise MediaframeError(f"{where}: expected 'id' and 'text' in every labeled row; found id={sentence_id!r}")
    mentions = clean(row.get("mentions_target")).lower()
    return {"id": sentence_id, "text": text, "target": clean(row.get("target")), **labels,
            "mentions_target": {"true": True, "false": False}.get(mentions), "note": clean(row.get("note"))}


def clean(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


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
    if not path.is_file():
        return {}
    try:
        table = json.loads(read_text(path))
    except json.JSONDecodeError:
        table = None
    if not isinstance(table, dict):
        raise MediaframeError(f"--agreement {path}: expected a JSON object of labeled sets; found something else; "
                              "fix it or pass a new file")
    return table


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


# ---------------------------------------------------------------- the two commands


def export_annotation(
    source: Path, out: Path, cfg: Config, strategy: str = "uncertain", limit: int | None = None,
    include_gold: bool = False,
) -> int:
    """`mediaframe annotate export`: read sentences, order them, write CSV or Label Studio JSON; return the count.

    Raises:
        MediaframeError: the source is missing or empty, the strategy or output suffix is unknown.
    """
    path = source / "sentences.jsonl" if source.is_dir() else source
    if not path.is_file():
        raise MediaframeError(
            f"{source}: expected a built dataset folder with sentences.jsonl, or a sentences JSONL/CSV; found neither"
        )
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise MediaframeError(
            f"--out {out}: expected a .csv file or a .json file (Label Studio tasks); found {suffix!r}"
        )
    rows = export_rows(read_table(path), strategy, cfg.seed, limit, include_gold)
    if not rows:
        raise MediaframeError(f"{path}: no sentence left to label (all have gold?); pass --include-gold to export them")
    if suffix == ".csv":
        write_annotation_csv(rows, out)
    else:
        config_path = write_label_studio(rows, out, codebook_for(cfg.labeling))
        logger.info("Label Studio labeling config -> %s", config_path)
    return len(rows)


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
