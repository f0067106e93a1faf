"""The `mediaframe` command line: a thin Typer layer over the library API.

Each command parses its arguments, loads the config, calls one library function and
prints a short summary. User errors (MediaframeError) become one red line and exit 1.
"""

from __future__ import annotations

import functools
import logging
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
    state["verbose"] = verbose
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=err, show_time=False, show_path=False, markup=False)],
        force=True,
    )


def command(func: F) -> F:
    """Register a command whose MediaframeError becomes one red line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MediaframeError as exc:
            if state["verbose"]:
                err.print_exception()
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None

    app.command()(wrapper)
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
    from mediaframe.corpus import corpus_sentences
    from mediaframe.io import read_articles, sentence_row, write_jsonl
    from mediaframe.progress import progress

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    articles = read_articles(corpus, cfg.data)
    rows = [sentence_row(s) for s in corpus_sentences(progress(articles, "articles"), target, cfg)]
    if not rows:
        raise MediaframeError(f"corpus {corpus}: no sentence left after cleaning; check that the files hold article text")
    write_jsonl(rows, out)
    mentioning = sum(row["mentions_target"] for row in rows)
    err.print(f"{len(articles)} articles -> {len(rows)} sentences ({mentioning} mention {target}) -> {out}")


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
    from mediaframe.comparison import Grouping, compare as compare_groups
    from mediaframe.io import read_table
    from mediaframe.reporting import headline, render_report, write_report

    cfg = config_from(config, set_)
    refuse_overwrite(out, force)
    if filter_ not in (None, "mentions"):
        raise MediaframeError(f"--filter {filter_!r}: expected 'mentions' (or leave it out for all sentences)")
    grouping = Grouping(by, period, filter_ == "mentions", target, source=str(predictions))
    result = compare_groups(read_table(predictions), grouping, cfg.comparison, cfg.seed, cfg.report.examples_per_group)
    write_report(render_report(result, cfg.report), out)
    err.print(f"{len(result.summary)} {by} groups compared -> {out}/report.html\n{headline(result)}", highlight=False)
