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


app.registered_commands.sort(key=lambda command: PIPELINE_ORDER.index(command_name(command)))

__all__ = ["app"]
