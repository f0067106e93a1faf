"""Commands that train a model and use it: train, distill, evaluate, predict, compare."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from mediaframe.cli.app import (
    ConfigOpt,
    ForceOpt,
    SetOpt,
    command,
    config_from,
    err,
    refuse_overwrite,
)
from mediaframe.errors import MediaframeError

if TYPE_CHECKING:
    from mediaframe.compare.grouping import Grouping
    from mediaframe.config import Config


@command
def train(
    data: Annotated[Path, typer.Argument(help="Built dataset folder, labeled CSV/JSONL table, or NewsMTSC JSONL/folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.", file_okay=False)],
    base: Annotated[str | None, typer.Option("--base", help="Start from: news-teacher (the shipped fine-tuning base, the "
                                             "default), news (the shipped student), minilm (plain all-MiniLM-L6-v2), a "
                                             "Hugging Face id or a model folder (model.base_model).")] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    device: Annotated[str | None, typer.Option("--device", help="cpu, cuda or auto (default: training.device).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Go on from the checkpoints an interrupted run of the same data "
                                         "and settings left in OUT.checkpoints/ (keeps checkpoints: training.checkpoints).")] = False,
    force: ForceOpt = False,
) -> None:
    """Fine-tune the three-head model on labeled sentences and write a model folder.

    Example: mediaframe train out/dataset --out models/mine --base news-teacher
    """
    from mediaframe.training.data_parallel import is_main_process
    from mediaframe.training.train import train_path

    cfg = config_from(config, [*(set_ or []), *([f"model.base_model={base}"] if base else [])])
    refuse_overwrite(out, force)
    folder = train_path(data, cfg, out, device, resume)
    if is_main_process():  # under torchrun, one line for the one model folder
        err.print(f"model -> {folder} (validation macro-F1 in {folder / 'metrics.json'})")


@command
def distill(
    teacher: Annotated[Path, typer.Argument(help="Trained model folder to learn from.", file_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Student model folder to write.", file_okay=False)],
    corpus: Annotated[list[Path] | None, typer.Option("--corpus", help="More articles for the teacher to label (repeatable).")] = None,
    target: Annotated[str, typer.Option("--target", "-t", help="Target of --corpus articles without their own.")] = "",
    config: ConfigOpt = None,
    set_: SetOpt = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or auto.")] = "cpu",
    force: ForceOpt = False,
) -> None:
    """Train a smaller, faster student on a trained model's predictions (distill.layers of its layers).

    Example: mediaframe distill models/default --out models/student
    """
    from mediaframe.corpus.sentences import corpus_sentence_rows
    from mediaframe.hardware import resolve_device
    from mediaframe.training.distillation import distill as distill_model

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    extra = [row for path in corpus or [] for row in corpus_sentence_rows(path, target, cfg)]
    folder = distill_model(teacher, out, cfg, extra, resolve_device(device))
    err.print(f"student -> {folder} (score it with: mediaframe evaluate {folder} DATA)")


@command
def evaluate(
    model: Annotated[str, typer.Argument(help="Model folder written by `mediaframe train`, or `news` (the shipped model).")],
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
    from mediaframe.evaluation.report import png_paths, result_table, write_evaluation
    from mediaframe.evaluation.scoring import evaluate_path
    from mediaframe.model.shipped import model_path
    from mediaframe.records import TASKS

    cfg = config_from(config, set_)
    for path in ([json_out] if json_out else []) + (png_paths(out, TASKS) if out else []):
        refuse_overwrite(path, force)
    result = evaluate_path(model_path(model), data, cfg, split, train)
    Console(width=max(Console().width, 120)).print(result_table(result))
    written = write_evaluation(result, json_out, out, cfg.evaluation.dpi)
    err.print(f"{len(result.tasks)} tasks scored ({', '.join(result.tasks)})" + (f" -> {', '.join(map(str, written))}" if written else ""))


@command
def predict(
    model: Annotated[str, typer.Argument(metavar="[MODEL]", help="A model folder, or `news` (the shipped model, also "
                                         "what a command with INPUT alone uses).")],
    source: Annotated[Path | None, typer.Argument(metavar="INPUT", help="Articles (folder, .txt/.html, JSONL/CSV) or "
                                                  "sentence rows.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output .jsonl, .csv or .parquet, one row per sentence.",
                                      dir_okay=False)] = Path("predictions.jsonl"),
    target: Annotated[list[str] | None, typer.Option("--target", "-t", help="Target of rows and articles without their "
                                                     "own; repeat it to score every sentence toward each.")] = None,
    targets_file: Annotated[Path | None, typer.Option("--targets", help="A JSONL file of targets with their other names: "
                                                      '{"target": "SAG-AFTRA", "aliases": ["the guild"]}.',
                                                      dir_okay=False)] = None,
    unit: Annotated[str, typer.Option("--unit", help="article (article text) or sentence (rows with a 'text' field).")] = "article",
    articles: Annotated[Path | None, typer.Option("--articles", help="Also write a per-article summary here.", dir_okay=False)] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Go on with an interrupted run of the same command.")] = False,
    batch_size: Annotated[int | None, typer.Option("--batch-size", help="Sentences per forward pass (predict.batch_size).")] = None,
    dtype: Annotated[str | None, typer.Option("--dtype", help="auto, fp32, bf16 or int8 (predict.dtype).")] = None,
    runtime: Annotated[str | None, typer.Option("--runtime", help="auto, torch or openvino (predict.runtime).")] = None,
    device: Annotated[str, typer.Option("--device", help="cpu, cuda or auto.")] = "cpu",
    engine: Annotated[str, typer.Option("--engine", help="local (one process) or ray (Ray Data; see docs/SCALING.md).")] = "local",
    address: Annotated[str | None, typer.Option("--address", help="With --engine ray: a cluster to join (auto, ray://head:10001).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="With --engine ray: model actors (distributed.workers).", min=1)] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Label every sentence of new coverage with stance, sentiment and frame, streamed and resumable.

    Example: mediaframe predict news data/seed --target Netflix --out out/predictions.jsonl

    Several targets: mediaframe predict data/seed --target Netflix --target SAG-AFTRA --out out/both.jsonl
    """
    from mediaframe.hardware import watch_cpus

    watch = watch_cpus()  # what other processes do, watched while the libraries load (predict.threads = 0)
    from mediaframe.corpus.target_list import with_targets
    from mediaframe.model.shipped import SHIPPED_NAME, model_path
    from mediaframe.predict.job import PredictJob

    model, source = (SHIPPED_NAME, Path(model)) if source is None else (model, source)

    given = {"batch_size": batch_size, "dtype": dtype, "runtime": runtime}
    extra = [f"predict.{key}={value}" for key, value in given.items() if value is not None]
    targets, cfg = with_targets(config_from(config, [*(set_ or []), *extra]), target or [], targets_file)
    run_job = engine_runner(engine, address, workers)  # in this process, or on Ray Data
    report = run_job(PredictJob(model_path(model), source, out, targets, unit=unit, articles_out=articles, resume=resume,
                                 force=force, cfg=cfg, device=device, cpu_watch=watch))
    skipped = f", {sum(report.skipped.values()):,} input rows skipped" if report.skipped else ""
    truncated = f", {report.truncated:,} truncated" if report.truncated else ""
    counts = f"{report.scored:,} scored now, {report.rate:,.0f}/s, {report.dtype}"
    err.print(f"{report.sentences:,} sentences ({counts}){skipped}{truncated} -> {out}", highlight=False)


