"""Commands that turn a corpus into labeled data: sentences, build, import-labeled, annotate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from mediaframe.cli.app import (
    ConfigOpt,
    F,
    ForceOpt,
    SetOpt,
    TargetOpt,
    app,
    command,
    config_from,
    err,
    refuse_overwrite,
    reporting_user_errors,
)
from mediaframe.errors import MediaframeError


@command
def sentences(
    corpus: Annotated[Path, typer.Argument(help="Folder of .txt/.html articles, or a JSONL/CSV file.")],
    target: TargetOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL, one sentence per line.", dir_okay=False)],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Split a corpus into clean sentences with target mentions.

    Example: mediaframe sentences data/seed --target Netflix --out out/sentences.jsonl
    """
    from mediaframe.corpus.reading import read_articles
    from mediaframe.corpus.sentences import corpus_sentences
    from mediaframe.files import write_jsonl
    from mediaframe.progress import progress
    from mediaframe.records import sentence_row

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    articles = read_articles(corpus, cfg.data)
    rows = [sentence_row(s) for s in corpus_sentences(progress(articles, "articles"), target, cfg)]
    if not rows:
        raise MediaframeError(f"corpus {corpus}: no sentence left after cleaning; check that the files hold article text")
    write_jsonl(rows, out)
    mentioning = sum(row["mentions_target"] for row in rows)
    err.print(f"{len(articles)} articles -> {len(rows)} sentences ({mentioning} mention {target}) -> {out}", soft_wrap=True)


