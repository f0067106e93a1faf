"""The `mediaframe` command line: a thin Typer layer over the library API.

Each command parses its arguments, loads the config, calls one library function and
prints a short summary. User errors (MediaframeError) become one red line and exit 1.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler

from mediaframe.config import Config, load_config
from mediaframe.errors import MediaframeError

app = typer.Typer(
    help="Stance, sentiment and framing of news coverage toward a target, sentence by sentence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err = Console(stderr=True)
state = {"verbose": False}
F = TypeVar("F", bound=Callable[..., Any])

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", "-c", help="TOML config (default: configs/default.toml).", dir_okay=False)
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a config key: --set section.key=value (repeatable; value parsed as JSON)."),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")]
TargetOpt = Annotated[str, typer.Option("--target", "-t", help="The entity whose coverage is measured.")]


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging and tracebacks.")] = False) -> None:
    """Set up logging for every command."""
    from mediaframe.model.data_parallel import is_main_process

    state["verbose"] = verbose
    if not verbose:  # the per-tensor "Loading weights" bar of transformers says nothing to a user
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    level = logging.DEBUG if verbose else logging.INFO if is_main_process() else logging.WARNING  # torchrun: rank 0 logs
    logging.basicConfig(level=level, handlers=[log_handler()], force=True)


def log_handler() -> logging.Handler:
    """Rich log lines on a terminal; plain one-line records (never wrapped) in pipes, files and CI logs."""
    if err.is_terminal:
        return RichHandler(console=err, show_time=False, show_path=False, markup=False)
    handler = logging.StreamHandler()  # the current sys.stderr
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    return handler


def reporting_user_errors(func: F) -> Callable[..., Any]:
    """Wrap a command so that a MediaframeError becomes one red line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MediaframeError as exc:
            if state["verbose"]:
                err.print_exception()
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper


def command(func: F) -> F:
    """Register a top-level command with the user-error handling above."""
    app.command()(reporting_user_errors(func))
    return func


def config_from(config: Path | None, overrides: list[str] | None) -> Config:
    return load_config(config, overrides or [])


def refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise MediaframeError(f"{path} exists; pass --force to overwrite it or choose another --out")