def engine_runner(engine: str, address: str | None, workers: int | None) -> Callable[[Any], Any]:
    """The runner of a prediction job: predict.run.run_job here, or scale.engine.run_ray_job on Ray Data.

    Raises:
        MediaframeError: an unknown engine, or --address/--workers without --engine ray.
    """
    if engine == "ray":
        from mediaframe.scale.engine import run_ray_job

        return functools.partial(run_ray_job, address=address, workers=workers)
    if engine != "local":
        raise MediaframeError(f"--engine {engine!r}: expected local (one process, streaming) or ray (Ray Data)")
    if address or workers:
        raise MediaframeError("--address and --workers go with --engine ray; add --engine ray or drop them")
    from mediaframe.predict.run import run_job

    return run_job


@command
def compare(
    predictions: Annotated[
        Path, typer.Argument(help="Predictions from `mediaframe predict` (JSONL/CSV/Parquet).", exists=True, dir_okay=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for summary.csv, report.md/html, charts.")],
    by: Annotated[str, typer.Option("--by", help="Group by: outlet, date or author; add ',target' (outlet,target) to "
                                    "set several targets side by side.")] = "outlet",
    period: Annotated[str, typer.Option("--period", help="With --by date: day, week or month.")] = "month",
    filter_: Annotated[
        str | None, typer.Option("--filter", help="'mentions': only sentences that mention the target.")
    ] = None,
    target: Annotated[str | None, typer.Option("--target", "-t", help="Compare this target (files with several).")] = None,
    model: Annotated[str, typer.Option("--model", help="The model that made the predictions, to mark the evidence "
                                       "words of each quoted sentence: news (the shipped model), a model folder, or "
                                       "none.")] = "news",
    targets_file: Annotated[Path | None, typer.Option("--targets", help="The targets file predict was given: the "
                                                      "evidence words find each target by its other names too.",
                                                      dir_okay=False)] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    force: ForceOpt = False,
) -> None:
    """Compare outlets (or periods, or authors): net stance, sentiment and frames with CIs, tests and a report.

    Example: mediaframe compare out/predictions.jsonl --by outlet --out out/compare
    """
    from mediaframe.compare.comparison import compare as compare_groups
    from mediaframe.compare.grouping import grouping_of
    from mediaframe.compare.reporting import headline, render_report, write_report
    from mediaframe.corpus.target_list import with_targets
    from mediaframe.tables import read_table

    _, cfg = with_targets(config_from(config, set_), [], targets_file)
    refuse_overwrite(out, force)
    grouping, by_target = grouping_of(by, period, filter_, target, str(predictions))
    rows = read_table(predictions)
    if by_target:
        compare_side_by_side(rows, grouping, cfg, out, model)
        return
    result = compare_groups(rows, grouping, cfg.comparison, cfg.seed, cfg.report.examples_per_group)
    mark_evidence([result], model, cfg)
    write_report(render_report(result, cfg.report), out)
    err.print(f"{len(result.summary)} {by} groups compared -> {out}/report.html\n{headline(result)}", highlight=False)


def mark_evidence(comparisons: list[Any], model: str, cfg: Config) -> None:
    """Mark each quoted sentence's evidence words with `model` (nothing for 'none')."""
    from mediaframe.compare.evidence import add_evidence
    from mediaframe.model.shipped import model_path

    if model.strip().lower() == "none":
        return
    try:
        folder = model_path(model)
    except MediaframeError as exc:  # the default `news` where this installation ships none: the report, unmarked
        if model != "news":
            raise
        err.print(f"[yellow]evidence words left out: {exc}[/yellow]")
        return
    add_evidence(comparisons, folder, cfg)


def compare_side_by_side(rows: list[dict[str, Any]], grouping: Grouping, cfg: Config, out: Path, model: str) -> None:
    """`compare --by outlet,target`: every target of the predictions, and each outlet's targets against each other."""
    from mediaframe.compare.reporting import write_report
    from mediaframe.compare.target_report import headline, render_target_report
    from mediaframe.compare.targets import compare_targets

    result = compare_targets(rows, grouping, cfg.comparison, cfg.seed, cfg.report.examples_per_group)
    mark_evidence(list(result.comparisons.values()), model, cfg)
    write_report(render_target_report(result, cfg.report), out)
    answer, evidence = headline(result)
    err.print(f"{len(result.targets)} targets by {grouping.by} compared -> {out}/report.html\n{answer} {evidence}",
              highlight=False)
