"""The `mediaframe` command line: a thin Typer layer over the library API.

Each command parses its arguments, loads the config, calls one library function and
prints a short summary. `--help` lists the commands in pipeline order.
"""

from typing import Any

from mediaframe.cli import analyst, prepare, score  # noqa: F401 (registers the commands)
from mediaframe.cli.app import app

PIPELINE_ORDER = ("sentences", "build", "import-labeled", "train", "distill", "evaluate", "predict", "compare",
                  "suggest", "explain")


def command_name(command: Any) -> str:
    return command.name or command.callback.__name__.replace("_", "-")


def pipeline_place(command: Any) -> int:
    name = command_name(command)
    return PIPELINE_ORDER.index(name) if name in PIPELINE_ORDER else len(PIPELINE_ORDER)


app.registered_commands.sort(key=pipeline_place)

__all__ = ["app"]
