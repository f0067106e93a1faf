"""The export half of the annotation round trip: sentences out for human labeling, as CSV or Label Studio tasks.

Export orders the sentences by a strategy (`random`, seeded; `uncertain`, lowest weak-label
confidence first; `corpus`, as they come) and gives each its article context (the sentences
before and after it), with the weak labels beside them (a pre-annotation in Label Studio).
`annotation_import` reads the labeled files back as gold.
"""

from __future__ import annotations

import csv
import json
import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from mediaframe.config import Config
from mediaframe.errors import MediaframeError
from mediaframe.files import atomic_output
from mediaframe.labels.annotation_import import (
    import_annotation,
    read_agreement,
    record_agreement,
)
from mediaframe.labels.codebook import Codebook, codebook_for
from mediaframe.records import TASKS
from mediaframe.tables import read_table

logger = logging.getLogger(__name__)

# the import half lives in annotation_import; its commands are re-exported for `mediaframe annotate import`
__all__ = ["export_annotation", "export_rows", "import_annotation", "label_studio_config", "read_agreement",
           "record_agreement", "write_annotation_csv", "write_label_studio"]

STRATEGIES = ("random", "uncertain", "corpus")
CSV_COLUMNS = ("id", "article_id", "target", "context_before", "text", "context_after", "mentions_target",
               *(f"weak_{t}" for t in TASKS), *TASKS, "note")


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


def label_studio_tasks(rows: Sequence[dict[str, Any]], model_version: str = "mediaframe-weak") -> list[dict[str, Any]]:
    """Label Studio tasks: the sentence, its target and context, and the weak (or a model's) labels as a
    pre-annotation."""
    tasks = []
    for row in rows:
        data = {k: row.get(k) or "" for k in ("id", "article_id", "target", "context_before", "text", "context_after")}
        result = [
            {"from_name": task, "to_name": "text", "type": "choices", "value": {"choices": [row[f"weak_{task}"]]}}
            for task in TASKS if row.get(f"weak_{task}")
        ]
        task: dict[str, Any] = {"data": data}
        if result:
            prediction = {"model_version": model_version, "score": weakest_confidence(row), "result": result}
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


def write_label_studio(rows: Sequence[dict[str, Any]], path: Path, codebook: Codebook,
                       model_version: str = "mediaframe-weak") -> Path:
    """Write the tasks JSON and, beside it, <stem>.label_config.xml; return the config's path."""
    config_path = path.with_name(f"{path.stem}.label_config.xml")
    with atomic_output(path) as handle:
        json.dump(label_studio_tasks(rows, model_version), handle, ensure_ascii=False, indent=1)
    with atomic_output(config_path) as handle:
        handle.write(label_studio_config(codebook))
    return config_path


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
