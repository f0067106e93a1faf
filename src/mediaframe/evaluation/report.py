"""An evaluation result shown and saved: rich tables, confusion-matrix PNGs, the JSON figures.

Tables and PNGs show the labels that occur in the gold labels or the predictions (a frame
codebook has fifteen); the JSON keeps the full matrix in the model's label order.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table

from mediaframe.files import atomic_output
from mediaframe.numbers import score, score_interval

if TYPE_CHECKING:
    from mediaframe.evaluation.scoring import EvaluationResult

SYSTEMS = {"majority": "majority class", "vader": "VADER", "weak": "weak labeler", "tfidf_lr": "TF-IDF + LR"}


def shown_labels(scores: dict[str, Any]) -> list[int]:
    """Indexes of the labels with gold support or predictions."""
    confusion = scores["confusion"]
    return [i for i in range(len(scores["labels"])) if sum(confusion[i]) or sum(row[i] for row in confusion)]


def systems_table(task: str, scores: dict[str, Any]) -> Table:
    """Model and baselines side by side: macro-F1 with its interval, accuracy, ECE, coverage, paired difference."""
    boot = scores["bootstrap"]
    over = f"{boot['units']} articles" if boot["unit"] == "articles" else boot["unit"]
    title = f"{task}: {scores['n']} rows; {boot['confidence']:.0%} intervals from a bootstrap over {over}"
    table = Table(title=title, title_justify="left")
    for name in ("system", "macro-F1", "interval", "accuracy", "ECE", "answered", "model − baseline"):
        table.add_column(name, justify="left" if name == "system" else "right")
    table.add_row("model", score(scores["macro_f1"]), score_interval(scores["macro_f1_ci"]), score(scores["accuracy"]),
                  score(scores["ece"]), "1.000", "", style="bold")
    for name, figures in scores["baselines"].items():
        table.add_row(SYSTEMS.get(name, name), score(figures["macro_f1"]), score_interval(figures["macro_f1_ci"]),
                      score(figures["accuracy"]), score(figures["ece"]), score(figures["coverage"]),
                      f"{figures['model_minus_baseline']:+.3f} {score_interval(figures['model_minus_baseline_ci'])}")
    for name, reason in scores.get("baselines_left_out", {}).items():
        table.add_row(SYSTEMS.get(name, name), "left out", reason, "", "", "", "", style="dim")
    return table


def classes_table(task: str, scores: dict[str, Any]) -> Table:
    """Per-class precision, recall, F1 and support of the model."""
    table = Table(title=f"{task}: per class (model)", title_justify="left")
    for name in ("label", "precision", "recall", "F1", "support"):
        table.add_column(name, justify="left" if name == "label" else "right")
    for i in shown_labels(scores):
        label = scores["labels"][i]
        figures = scores["per_class"][label]
        table.add_row(label, score(figures["precision"]), score(figures["recall"]), score(figures["f1"]),
                      str(figures["support"]))
    return table


def confusion_table(task: str, scores: dict[str, Any]) -> Table:
    """The model's confusion matrix: rows gold, columns predicted."""
    shown = shown_labels(scores)
    table = Table(title=f"{task}: confusion (rows gold, columns predicted)", title_justify="left")
    table.add_column("gold \\ predicted")
    for i in shown:
        table.add_column(scores["labels"][i], justify="right")
    for i in shown:
        table.add_row(scores["labels"][i], *(str(scores["confusion"][i][j]) for j in shown))
    return table


def result_table(result: EvaluationResult) -> Group:
    """Every task's tables, one after the other."""
    parts: list[Table] = []
    for task, scores in result.tasks.items():
        parts += [systems_table(task, scores), classes_table(task, scores), confusion_table(task, scores)]
    return Group(*parts)


def confusion_png(task: str, scores: dict[str, Any], dpi: int) -> bytes:
    """The model's confusion matrix as a PNG heat map with the counts written in."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = shown_labels(scores)
    names = [scores["labels"][i] for i in shown]
    matrix = [[scores["confusion"][i][j] for j in shown] for i in shown]
    size = 2.2 + 0.55 * len(shown)
    fig, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(matrix, cmap="Blues")
    top = max((max(row) for row in matrix), default=0)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            ax.text(j, i, str(count), ha="center", va="center", color="white" if count > top / 2 else "black")
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"{task}: macro-F1 {score(scores['macro_f1'])}, accuracy {score(scores['accuracy'])}, n={scores['n']}")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def png_paths(out_dir: Path, tasks: list[str] | tuple[str, ...]) -> list[Path]:
    """Where `write_evaluation` puts the confusion PNGs of these tasks."""
    return [out_dir / f"confusion_{task}.png" for task in tasks]


def write_evaluation(result: EvaluationResult, json_path: Path | None, out_dir: Path | None, dpi: int) -> list[Path]:
    """Write the figures as JSON (atomically) and the confusion PNGs; return the files written."""
    written = []
    if json_path is not None:
        with atomic_output(json_path) as handle:
            handle.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
        written.append(json_path)
    if out_dir is not None:
        for task, path in zip(result.tasks, png_paths(out_dir, list(result.tasks)), strict=True):
            with atomic_output(path, "wb") as handle:
                handle.write(confusion_png(task, result.tasks[task], dpi))
            written.append(path)
    return written