# ---------------------------------------------------------------- commands


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
    from mediaframe.corpus.sentences import corpus_sentences, sentence_row
    from mediaframe.files import write_jsonl
    from mediaframe.progress import progress

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
def compare(
    predictions: Annotated[
        Path, typer.Argument(help="Predictions from `mediaframe predict` (JSONL/CSV/Parquet).", exists=True, dir_okay=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for summary.csv, report.md/html, charts.")],
    by: Annotated[str, typer.Option("--by", help="Group by: outlet, date or author.")] = "outlet",
    period: Annotated[str, typer.Option("--period", help="With --by date: day, week or month.")] = "month",
    filter_: Annotated[
        str | None, typer.Option("--filter", help="'mentions': only sentences that mention the target.")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Compare this target (files with several).")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Compare outlets (or periods, or authors): net stance, sentiment and frames with CIs, tests and a report.

    Example: mediaframe compare out/predictions.jsonl --by outlet --out out/compare
    """
    from mediaframe.compare.comparison import Grouping
    from mediaframe.compare.comparison import compare as compare_groups
    from mediaframe.compare.reporting import headline, render_report, write_report
    from mediaframe.files import read_table

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    if filter_ not in (None, "mentions"):
        raise MediaframeError(f"--filter {filter_!r}: expected 'mentions' (or leave it out for all sentences)")
    grouping = Grouping(by, period, filter_ == "mentions", target, source=str(predictions))
    result = compare_groups(read_table(predictions), grouping, cfg.comparison, cfg.seed, cfg.report.examples_per_group)
    write_report(render_report(result, cfg.report), out)
    err.print(f"{len(result.summary)} {by} groups compared -> {out}/report.html\n{headline(result)}", highlight=False)


@command
def evaluate(
    model: Annotated[Path, typer.Argument(help="Model folder written by `mediaframe train`.")],
    data: Annotated[Path, typer.Argument(help="Built dataset folder, labeled CSV/JSONL table, or NewsMTSC JSONL/folder.")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the figures as JSON, one object per task.", dir_okay=False)
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Folder for the confusion-matrix PNGs.", file_okay=False)] = None,
    train: Annotated[
        Path | None,
        typer.Option("--train", help="Training rows of the majority and TF-IDF baselines (default: the model's "
                     "recorded training data, else DATA's train split)."),
    ] = None,
    split: Annotated[str | None, typer.Option("--split", help="Split of a dataset folder (default: evaluation.split).")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Score a model on labeled data beside the majority-class, weak-labeler and TF-IDF baselines.

    Example: mediaframe evaluate models/default out/dataset --json out/evaluation.json --out out/evaluation
    """
    from mediaframe.evaluation.report import png_paths, write_evaluation
    from mediaframe.evaluation.scoring import evaluate_path
    from mediaframe.records import TASKS

    cfg = config_from(config, set_)
    for path in ([json_out] if json_out else []) + (png_paths(out, TASKS) if out else []):
        refuse_overwrite(path, force)
    result = evaluate_path(model, data, cfg, split, train)
    Console(width=max(Console().width, 120)).print(result.table())
    written = write_evaluation(result, json_out, out, cfg.evaluation.dpi)
    err.print(f"{len(result.tasks)} tasks scored ({', '.join(result.tasks)})" + (f" -> {', '.join(map(str, written))}" if written else ""))


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
def train(
    data: Annotated[Path, typer.Argument(help="Built dataset folder, labeled CSV/JSONL table, or NewsMTSC JSONL/folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.", file_okay=False)],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    device: Annotated[str | None, typer.Option("--device", help="cpu, cuda or auto (default: training.device).")] = None,
    force: ForceOpt = False,
) -> None:
    """Fine-tune the three-head model on labeled sentences and write a model folder.

    Example: mediaframe train out/dataset --out models/default --config configs/default.toml
    """
    from mediaframe.model.data_parallel import is_main_process
    from mediaframe.model.training import train_path

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    folder = train_path(data, cfg, out, device)
    if is_main_process():  # under torchrun, one line for the one model folder
        err.print(f"model -> {folder} (validation macro-F1 in {folder / 'metrics.json'})")


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
    strategy: Annotated[str, typer.Option("--strategy", help="Order: uncertain (lowest weak confidence first), random, corpus.")] = "uncertain",
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
    files: Annotated[list[Path], typer.Argument(help="One labeled file, or two annotators' files (CSV or Label Studio JSON).", exists=True, dir_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Gold JSONL to write.", dir_okay=False)],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
    agreement: Annotated[Path | None, typer.Option("--agreement", help="JSON file that keeps each labeled set's kappa (updated under --name).", dir_okay=False)] = None,
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


@command
def import_labeled(
    labeled: Annotated[Path, typer.Argument(help="A labeled CSV/TSV/JSONL/Parquet table, or a NewsMTSC JSONL file.", exists=True, dir_okay=False)],
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


@command
def predict(
    model: Annotated[Path, typer.Argument(help="Model folder written by `mediaframe train`.", file_okay=False)],
    source: Annotated[Path, typer.Argument(metavar="INPUT", help="Articles (folder, .txt/.html, JSONL/CSV) or sentence rows.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .jsonl, .csv or .parquet, one row per sentence.", dir_okay=False)],
    target: Annotated[str, typer.Option("--target", "-t", help="Target of rows and articles without their own.")] = "",
    unit: Annotated[str, typer.Option("--unit", help="article (article text) or sentence (rows with a 'text' field).")] = "article",
    articles: Annotated[Path | None, typer.Option("--articles", help="Also write a per-article summary here.", dir_okay=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Go on with an interrupted run of the same command.")] = False,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Sentences per forward pass (predict.batch_size).")] = None,
    dtype: Annotated[str | None, typer.Option("--dtype", help="auto, fp32, bf16 or int8 (predict.dtype).")] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or auto.")] = "cpu",
    engine: Annotated[str, typer.Option("--engine", help="local (one process) or ray (Ray Data; see docs/SCALING.md).")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="With --engine ray: a cluster to join (auto, ray://head:10001).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="With --engine ray: model actors (distributed.workers).", min=1)] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Label every sentence of new coverage with stance, sentiment and frame, streamed and resumable.

    Example: mediaframe predict models/default data/seed --target Netflix --out out/predictions.jsonl
    """
    from mediaframe.scale.engine import choose_engine

    extra = [f"predict.batch_size={batch_size}"] * (batch_size is not None) + [f"predict.dtype={dtype}"] * (dtype is not None)
    cfg = config_from(config, [*(set_ or []), *extra])
    predict_corpus = choose_engine(engine, address, workers)  # prediction.predict, or distributed.predict_ray
    report = predict_corpus(model, source, out, target, unit, articles, resume, force, cfg, device)
    skipped = f", {sum(report.skipped.values()):,} input rows skipped" if report.skipped else ""
    truncated = f", {report.truncated:,} truncated" if report.truncated else ""
    err.print(f"{report.sentences:,} sentences ({report.scored:,} scored now, {report.rate:,.0f}/s, {report.dtype}){skipped}{truncated} -> {out}", highlight=False)
