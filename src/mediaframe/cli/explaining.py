"""How `mediaframe explain` shows an explanation in the terminal: the sentence with its evidence words marked,
each task's label with its probabilities, and the similar labeled sentences."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from mediaframe.analyst.explain import EXPLAINED_TASKS, Explanation
from mediaframe.errors import MediaframeError
from mediaframe.records import TASKS, cell_text

STANCE_COLOURS = {"against": "bold red", "favor": "bold green", "neutral": "bold blue"}


def input_rows(text: str | None, source: Path | None, target: str) -> list[dict[str, Any]]:
    """The sentences to explain: --text, or the rows of --input, each with its target (or --target).

    Raises:
        MediaframeError: both or neither of --text and --input, or an unreadable input.
    """
    from mediaframe.tables import read_table

    if (text is None) == (source is None):
        raise MediaframeError("explain: expected --text \"a sentence\" or --input FILE (one of them)")
    rows = [{"text": text}] if text is not None else read_table(source)  # type: ignore[arg-type]
    return [{**row, "target": cell_text(row.get("target")) or target, **given_mentions(row, number)}
            for number, row in enumerate(rows, start=1)]


def given_mentions(row: dict[str, Any], number: int) -> dict[str, Any]:
    """A row's own `mentions` as a list (a CSV gives them as JSON text); {} where it has none, so they are found.

    Raises:
        MediaframeError: mentions that are not a JSON list of {start, end, text}.
    """
    import json

    value = row.get("mentions")
    if isinstance(value, str):
        if not value.strip():
            return {"mentions": None}
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = None
    if value is None or value == []:
        return {"mentions": None} if "mentions" in row else {}
    if not isinstance(value, list) or not all(isinstance(m, dict) and {"start", "end"} <= set(m) for m in value):
        raise MediaframeError(f"explain: sentence {number}: expected 'mentions' as a JSON list of "
                              f'{{"start", "end", "text"}}; found {str(row.get("mentions"))[:60]!r}; fix or drop the column')
    return {"mentions": value}


def explanation_view(explanation: Explanation) -> Group:
    """The sentence (stance evidence in the label's colour, the target's mentions underlined), the labels, the examples."""
    stance = explanation.label("stance")
    marked = {id(w) for w in explanation.evidence("stance")}
    sentence = Text()
    last = 0
    for word in explanation.words:
        sentence.append(explanation.text[last : word.start])
        style = "underline" if word.mention else STANCE_COLOURS.get(stance, "bold") if id(word) in marked else ""
        sentence.append(word.text, style=style)
        last = word.end
    sentence.append(explanation.text[last:])
    parts: list[Any] = [Text(f"target: {explanation.target}", style="dim"), sentence, labels_table(explanation)]
    if explanation.neighbours:
        parts.append(neighbours_table(explanation))
    return Group(*parts, Text(""))


def labels_table(explanation: Explanation) -> Table:
    table = Table(box=None, show_header=True, pad_edge=False)
    for column in ("task", "label", "probabilities", "evidence words"):
        table.add_column(column)
    for task in TASKS:
        scores = sorted(explanation.probabilities[task].items(), key=lambda item: -item[1])[:3]
        words = ", ".join(w.text for w in explanation.evidence(task)) if task in EXPLAINED_TASKS else ""
        table.add_row(task, explanation.label(task), "  ".join(f"{label} {p:.2f}" for label, p in scores), words)
    return table


def neighbours_table(explanation: Explanation) -> Table:
    table = Table(title="similar labeled sentences", box=None, title_justify="left", pad_edge=False)
    for column in ("similarity", "stance", "frame", "target", "sentence", "source"):
        table.add_column(column, overflow="fold")
    for near in explanation.neighbours:
        table.add_row(f"{near['similarity']:.2f}", near.get("stance") or "-", near.get("frame") or "-",
                      near.get("target") or "", near["text"], near.get("source", ""))
    return table
