"""Commands of the analyst's loop: suggest what to label next, explain a sentence's labels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from mediaframe.cli.app import ConfigOpt, ForceOpt, SetOpt, command, config_from, err, refuse_overwrite

Selection = Literal["typical", "uncertain"]  # analyst.selection.PICKERS


@command
def suggest(
    model: Annotated[str, typer.Argument(help="A model folder, or `news` (the shipped model).")],
    corpus: Annotated[Path, typer.Argument(help="Articles to pick sentences from (folder, .txt/.html, JSONL/CSV).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Stem of the files to write: OUT.json (Label Studio tasks), "
                                      "OUT.label_config.xml and OUT.csv.", dir_okay=False)],
    target: Annotated[str, typer.Option("--target", "-t", help="Target of articles without their own.")] = "",
    n: Annotated[int, typer.Option("--n", help="Sentences to suggest.")] = 200,
    per_article: Annotated[int, typer.Option("--per-article", help="At most this many from one article.")] = 3,
    labeled: Annotated[list[Path] | None, typer.Option("--labeled", help="Labeled sentences to leave out (gold JSONL, "
                                                       "annotation CSV, a built dataset; repeatable).")] = None,
    selection: Annotated[Selection, typer.Option("--selection", help="typical: the corpus's common cases, weighted by "
                                                 "the model's doubt; uncertain: its doubts, spread over the corpus.")] = "typical",
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Pick the sentences whose labels would teach the model most, for Label Studio or a spreadsheet.

    The corpus's common cases weighted by the model's doubt (stance and frame), one from each cluster of
    sentence embeddings, at most --per-article from one article. Label them, then `mediaframe annotate import` and `mediaframe train`.

    Example: mediaframe suggest news data/seed --target Netflix --n 50 --out out/tasks
    """
    from mediaframe.analyst.suggest import suggest as suggest_sentences
    from mediaframe.analyst.suggest import task_paths
    from mediaframe.model.shipped import model_path

    cfg = config_from(config, set_)
    for path in task_paths(out):
        refuse_overwrite(path, force)
    result = suggest_sentences(model_path(model), corpus, target, n, out, cfg, per_article, labeled or [],
                               selection=selection)
    left_out = f", {result.already_labeled:,} already labeled left out" if result.already_labeled else ""
    err.print(f"{result.picked} of {result.candidates:,} sentences suggested{left_out} -> "
              f"{', '.join(map(str, result.files))}", highlight=False)
    err.print(f"next: {result.hint()}", highlight=False)


@command
def explain(
    model: Annotated[str, typer.Argument(help="A model folder, or `news` (the shipped model).")] = "news",
    text: Annotated[str | None, typer.Option("--text", help="The sentence to explain.")] = None,
    source: Annotated[Path | None, typer.Option("--input", help="Sentences to explain: JSONL/CSV rows with text "
                                                "(and target).", dir_okay=False)] = None,
    target: Annotated[str, typer.Option("--target", "-t", help="Target of the sentence(s) without their own.")] = "",
    examples: Annotated[list[Path] | None, typer.Option("--examples", help="Labeled tables to draw similar sentences "
                                                        "from, beside the model's training sources (repeatable).")] = None,
    neighbours: Annotated[int, typer.Option("--neighbours", help="Similar labeled sentences to show (0: none).", min=0)] = 3,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Also write the explanations as JSONL.", dir_okay=False)] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Show why a sentence got its stance and frame: the words that moved them, and similar labeled sentences.

    Example: mediaframe explain news --text "Critics said the studio ignored the writers." --target "the studio"
    """
    from mediaframe.analyst.explain import explain as explain_rows
    from mediaframe.cli.explaining import explanation_view, input_rows
    from mediaframe.files import write_jsonl
    from mediaframe.model.shipped import model_path

    cfg = config_from(config, set_)
    if out:
        refuse_overwrite(out, force)
    rows = input_rows(text, source, target)
    explanations = explain_rows(model_path(model), rows, cfg, examples or [], neighbours)
    for explanation in explanations:
        err.print(explanation_view(explanation))
    if out:
        write_jsonl((e.to_dict() for e in explanations), out)
        err.print(f"{len(explanations)} explanations -> {out}", highlight=False)
