"""NewsMTSC benchmark: train on its train split (rw_dev for early stopping), score rw_test and mt_test.

Prints F1-macro and accuracy beside the published figures (SOURCE.md, Table 2 of the paper) and
appends one JSON line per run to --log. With --model (repeatable) it scores existing model folders
instead of training; several folders are scored as a probability-averaging ensemble.

    python bench/newsmtsc.py --config configs/newsmtsc.toml --out /tmp/newsmtsc-model
    python bench/newsmtsc.py --config configs/newsmtsc.toml --set model.target_mode=pair --out /tmp/m-pair
    python bench/newsmtsc.py --model /tmp/m1 --model /tmp/m2          # ensemble of two trained models
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from mediaframe.config import load_config
from mediaframe.inference.predictor import Predictor
from mediaframe.labels.importers import read_newsmtsc
from mediaframe.model.modeling import load_model

REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its data/ and configs/

DATA = REPO_ROOT.parent / "shared" / "benchmarks" / "newsmtsc"
PUBLISHED = {  # model: (rw F1m, rw acc, mt F1m, mt acc), Table 2 of Hamborg & Donnay (EACL 2021)
    "BERT SPC": (80.1, 80.7, 73.7, 76.1),
    "BERT GRU-TSC": (80.2, 81.1, 77.3, 80.0),
    "RoBERTa SPC": (81.1, 82.7, 79.4, 81.6),
    "RoBERTa GRU-TSC (best)": (83.1, 83.8, 82.5, 84.6),
}
TEST_SETS = {"rw_dev": "rw_dev.jsonl", "rw_test": "rw_test.jsonl", "mt_test": "mt_test.jsonl"}
LABELS = ["against", "neutral", "favor"]


def main() -> int:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", datefmt="%H:%M:%S")
    if not (args.data / "split_flat" / "train.jsonl").is_file():
        print(f"skipped: NewsMTSC not found at {args.data} (expected split_flat/train.jsonl)")
        return 0
    started = time.perf_counter()
    models = args.model or [train_model(args)]
    train_s = time.perf_counter() - started
    scores, score_s = score(models, args.data)
    record = {"name": args.name, "config": str(args.config), "set": args.set, "models": [str(m) for m in models],
              "train_s": round(train_s, 1), "score_s": round(score_s, 1), **scores}
    print_table(record)
    if args.log:
        with args.log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=REPO_ROOT / "configs" / "newsmtsc.toml")
    parser.add_argument("--set", action="append", default=[], help="config override section.key=value")
    parser.add_argument("--out", type=Path, default=Path("/tmp/mediaframe-newsmtsc"), help="model folder to write")
    parser.add_argument("--model", type=Path, action="append", help="score this model folder (repeatable)")
    parser.add_argument("--data", type=Path, default=DATA, help="NewsMTSC folder with split_flat/")
    parser.add_argument("--device", default=None, help="cpu, cuda or auto")
    parser.add_argument("--log", type=Path, default=None, help="append the figures as one JSON line")
    parser.add_argument("--name", default="", help="a name for the run in the log")
    return parser.parse_args()


def train_model(args: argparse.Namespace) -> Path:
    from mediaframe.training.train import train_path

    cfg = load_config(args.config, args.set)
    return train_path(args.data, cfg, args.out, args.device)


def score(models: list[Path], data: Path) -> tuple[dict[str, dict[str, float]], float]:
    """F1-macro and accuracy (in %) of the models' averaged stance probabilities on each test set."""
    loaded = [load_model(m) for m in models]
    out: dict[str, dict[str, float]] = {}
    started = time.perf_counter()
    for name, file in TEST_SETS.items():
        rows = read_newsmtsc(data / "split_flat" / file)
        texts, targets, mentions = ([r[k] for r in rows] for k in ("text", "target", "mentions"))
        probs = np.mean([Predictor(m, 64).predict_proba(texts, targets, mentions)["stance"] for m in loaded], axis=0)
        guess = [loaded[0].labels("stance")[i] for i in probs.argmax(-1)]
        truth = [r["stance"] for r in rows]
        out[name] = {"f1m": 100 * f1_score(truth, guess, labels=LABELS, average="macro"),
                     "acc": 100 * accuracy_score(truth, guess), "n": len(rows)}
    return out, time.perf_counter() - started


def print_table(record: dict) -> None:
    print(f"\n{'model':<28} {'rw F1m':>7} {'rw acc':>7} {'mt F1m':>7} {'mt acc':>7}")
    for model, (rf, ra, mf, ma) in PUBLISHED.items():
        print(f"{model:<28} {rf:>7.1f} {ra:>7.1f} {mf:>7.1f} {ma:>7.1f}")
    rw, mt = record["rw_test"], record["mt_test"]
    name = f"this run ({record['name'] or 'mediaframe'})"[:28]
    print(f"{name:<28} {rw['f1m']:>7.1f} {rw['acc']:>7.1f} {mt['f1m']:>7.1f} {mt['acc']:>7.1f}")
    print(f"rw_dev F1m {record['rw_dev']['f1m']:.1f}; training {record['train_s']:.0f} s, scoring {record['score_s']:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
