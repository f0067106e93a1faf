"""How many labels does `suggest` save? The analyst's loop simulated on labeled real news.

The starting model (--start) must never have learned FinEntity; a start model that learned it is refused. The
figures in docs/BENCHMARKS.md start from `news-teacher` as shipped up to commit 2be9f42 (`mediaframe train`'s default
base then, made by commit 903adf2's recipe, without FinEntity):

    git worktree add ../mediaframe-2be9f42 2be9f42
    .venv/bin/python bench/active_learning.py --start ../mediaframe-2be9f42/src/mediaframe/resources/models/news-teacher ...

(today's shipped pair learned FinEntity's training passages); or train one without it:
`mediaframe train out/seed-dataset --out models/start --base minilm --set training.replay_rows=0
--set 'training.extra_sources=["newsmtsc", "narrative_frames", "written"]'`.
FinEntity's training passages are the unlabeled corpus: their gold stays hidden until a sentence is picked, then
it is revealed as the analyst's label. Each round picks more sentences, up to 25, 50, 100, 200 and
400 labels, by one of two strategies, fine-tunes the starting model on every label so far (`mediaframe
train --base START` on the labels alone: the replay sample is left out by default here, so that the
30 fine-tunings of three seeds fit in well under an hour on a 2-core CPU; `--replay` puts it back),
and scores the model on the FinEntity test fifth, which nothing is trained, tuned or selected on (or,
with `--score-on validation`, to choose a strategy: a fixed fifth of the training passages, the rest the pool):

- suggest: what `mediaframe suggest` picks (`--selection typical`, its default: the corpus's common
  cases weighted by doubt, one per cluster; or `uncertain`: the most uncertain, one per cluster; at most
  3 per passage; `analyst.selection`) with the latest fine-tuned model (`--picker latest`, the loop as
  the README shows it) or always with the model it started from (`--picker start`);
- random: a seeded random sample.

Prints macro-F1 per task per strategy and number of labels (mean and spread over the seeds), how many
random labels reach suggest's stance F1 at 100 labels (linear interpolation of the random curve), and
appends one JSON line per round to --log.

    .venv/bin/python bench/active_learning.py --start START --seeds 13,14,15 --log out/active_learning.jsonl
    .venv/bin/python bench/active_learning.py --start START --picker start --strategies suggest --log out/active_learning.jsonl
    .venv/bin/python bench/active_learning.py --summarise out/active_learning.jsonl --picker start
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

import numpy as np
from datasets import DatasetDict

from mediaframe.analyst.selection import PICKERS, uncertainty
from mediaframe.config import Config, load_config
from mediaframe.dataset.splits import hold_out_articles
from mediaframe.evaluation.scoring import evaluate
from mediaframe.inference.predictor import Predictor
from mediaframe.labels.embeddings import load_embedder
from mediaframe.labels.registry import load_source
from mediaframe.model.folder import read_meta
from mediaframe.model.modeling import load_model
from mediaframe.model.shipped import model_path
from mediaframe.records import TASKS
from mediaframe.training.data import rows_dataset
from mediaframe.training.train import train

REPLAY_SOURCES = '["narrative_frames", "written"]'  # the default replay without the domain under test
PER_ARTICLE = 3
VALIDATION_SHARE, VALIDATION_SEED = 0.2, 7  # --score-on validation: a fixed fifth of the training passages


def main() -> int:
    args = parse_args()
    if args.summarise:
        records = [json.loads(line) for path in args.summarise for line in path.read_text(encoding="utf-8").splitlines()]
        start = args.start or "news-teacher"  # the label of the rounds logged before --start was required
        summarise([r for r in records if r.get("start", "news") == start and r.get("replay", False) == args.replay
                   and r.get("scored_on", "test") == args.score_on
                   and (r["strategy"] == "random" or (r.get("picker", "latest") == args.picker
                                                      and r.get("selection", "uncertain") == args.selection))], args.budgets)
        # (records before --selection existed are uncertain picks; a record's "budgets" says the rounds it was picked in)
        return 0
    logging.basicConfig(level=logging.WARNING)
    if not args.start:
        sys.exit("--start: expected the model the loop starts from, one that never learned FinEntity (see this script's "
                 "docstring: news-teacher as shipped at commit 2be9f42)")
    if "finentity" in learned_sources(args.start):
        sys.exit(f"--start {args.start}: it learned FinEntity, the corpus this loop picks from; expected a model that "
                 "never saw it (news-teacher as shipped at commit 2be9f42, or one trained without finentity: see "
                 "this script's docstring)")
    cfg = load_config(args.config, args.set)
    pool = [row for row in load_source("finentity", cfg).rows if any(row.get(t) for t in TASKS)]
    if args.score_on == "validation":  # choose on passages of the training part, never on the test fifth
        pool, test = hold_out_articles(pool, VALIDATION_SHARE, VALIDATION_SEED)
    else:
        test = load_source("finentity_test", cfg).rows
    embeddings = load_embedder(cfg.labeling.embedding_model)([row["text"] for row in pool])
    print(f"FinEntity: {len(pool)} rows to pick from, {len(test)} {args.score_on} rows; budgets {args.budgets}, "
          f"seeds {args.seeds}")
    results = []
    for seed in args.seeds:
        for strategy in args.strategies:
            results += simulate(strategy, seed, pool, embeddings, test, args)
    summarise(results, args.budgets)
    return 0


def learned_sources(model: str) -> set[str]:
    """The data sources a model folder records it learned from (a student: its teacher's rows too)."""
    return {source["name"] for source in read_meta(model_path(model)).get("data", {}).get("sources", [])}


def simulate(strategy: str, seed: int, pool: list[dict], embeddings: np.ndarray, test: list[dict],
             args: argparse.Namespace) -> list[dict]:
    """Rounds of pick, label (reveal the gold), fine-tune from the starting model, score: one record per budget."""
    labeled: list[int] = []
    model: Path = model_path(args.start)
    records = []
    with tempfile.TemporaryDirectory(prefix="mediaframe-al-") as work:
        for budget in args.budgets:
            picker = model if args.picker == "latest" else model_path(args.start)
            labeled += pick(strategy, picker, pool, embeddings, labeled, budget - len(labeled), seed, args.selection)
            cfg = load_config(args.config, [f"model.base_model={args.start}", f"seed={seed}", *recipe(args.replay), *args.set])
            started = time.perf_counter()
            model = train(DatasetDict({"train": rows_dataset([pool[i] for i in labeled])}), cfg,
                          Path(work) / f"{strategy}-{budget}", source=f"finentity-{strategy}")
            scores = score(model, test, cfg)
            records.append(log({"strategy": strategy, "picker": args.picker, "selection": args.selection, "start": args.start,
                                "replay": args.replay, "scored_on": args.score_on, "budgets": args.budgets, "set": args.set,
                                "labels": budget, "seed": seed, "train_s": round(time.perf_counter() - started, 1), **scores},
                               args.log))
    return records


def recipe(replay: bool) -> list[str]:
    """Fine-tuning on the labels alone, or with the default replay sample (FinEntity itself left out of it)."""
    if replay:
        return [f"training.extra_sources={REPLAY_SOURCES}"]
    return ["training.extra_sources=[]", 'training.extra_stance_data=""', "training.replay_rows=0"]


def pick(strategy: str, model: Path, pool: list[dict], embeddings: np.ndarray, labeled: list[int], count: int,
         seed: int, selection: str = "typical") -> list[int]:
    """`count` more sentences of the pool, none labeled yet."""
    unlabeled = sorted(set(range(len(pool))) - set(labeled))
    if strategy == "random":
        return random.Random(seed * 1000 + len(labeled)).sample(unlabeled, count)
    rows = [pool[i] for i in unlabeled]
    predictor = Predictor(model, 64, "fp32", threads=None)
    probs = predictor.predict_proba([r["text"] for r in rows], [r["target"] for r in rows], [r["mentions"] for r in rows],
                                    [r.get("context") for r in rows])
    chosen = PICKERS[selection](uncertainty(probs), embeddings[unlabeled], [r["article_id"] for r in rows], count,
                                PER_ARTICLE, seed)
    return [unlabeled[i] for i in chosen]


def score(model: Path, test: list[dict], cfg: Config) -> dict[str, float]:
    """Macro-F1 per task on the test rows."""
    scores = evaluate(load_model(model), test, cfg, None).to_dict()
    return {task: round(scores[task]["macro_f1"], 4) for task in TASKS if task in scores}


def log(record: dict, path: Path | None) -> dict:
    print(json.dumps(record), flush=True)
    if path:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return record


def summarise(results: list[dict], budgets: list[int]) -> None:
    """Mean ± spread per strategy and budget; the random labels needed to match suggest at 100 labels, for stance
    macro-F1 and for the mean macro-F1 of the three tasks."""
    print(f"\n{'strategy':<10}{'labels':>7}  " + "".join(f"{t:>20}" for t in (*TASKS, "mean")))
    means: dict[str, dict[str, dict[int, float]]] = {"stance": {}, "mean": {}}
    for strategy in sorted({r["strategy"] for r in results}):
        for budget in budgets:
            runs = [{**r, "mean": statistics.mean(r[t] for t in TASKS)} for r in results
                    if r["strategy"] == strategy and r["labels"] == budget]
            if not runs:  # a budget this log has no round of
                continue
            cells = [f"{statistics.mean(v):.3f} ± {statistics.stdev(v) if len(v) > 1 else 0:.3f} ({len(v)})"
                     for v in ([r[t] for r in runs] for t in (*TASKS, "mean"))]
            for metric in means:
                means[metric].setdefault(strategy, {})[budget] = statistics.mean(r[metric] for r in runs)
            print(f"{strategy:<10}{budget:>7}  " + "".join(f"{c:>20}" for c in cells))
    for metric, curves in means.items():
        if {"suggest", "random"} <= set(curves) and 100 in budgets:
            needed = labels_to_reach(curves["random"], curves["suggest"][100])
            shown = f"{needed:.0f} labels ({needed / 100:.1f}x)" if needed else f"more than {max(budgets)} labels"
            print(f"{metric} macro-F1 of suggest at 100 labels: {curves['suggest'][100]:.3f}; random reaches it at {shown}")


def labels_to_reach(curve: dict[int, float], level: float) -> float | None:
    """The labels a curve needs to reach `level`, interpolated linearly between its budgets (None: never)."""
    points = sorted(curve.items())
    for (n0, f0), (n1, f1) in zip(points, points[1:], strict=False):
        if f0 >= level:
            return float(n0)
        if f1 >= level:
            return n0 + (n1 - n0) * (level - f0) / (f1 - f0)
    return float(points[-1][0]) if points and points[-1][1] >= level else None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=None, help="default: the packaged one (run from the checkout)")
    parser.add_argument("--budgets", type=lambda v: [int(x) for x in v.split(",")], default=[25, 50, 100, 200, 400])
    parser.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")], default=[13, 14, 15])
    parser.add_argument("--strategies", type=lambda v: v.split(","), default=["suggest", "random"])
    parser.add_argument("--picker", choices=["latest", "start"], default="latest",
                        help="the model suggest picks with: the latest fine-tuned one, or the starting model throughout")
    parser.add_argument("--selection", choices=list(PICKERS), default="typical",
                        help="suggest's picks: typical ones covering the corpus (its default), or the most uncertain")
    parser.add_argument("--score-on", choices=["test", "validation"], default="test",
                        help="the FinEntity test fifth, or (to choose a strategy) a fixed fifth of the training passages")
    parser.add_argument("--start", help="the model the loop starts from: one that never learned FinEntity (see the "
                        "docstring); with --summarise, only its rounds (default: news-teacher, the rounds logged before it was required)")
    parser.add_argument("--replay", action="store_true", help="fine-tune with the default replay sample (slower)")
    parser.add_argument("--set", action="append", default=[], help="config override for every run")
    parser.add_argument("--log", type=Path, default=None, help="append one JSON line per round")
    parser.add_argument("--summarise", type=Path, nargs="+", help="only print the summary of these logs (random rounds "
                        "and the suggest rounds of --picker)")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
