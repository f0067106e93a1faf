"""Train a mediaframe model: a thin entry to `mediaframe train` (same arguments).

Example: python train.py out/dataset --out models/default --config configs/default.toml
"""

import sys

from mediaframe.cli import app

if __name__ == "__main__":
    app(["train", *sys.argv[1:]], prog_name="train.py")
