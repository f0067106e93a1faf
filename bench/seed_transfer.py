"""Which recipe is right on the seed corpus? Leave-one-article-out, pooled.

For each recipe, one model per fold of a dataset built with `--folds` (train on three articles,
stop early on a fourth, test on the fifth); the five test articles' predictions are pooled and
scored once with `evaluation.evaluate_fold_paths`, beside the majority, weak-labeler and TF-IDF
baselines trained on the same fold rows. Prints stance/sentiment/frame macro-F1 per recipe and
appends a JSON line per recipe to --log.

    mediaframe build data/seed --target Netflix --gold data/gold/seed_gold.jsonl --out /tmp/seed-ds --folds
    python bench/seed_transfer.py /tmp/seed-ds --work /tmp/seed-loao --log /tmp/seed-loao.jsonl --seeds 13,14,15
    python bench/seed_transfer.py /tmp/seed-ds --recipe "transfer:training.extra_stance_max_rows=4000"
    python bench/seed_transfer.py /tmp/seed-ds --zero-shot /tmp/newsmtsc-model   # score a model as it is, no training
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from mediaframe.config import load_config
from mediaframe.evaluation.scoring import evaluate_fold_paths
from mediaframe.training.train import train_path

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

RECIPES = {  # name: overrides on configs/default.toml
    "seed only": ["training.extra_stance_data=", "training.extra_sources=[]", "training.epochs=10",
                  "training.evals_per_epoch=1", "training.early_stopping_patience=3"],
    "default: seed pooled with NewsMTSC, Narrative Frames 1-4 and the written coverage": [],
}


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    folds = json.loads((args.dataset / "folds" / "folds.json").read_text())
    if args.zero_shot:
        cfg = load_config(args.config, args.set)
        pairs = [(args.zero_shot, args.dataset / "folds" / fold["name"]) for fold in folds]
        report(f"zero-shot {args.zero_shot}", args.set, evaluate_fold_paths(pairs, cfg).to_dict(), 0.0, args.log)
        return 0
    recipes = dict(recipe.split(":", 1) for recipe in args.recipe) if args.recipe else None
    for name, overrides in (recipes and {k: v.split(",") for k, v in recipes.items()} or RECIPES).items():
        for seed in args.seeds or [None]:
            seeded = [*overrides, *args.set, *([f"training.seeds=[{seed}]"] if seed is not None else [])]
            run_recipe(name + (f", seed {seed}" if seed is not None else ""), seeded, folds, args)
    return 0


def run_recipe(name: str, overrides: list[str], folds: list[dict], args: argparse.Namespace) -> None:
    """One model per fold, the held-out articles pooled and scored once beside the baselines."""
    cfg = load_config(args.config, overrides)
    started = time.perf_counter()
    pairs = []
    for fold in folds:
        fold_dir = args.dataset / "folds" / fold["name"]
        model_dir = args.work / name.replace(" ", "_").replace("+", "plus").replace(",", "") / fold["name"]
        pairs.append((train_path(fold_dir, cfg, model_dir), fold_dir))
    train_s = time.perf_counter() - started
    report(name, overrides, evaluate_fold_paths(pairs, cfg).to_dict(), train_s, args.log)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="dataset folder built with --folds")
    parser.add_argument("--config", type=Path, default=REPO_ROOT / "configs" / "default.toml")
    parser.add_argument("--set", action="append", default=[], help="override for every recipe")
    parser.add_argument("--recipe", action="append", help="NAME:key=value,key=value (replaces the built-in recipes)")
    parser.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")], help="run each recipe per fine-tuning seed (training.seeds; a cached first stage keeps `seed`): 13,14,15")
    parser.add_argument("--zero-shot", type=Path, help="score this model folder on every fold's test, untrained there")
    parser.add_argument("--work", type=Path, default=Path("/tmp/mediaframe-seed-loao"), help="fold models go here")
    parser.add_argument("--log", type=Path, default=None, help="append one JSON line per recipe")
    return parser.parse_args()


def report(name: str, overrides: list[str], tasks: dict, train_s: float, log: Path | None) -> None:
    print(f"\n== {name} ({', '.join(overrides) or 'configs/default.toml'}); training {train_s:.0f} s")
    record: dict = {"recipe": name, "overrides": overrides, "train_s": round(train_s, 1)}
    for task, scores in tasks.items():
        lo, hi = scores["macro_f1_ci"]
        line = f"{task:<10} model F1m {scores['macro_f1']:.3f} [{lo:.3f}, {hi:.3f}] acc {scores['accuracy']:.3f}"
        base = {b: s["macro_f1"] for b, s in scores.get("baselines", {}).items()}
        print(line + "".join(f" | {b} {f:.3f}" for b, f in base.items()))
        record[task] = {"n": scores["n"], "macro_f1": scores["macro_f1"], "macro_f1_ci": scores["macro_f1_ci"],
                        "accuracy": scores["accuracy"], "baselines": base}
    if log:
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    sys.exit(main())
