"""The Typer app, its shared options and the handling of user errors (one red line, exit 1)."""

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
    Path | None,
    typer.Option("--config", "-c", dir_okay=False,
                 help="TOML config (default: the packaged configs/default.toml, whose paths are relative to the working "
                 "folder; relative paths in a file given here are relative to that file's folder)."),
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
    from mediaframe.training.data_parallel import is_main_process

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
