"""The first `mediaframe predict` after install: seconds to the first row written and to the end of 100
sentences, with the shipped news model, against the same model without its prepared choices, side by side.

Each run is a fresh process with an empty cache folder (XDG_CACHE_HOME), as after `pip install`:
1. cold, shipped: what a new user gets (the scoring path for this kind of CPU comes with the model);
2. cold, measured: the same weights in a folder without scoring_paths.json (the runtime choice is
   measured at first use, as before the model shipped);
3. warm: the shipped model again with the cache the first run left (every later run).
The ratios are against run 2. Give `--python` to time an environment where the wheel was installed
(outside the checkout), as docs/BENCHMARKS.md does.

    .venv/bin/python bench/cold_start.py
    .venv/bin/python bench/cold_start.py --python /tmp/fresh/bin/python --runs 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NEWSMTSC = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "newsmtsc" / "split_flat" / "rw_test.jsonl"


def sentence_rows(path: Path, count: int) -> list[dict]:
    """`count` distinct real news sentences with their target and its mention (NewsMTSC rw_test), as sentence rows."""
    rows, seen = [], set()
    for line in path.open(encoding="utf-8"):
        item = json.loads(line)
        if item["sentence"] in seen:
            continue
        seen.add(item["sentence"])
        mention = {"start": item["from"], "end": item["to"], "text": item["mention"]}
        rows.append({"id": f"s{len(rows)}", "text": item["sentence"], "target": item["mention"], "mentions": [mention]})
        if len(rows) == count:
            break
    return rows


def timed_run(python: str, model: str, rows: Path, out: Path, cache: Path) -> tuple[float, float]:
    """Seconds from the start of a fresh `mediaframe predict` to its first row on disk, and to its end."""
    partial = out.with_name(out.name + ".partial.jsonl")
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    command = [python, "-m", "mediaframe", "predict", model, str(rows), "--unit", "sentence", "--out", str(out), "--force"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first = None
    while process.poll() is None:
        if first is None and ((partial.is_file() and b"\n" in partial.read_bytes()) or out.is_file()):
            first = time.perf_counter() - started
        time.sleep(0.01)
    total = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"predict failed: {process.stderr.read()[-2000:]}")
    return first if first is not None else total, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the interpreter of the environment to time")
    parser.add_argument("--sentences", type=int, default=100)
    parser.add_argument("--runs", type=int, default=1, help="repeats of each case (the median is reported)")
    args = parser.parse_args()
    shipped = subprocess.run([args.python, "-c", "from mediaframe.model.shipped import model_path; print(model_path('news'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = work / "rows.jsonl"
        rows.write_text("".join(json.dumps(r) + "\n" for r in sentence_rows(NEWSMTSC, args.sentences)), encoding="utf-8")
        measured = work / "measured-model"
        shutil.copytree(shipped, measured)
        (measured / "scoring_paths.json").unlink(missing_ok=True)
        cases = {"cold, shipped": [], "cold, measured": [], "warm, shipped": []}
        for run in range(args.runs):
            cache = work / f"cache-{run}"
            cases["cold, shipped"].append(timed_run(args.python, "news", rows, work / "a.jsonl", cache))
            cases["warm, shipped"].append(timed_run(args.python, "news", rows, work / "b.jsonl", cache))
            cases["cold, measured"].append(timed_run(args.python, str(measured), rows, work / "c.jsonl", work / f"cold-{run}"))
    median = {name: tuple(sorted(values)[len(values) // 2]) for name, values in cases.items()}
    base_first, base_total = median["cold, measured"]
    print(f"{args.sentences} distinct NewsMTSC sentences, {args.runs} run(s) per case, python {args.python}")
    print(f"{'case':<16} {'first row s':>12} {'all rows s':>11} {'x first':>8} {'x all':>7}")
    for name, (first, total) in median.items():
        print(f"{name:<16} {first:>12.1f} {total:>11.1f} {base_first / first:>8.1f} {base_total / total:>7.1f}")


if __name__ == "__main__":
    main()
