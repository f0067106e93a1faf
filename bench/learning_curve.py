"""Is fine-tuning from the shipped news model worth it on a new domain? A learning curve.

The domain is FinEntity (real financial news, entity-level sentiment), which the shipped news model
was not trained on. For each number of labels n (25, 50, 100, 200, 500 by default) and each seed, n
labeled (sentence, entity) rows are drawn at random from FinEntity's training passages and a model is
fine-tuned on them with the default `mediaframe train` recipe from each start: the shipped fine-tuning
base (`--base news-teacher`, the default), plain MiniLM (`--base minilm`) and, given in --starts, the
shipped three-layer student (`news`) or any model folder. All keep the default replay sample of general
rows (NewsMTSC, Narrative Frames folds 1-4, the written coverage; FinEntity itself is left out of it,
so n is every FinEntity label a run sees). Every model, and the news model untouched, is scored on
the FinEntity test fifth: labeled real news that nothing is trained, tuned or selected on.

Prints macro-F1 per task (mean and spread over seeds) per start and n, with the untouched shipped
models beside them, and appends one JSON line per run to --log; --summarise prints the table of logs.

    .venv/bin/python bench/learning_curve.py --log out/learning_curve.jsonl
    .venv/bin/python bench/learning_curve.py --sizes 100 --seeds 13,14,15 --starts news-teacher,minilm,news
    .venv/bin/python bench/learning_curve.py --summarise out/learning_curve.jsonl
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from datasets import DatasetDict

from mediaframe.config import Config, load_config
from mediaframe.evaluation.scoring import evaluate
from mediaframe.labels.registry import load_source
from mediaframe.model.modeling import load_model
from mediaframe.model.shipped import SHIPPED_NAMES, model_path
from mediaframe.records import TASKS
from mediaframe.training.data import rows_dataset
from mediaframe.training.train import train

REPLAY_SOURCES = '["narrative_frames", "written"]'  # the default replay without the domain under test


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.summarise:
        summarise([json.loads(line) for log in args.summarise for line in log.read_text(encoding="utf-8").splitlines()])
        return 0
    cfg = load_config(args.config, args.set)
    pool = [row for row in load_source("finentity", cfg).rows if any(row.get(t) for t in TASKS)]
    test = load_source("finentity_test", cfg).rows
    print(f"FinEntity: {len(pool)} training rows to draw labels from, {len(test)} test rows "
          f"({len({r['article_id'] for r in test})} passages)")
    results = [run(f"{name} untouched", 0, 0, model_path(name), test, cfg, 0.0, args.log) for name in SHIPPED_NAMES]
    for n in args.sizes:
        for seed in args.seeds:
            labels = random.Random(seed).sample(pool, n)
            for start in args.starts:
                results.append(fine_tune_and_score(start, n, seed, labels, test, args))
    summarise(results)
    return 0


def fine_tune_and_score(start: str, n: int, seed: int, labels: list[dict], test: list[dict],
                        args: argparse.Namespace) -> dict:
    """Fine-tune from `start` on `labels` with the default recipe, then score on the test rows."""
    cfg = load_config(args.config, [f"model.base_model={start}", f"seed={seed}", f"training.extra_sources={REPLAY_SOURCES}", *args.set])
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mediaframe-curve-") as work:
        model = train(DatasetDict({"train": rows_dataset(labels)}), cfg, Path(work) / "model", source="finentity-sample")
        return run(f"from {start}", n, seed, model, test, cfg, time.perf_counter() - started, args.log)


def run(name: str, n: int, seed: int, model: Path, test: list[dict], cfg: Config, train_s: float,
        log: Path | None) -> dict:
    scores = evaluate(load_model(model), test, cfg, None).to_dict()
    record = {"start": name, "labels": n, "seed": seed, "train_s": round(train_s, 1),
              **{task: round(scores[task]["macro_f1"], 4) for task in TASKS if task in scores}}
    print(json.dumps(record), flush=True)
    if log:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return record


def summarise(results: list[dict]) -> None:
    """Mean (and standard deviation over seeds) of each task's macro-F1 per start and number of labels."""
    print(f"\n{'start':<24}{'labels':>7}  " + "".join(f"{t:>18}" for t in TASKS))
    groups: dict[tuple[str, int], list[dict]] = {}
    once = {(r["start"], r["labels"], r["seed"]): r for r in results}  # a run logged again (untouched models) counts once
    for record in once.values():
        groups.setdefault((record["start"], record["labels"]), []).append(record)
    for (start, n), runs in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0])):
        cells = []
        for task in TASKS:
            values = [r[task] for r in runs if task in r]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} ± {spread:.3f} ({len(values)})" if values else "-")
        print(f"{start:<24}{n:>7}  " + "".join(f"{c:>18}" for c in cells))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=None, help="default: the packaged one (run from the checkout)")
    parser.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], default=[25, 50, 100, 200, 500])
    parser.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")], default=[13])
    parser.add_argument("--starts", type=lambda v: v.split(","), default=["news-teacher", "minilm"])
    parser.add_argument("--set", action="append", default=[], help="config override for every run")
    parser.add_argument("--log", type=Path, default=None, help="append one JSON line per run")
    parser.add_argument("--summarise", type=Path, nargs="+", help="print the table of these logs and stop")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