@command
def build(
    corpus: Annotated[Path, typer.Argument(help="Folder of .txt/.html articles, or a JSONL/CSV file.")],
    target: TargetOpt,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for the DatasetDict, card and report.")],
    gold: Annotated[
        list[Path] | None, typer.Option("--gold", help="Gold labels (JSONL/CSV) for this corpus; repeatable.", dir_okay=False)
    ] = None,
    folds: Annotated[bool, typer.Option("--folds", help="Also write leave-one-article-out folds in OUT/folds/.")] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Label a corpus's sentences (gold + weak supervision) and save a Hugging Face dataset.

    Example: mediaframe build data/seed --target Netflix --gold data/gold/seed_gold.jsonl --out out/dataset --folds
    """
    from mediaframe.dataset.builder import build as build_dataset

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    result = build_dataset(corpus, target, out, cfg, gold or [], folds)
    if result.quality:
        Console(width=max(Console().width, 100)).print(*quality_tables(result.quality))
    sizes = ", ".join(f"{name} {c['sentences']}" for name, c in result.counts.items())
    err.print(f"{result.articles} articles -> {result.sentences} sentences ({sizes}) -> {out}", highlight=False)


def quality_tables(quality: dict[str, Any]) -> list[Any]:
    """Rich tables of the weak-label quality report, one per task."""
    from rich.table import Table

    tables = []
    for task, report in quality.items():
        table = Table(title=f"{task}: labeling functions against {report['gold']} gold sentences", title_justify="left")
        for name in ("rule", "coverage", "overlap", "conflict", "accuracy (n)", "evidence"):
            table.add_column(name, justify="left" if name == "rule" else "right")
        for fn in report["functions"]:
            acc = "-" if fn["accuracy"] is None else f"{fn['accuracy']:.2f}"
            table.add_row(fn["name"], f"{fn['coverage']:.2f}", f"{fn['overlap']:.2f}", f"{fn['conflict']:.2f}",
                          f"{acc} ({fn['gold_votes']})", f"{report['weights'].get(fn['name'], 0):.2f}")
        for name, score in report["aggregate"].items():
            table.add_row(f"[bold]aggregate: {name.replace('_', ' ')}[/]", f"{score['coverage']:.2f}", "", "",
                          f"acc {score['accuracy']:.3f}", f"F1m {score['macro_f1']:.3f}")
        tables.append(table)
    return tables


@command
def import_labeled(
    labeled: Annotated[Path, typer.Argument(help="A labeled CSV/TSV/JSONL/Parquet table, or a NewsMTSC JSONL file.",
                                            exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder, laid out like `mediaframe build`'s.")],
    format_: Annotated[str, typer.Option("--format", help="auto, table or newsmtsc.")] = "auto",
    target: Annotated[str | None, typer.Option("--target", "-t", help="Target of table rows without a target column.")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Import labeled data (a table with a column mapping, or NewsMTSC) as a dataset with grouped splits.

    Example: mediaframe import-labeled ../shared/benchmarks/newsmtsc/split_flat/train.jsonl --out out/newsmtsc
    """
    from mediaframe.dataset.builder import import_labeled as import_rows

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    result = import_rows(labeled, out, cfg, format_, target)
    sizes = ", ".join(f"{name} {c['sentences']}" for name, c in result.counts.items())
    err.print(f"{result.sentences} labeled rows from {result.articles} articles ({sizes}) -> {out}", highlight=False)


annotate_app = typer.Typer(help="Export sentences for human labeling and import the labels back as gold.", no_args_is_help=True)
app.add_typer(annotate_app, name="annotate")


def annotate_command(func: F) -> F:
    """Register a command on `mediaframe annotate` with the same error handling as `command`."""
    annotate_app.command(name=func.__name__.removeprefix("annotate_"))(reporting_user_errors(func))
    return func


@annotate_command
def annotate_export(
    source: Annotated[Path, typer.Argument(help="A built dataset folder (its sentences.jsonl) or a sentences JSONL/CSV.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output: .csv, or .json for Label Studio tasks.", dir_okay=False)],
    strategy: Annotated[str, typer.Option("--strategy",
                                          help="Order: uncertain (lowest weak confidence first), random, corpus.")] = "uncertain",
    limit: Annotated[int | None, typer.Option("--limit", help="Export at most this many sentences.")] = None,
    include_gold: Annotated[bool, typer.Option("--include-gold", help="Also export sentences that have gold labels.")] = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Write sentences for human labeling (CSV, or Label Studio tasks + labeling config).

    Example: mediaframe annotate export out/dataset --out out/to_label.csv --strategy uncertain --limit 200
    """
    from mediaframe.labels.annotation import export_annotation

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    written = export_annotation(source, out, cfg, strategy, limit, include_gold)
    err.print(f"{written} sentences to label ({strategy} first) -> {out}", highlight=False)


@annotate_command
def annotate_import(
    files: Annotated[list[Path], typer.Argument(help="One labeled file, or two annotators' files (CSV or Label Studio JSON).",
                                                exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Gold JSONL to write.", dir_okay=False)],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
    agreement: Annotated[Path | None, typer.Option("--agreement", dir_okay=False,
                                                   help="JSON file that keeps each labeled set's kappa (updated under --name).")] = None,
    name: Annotated[str, typer.Option("--name", help="The labeled set's name in the --agreement file.")] = "",
) -> None:
    """Read labeled annotation files back into a gold JSONL, checking every label; kappa for two annotators.

    Example: mediaframe annotate import alice.csv bob.csv --out data/gold/new_gold.jsonl --agreement data/labels/agreement.json --name new
    """
    from mediaframe.labels.annotation import (
        import_annotation,
        read_agreement,
        record_agreement,
    )

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    if agreement is not None:
        read_agreement(agreement)  # a broken agreement file is refused before anything is written
    written, kappa = import_annotation(files, out, cfg)
    for task, k in kappa.items():
        if k["n"]:
            err.print(f"{task}: Cohen's kappa {k['kappa']} (raw agreement {k['agreement']}, {k['n']} sentences)", highlight=False)
    if agreement is not None and kappa:
        record_agreement(agreement, name or out.stem, kappa)
        err.print(f"agreement of {name or out.stem!r} -> {agreement}", highlight=False)
    err.print(f"{written} gold rows -> {out}", highlight=False)
