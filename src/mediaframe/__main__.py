"""python -m mediaframe -> the command line."""

from mediaframe.cli import app

app(prog_name="mediaframe")
