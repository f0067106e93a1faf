"""The `mediaframe` command line: a thin Typer layer over the library API.

Each command parses its arguments, loads the config, calls one library function and
prints a short summary. Commands are registered in pipeline order when this package is imported.
"""

from mediaframe.cli import analyst, prepare, score  # noqa: F401 (registers the commands)
from mediaframe.cli.app import app

__all__ = ["app"]
