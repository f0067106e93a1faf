"""Cleaning and segmentation scale linearly: each timed on an input and on one ten times as large, side by side.

The ratio of the two times is about 10 where the work is linear in the input, and about 100 where it is
quadratic (cleaning 5,000 short lines once took 40 s that way). The inputs are the shapes that broke
linearity before: many short list lines, and one 2 MB line with no paragraph breaks.

    .venv/bin/python bench/text_speed.py
"""

from __future__ import annotations

import time

from mediaframe.corpus.cleaning import clean
from mediaframe.corpus.segmentation import split_article
from mediaframe.records import Article


def seconds(work, *args) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        work(*args)
        best = min(best, time.process_time() - started)
    return best


def short_lines(count: int) -> Article:
    return Article(id="list", text="\n".join(f"Item number {i} of the list" for i in range(count)))


def one_long_line(chars: int) -> Article:
    line = " ".join(["Netflix (NFLX) said on Monday that prices rose 4.5% to $1.2 billion."] * (chars // 60 + 1))
    return Article(id="big", text=line[:chars])


def main() -> None:
    cases = {
        "cleaning, short lines (2,000 / 20,000)": (clean, short_lines(2_000), short_lines(20_000)),
        "segmentation, one line (200 KB / 2 MB)": (split_article, one_long_line(200_000), one_long_line(2_000_000)),
    }
    print(f"{'case':<42} {'small s':>8} {'large s':>8} {'ratio (10 = linear)':>20}")
    for name, (work, small, large) in cases.items():
        a, b = seconds(work, small), seconds(work, large)
        print(f"{name:<42} {a:>8.3f} {b:>8.3f} {b / a:>20.1f}")


if __name__ == "__main__":
    main()
